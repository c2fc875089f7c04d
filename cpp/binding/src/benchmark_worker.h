// Classifier.benchmark: its options converted to the runner's parameters on the JS thread, the runner
// (nnrt/session_benchmark.h) on a worker thread with a listener that forwards progress to the JS callback and
// asks the classifier whether to stop (cancel(), release(), the env's exit), the result converted back.
// The loop, its phases and limits, and the statistics are the runner's; nothing here times anything.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>
#include <string>

#include "classifier.h"
#include "core/benchmark_runner.h"
#include "nnrt/session_benchmark.h"

namespace npulens::binding {

struct BenchmarkRequest {
  BenchmarkParams params;
  IoMode mode = IoMode::kZeroCopy;
  // options.source: time source frame → result (BenchmarkSource) instead of the model alone.
  std::optional<SourceFrameSpec> source;
  FrameStore store = FrameStore::kMemory;
  Napi::FunctionReference onProgress;
};

// benchmark(options?, onProgress?) at info[0], info[1] (step "benchmark"): TypeError / RangeError statuses naming
// the option. `request->mode` holds the classifier's I/O mode on entry (options.mode overrides it).
Status ParseBenchmarkArguments(const Napi::CallbackInfo& info, BenchmarkRequest* request);

// options.iterations, options.warmup and options.durationMs (each optional) into `params`, at `step`.
Status ParseBenchmarkParams(Napi::Object options, const std::string& step, BenchmarkParams* params);

// {iterations, warmup, firstRunMs, samplesMs, latencyMs, throughputPerSec, windowP50Ms, drift, valid, cancelled}.
Napi::Object BenchmarkResultToJs(Napi::Env env, const BenchmarkResult& result);

class BenchmarkWorker : public Napi::AsyncProgressWorker<BenchmarkProgress> {
 public:
  BenchmarkWorker(Napi::Env env, std::shared_ptr<ClassifierState> state, Napi::Promise::Deferred deferred,
                  std::shared_ptr<BenchmarkRequest> request);

  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const BenchmarkProgress* data, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error&) override;

 private:
  void Fail(const Status& status);
  void ReportProgress(Napi::Env env, const BenchmarkProgress* data);
  void Complete(Napi::Env env);

  std::shared_ptr<ClassifierState> state_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<BenchmarkRequest> request_;
  Status status_;
  BenchmarkResult result_;
  SourceBenchmarkResult source_;  // a source benchmark's (result_ is then source_.run)
  bool settled_ = false;
  std::optional<Napi::ObjectReference> callbackError_;
};

}  // namespace npulens::binding
