// The benchmark runner for loops that JavaScript drives (Node only, for `npm run bench:peer`, which times
// onnxruntime-node beside our engine): createBenchmarkPlan gives the runner's BenchmarkPlan as a JS object, so that
// loop has the runner's phases, limits and statistics; latencyStats gives core/stats.h's figures for any series.
#pragma once

#include <napi.h>

namespace npulens::binding {

// createBenchmarkPlan(options?) -> {next(), record(ms), cancel(), result(), release()}; options as
// Classifier.benchmark's (iterations, warmup, durationMs). Step "createBenchmarkPlan" for bad options; the plan's
// calls fail with the runner's steps ("benchmark.record", "benchmark.result") and NPULENS_RELEASED after release().
Napi::Value CreateBenchmarkPlan(const Napi::CallbackInfo& info);

// latencyStats(samplesMs) -> {min, p50, p90, p99, max, mean, std}; a non-empty array of finite numbers >= 0.
Napi::Value LatencyStatsOf(const Napi::CallbackInfo& info);

}  // namespace npulens::binding
