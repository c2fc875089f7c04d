// npulens_bench: a manifest model's inference latency on the host NN runtime, measured by the one benchmark runner
// (nnrt/session_benchmark.h) through the engine (InferenceSession), as `npulens bench` measures it in Node and the
// app on the phone. Prints the CLI's table; --json writes the shared benchmark report (npulens-benchmark/2,
// tools/bench/benchmark-report.schema.json). A benchmark: it reports figures, it asserts nothing about speed.
//
//   npulens_bench --model ID [--manifest FILE] [--threads N] [--iterations N] [--warmup N] [--duration S]
//                 [--mode zero-copy|copy|both] [--json FILE|-]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_cli.h"
#include "core/benchmark_runner.h"
#include "core/limits.h"
#include "hostnn/hostnn.h"
#include "nnrt/model_loader.h"
#include "nnrt/session_benchmark.h"

namespace npulens {
namespace {

constexpr char kUsage[] =
    "usage: npulens_bench --model ID [--manifest FILE] [--threads N] [--iterations N] [--warmup N] [--duration S]\n"
    "                     [--mode zero-copy|copy|both] [--json FILE|-]\n"
    "  --manifest  default entry/src/main/resources/rawfile/models/manifest.json (the bundled models)\n"
    "  --threads   host runtime threads (default: $NPULENS_THREADS, else every CPU)\n";

struct Options {
  std::string manifest = "entry/src/main/resources/rawfile/models/manifest.json";
  std::string modelId;
  int threads = 0;
  BenchmarkParams params;
  std::vector<IoMode> modes = {IoMode::kZeroCopy};
  std::string json;
};

constexpr ToolUsage kTool{"npulens_bench", kUsage};

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool iterationsSet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = FlagValue(kTool, argc, argv, &i);
    if (a == "--model") {
      o.modelId = v;
    } else if (a == "--manifest") {
      o.manifest = v;
    } else if (a == "--threads") {
      o.threads = static_cast<int>(NumberArg(kTool, a, v, 1, kHostThreadsMax, true));
    } else if (a == "--iterations") {
      o.params.iterations = static_cast<int64_t>(NumberArg(kTool, a, v, 1, kBenchmarkIterationsMax, true));
      iterationsSet = true;
    } else if (a == "--warmup") {
      o.params.warmupRuns = static_cast<int64_t>(NumberArg(kTool, a, v, 0, kBenchmarkWarmupMax, true));
    } else if (a == "--duration") {
      o.params.maxDurationMs = NumberArg(kTool, a, v, 0, kBenchmarkDurationMaxMs / 1000, false) * 1000;
      if (o.params.maxDurationMs <= 0) UsageError(kTool, "--duration must be > 0");
    } else if (a == "--mode") {
      const std::string m = v;
      if (m == "both") {
        o.modes = {IoMode::kZeroCopy, IoMode::kCopy};
      } else if (m == "zero-copy" || m == "copy") {
        o.modes = {m == "copy" ? IoMode::kCopy : IoMode::kZeroCopy};
      } else {
        UsageError(kTool, "--mode must be zero-copy, copy or both (got '" + m + "')");
      }
    } else if (a == "--json") {
      o.json = v;
    } else {
      UsageError(kTool, "unknown option '" + a + "'");
    }
  }
  if (o.modelId.empty()) UsageError(kTool, "--model is required");
  // As the CLI: a duration alone runs until the duration ends.
  if (!iterationsSet && o.params.maxDurationMs > 0) o.params.iterations = kBenchmarkIterationsMax;
  return o;
}

std::string Ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.3f" : v < 100 ? "%.2f" : "%.1f", v);
  return buf;
}

struct Run {
  IoMode mode;
  BenchmarkResult result;
};

nlohmann::json ReportJson(const Options& o, const LoadedModel& model, const SessionInfo& info,
                          const std::string& started, const std::vector<Run>& runs) {
  nlohmann::json doc;
  doc["format"] = "npulens-benchmark/2";
  doc["producer"] = "npulens_bench";
  doc["startedAt"] = started;
  doc["device"] = HostDeviceJson();
  doc["config"] = {{"runLength", o.params.maxDurationMs > 0 ? "duration" : "iterations"},
                   {"iterations", o.params.iterations},
                   {"durationSec", o.params.maxDurationMs / 1000},
                   {"warmup", o.params.warmupRuns},
                   {"threads", HostNN_GetThreadCount()}};
  nlohmann::json list = nlohmann::json::array();
  for (const Run& run : runs) {
    const BenchmarkResult& r = run.result;
    nlohmann::json windows = nlohmann::json::array();
    for (double w : r.windowP50Ms) windows.push_back(Round3(w));
    nlohmann::json samples = nlohmann::json::array();
    for (double s : r.samplesMs) samples.push_back(Round3(s));
    list.push_back({{"role", "baseline"},
                    {"modelId", model.config.modelId},
                    {"precision", PrecisionName(model.config.precision)},
                    {"computePrecision", PrecisionName(model.config.precision)},
                    {"devicePolicy", DevicePolicyName(info.device.policy)},
                    {"device", info.device.device.name},
                    {"deviceType", DeviceTypeName(info.device.device.type)},
                    {"selection", info.device.reason},
                    {"mode", IoModeName(run.mode)},
                    {"loadMs", Round3(info.loadMs)},
                    {"compileColdMs", Round3(info.compileMs)},
                    {"compileCachedMs", nullptr},
                    {"compilationCache", "off"},
                    {"compilationCacheRefusedWith", nullptr},
                    {"firstRunMs", Round3(r.firstRunMs)},
                    {"iterations", r.samplesMs.size()},
                    {"warmup", r.warmupRuns},
                    {"latencyMs",
                     {{"min", Round3(r.latency.minMs)},
                      {"p50", Round3(r.latency.p50Ms)},
                      {"p90", Round3(r.latency.p90Ms)},
                      {"p99", Round3(r.latency.p99Ms)},
                      {"max", Round3(r.latency.maxMs)},
                      {"mean", Round3(r.latency.meanMs)},
                      {"std", Round3(r.latency.stdMs)}}},
                    {"throughputPerSec", Round3(r.latency.throughputPerSec)},
                    {"windowP50Ms", windows},
                    {"driftLastOverFirst", Round3(r.drift)},
                    {"memoryDeltaKb", nullptr},
                    {"valid", r.valid},
                    {"speedupVsBaseline", 1},
                    {"cancelled", r.cancelled},
                    {"error", ""},
                    {"samplesMs", samples}});
  }
  doc["runs"] = list;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  doc["peakRssMb"] = Round3(static_cast<double>(usage.ru_maxrss) / 1024);
  return doc;
}

void PrintTable(const LoadedModel& model, const SessionInfo& info, const BenchmarkParams& params,
                const std::vector<Run>& runs) {
  std::printf("model: %s (%s, %s)\n", model.config.modelId.c_str(), PrecisionName(model.config.precision),
              model.file.c_str());
  std::printf("device: %s (%s) — %s, %d threads\n", info.device.device.name.c_str(),
              DeviceTypeName(info.device.device.type), info.device.reason.c_str(), HostNN_GetThreadCount());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("load %s ms, compile %s ms, first run %s ms, warm-up %lld, peak RSS %.1f MB\n", Ms(info.loadMs).c_str(),
              Ms(info.compileMs).c_str(), Ms(runs.front().result.firstRunMs).c_str(),
              static_cast<long long>(params.warmupRuns), static_cast<double>(usage.ru_maxrss) / 1024);
  std::printf("%-22s %6s %8s %8s %8s %8s %8s %8s %8s %8s\n", "mode", "runs", "min", "p50", "p90", "p99", "max", "mean",
              "std", "inf/s");
  for (const Run& run : runs) {
    const LatencyStats& l = run.result.latency;
    const std::string mode = std::string(IoModeName(run.mode)) + (run.result.cancelled ? " (cancelled)" : "");
    std::printf("%-22s %6zu %8s %8s %8s %8s %8s %8s %8s %8.1f\n", mode.c_str(), run.result.samplesMs.size(),
                Ms(l.minMs).c_str(), Ms(l.p50Ms).c_str(), Ms(l.p90Ms).c_str(), Ms(l.p99Ms).c_str(), Ms(l.maxMs).c_str(),
                Ms(l.meanMs).c_str(), Ms(l.stdMs).c_str(), l.throughputPerSec);
  }
  std::printf("latency in ms per run: RunSync, plus the input/output memcpy in copy mode\n");
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  if (o.threads > 0) HostNN_SetThreadCount(o.threads);
  const std::string started = IsoNow();
  ModelRequest request;
  request.manifestPath = o.manifest;
  request.modelId = o.modelId;
  const auto t0 = std::chrono::steady_clock::now();
  Result<LoadedModel> model = LoadModel(request, ReadDiskFile);
  if (!model.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", model.status().ToString().c_str());
    return 1;
  }
  SessionConfig config = model->config;
  config.devicePolicy = DevicePolicy::kAuto;
  config.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  Result<std::unique_ptr<InferenceSession>> session = InferenceSession::Load(std::move(model->bytes), config);
  if (!session.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", session.status().ToString().c_str());
    return 1;
  }
  Result<SessionInfo> info = session.value()->Info();
  if (!info.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", info.status().ToString().c_str());
    return 1;
  }
  std::vector<Run> runs;
  for (IoMode mode : o.modes) {
    Result<BenchmarkResult> r = BenchmarkSession(*session.value(), config.input, o.params, mode, nullptr);
    if (!r.ok()) {
      std::fprintf(stderr, "npulens_bench: %s\n", r.status().ToString().c_str());
      return 1;
    }
    runs.push_back({mode, std::move(r.value())});
  }
  const nlohmann::json doc = ReportJson(o, model.value(), info.value(), started, runs);
  if (o.json != "-") PrintTable(model.value(), info.value(), o.params, runs);
  return o.json.empty() ? 0 : WriteReport("npulens_bench", o.json, doc);
}

}  // namespace
}  // namespace npulens

int main(int argc, char** argv) { return npulens::Main(argc, argv); }
