#include "benchmark_worker.h"

#include <chrono>
#include <utility>

#include "addon.h"
#include "js_util.h"
#include "nnrt/session_benchmark.h"

namespace npulens::binding {

namespace {

constexpr char kStep[] = "benchmark";
// Progress is sent at most this often (the JS callback must not slow the timed loop).
constexpr double kProgressIntervalMs = 50;

// Forwards the timed runs' progress (throttled, and once at the end) and the classifier's stop requests.
class ProgressListener : public BenchmarkListener {
 public:
  ProgressListener(const ClassifierState& state,
                   const Napi::AsyncProgressWorker<BenchmarkProgress>::ExecutionProgress& progress)
      : state_(state), progress_(progress) {}

  void OnRun(const BenchmarkProgress& p) override {
    if (p.phase != BenchmarkPhase::kTimed) return;
    last_ = p;
    const double now = SteadyClockMs();
    if (now - lastSentMs_ < kProgressIntervalMs) return;
    progress_.Send(&last_, 1);
    lastSentMs_ = SteadyClockMs();
  }
  bool ShouldStop() override { return state_.StopBenchmark(); }
  void OnEnd(const BenchmarkResult&) override {
    if (last_.done > 0) progress_.Send(&last_, 1);
  }

 private:
  const ClassifierState& state_;
  const Napi::AsyncProgressWorker<BenchmarkProgress>::ExecutionProgress& progress_;
  BenchmarkProgress last_;
  double lastSentMs_ = SteadyClockMs();
};

Napi::Array NumbersToJs(Napi::Env env, const std::vector<double>& values) {
  Napi::Array a = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, values[i]));
  return a;
}

// options.source: {width, height, format, store?}; the sides' limits and YUV's even sides are the runner's.
Status ParseSource(const Napi::Value& value, const std::string& step, BenchmarkRequest* request) {
  if (!value.IsObject()) return TypeMismatch(step, "options.source must be an object {width, height, format}");
  Napi::Object source = value.As<Napi::Object>();
  SourceFrameSpec spec;
  int64_t width = 0, height = 0;
  bool hasWidth = false, hasHeight = false, hasFormat = false;
  Status st = ParseOption(source, "width", step, [&](const Napi::Value& v) {
    hasWidth = true;
    return ToInteger(v, step, "options.source.width", 1, kImageSideMax, &width);
  });
  if (st.ok()) {
    st = ParseOption(source, "height", step, [&](const Napi::Value& v) {
      hasHeight = true;
      return ToInteger(v, step, "options.source.height", 1, kImageSideMax, &height);
    });
  }
  if (st.ok()) {
    st = ParseOption(source, "format", step, [&](const Napi::Value& v) {
      hasFormat = true;
      const auto named = [](PixelFormat f) { return std::pair<const char*, PixelFormat>(PixelFormatName(f), f); };
      return ToEnum<PixelFormat>(v, step, "options.source.format",
                                 {named(PixelFormat::kRGBA8), named(PixelFormat::kBGRA8), named(PixelFormat::kRGB8),
                                  named(PixelFormat::kNV21), named(PixelFormat::kNV12)},
                                 &spec.format);
    });
  }
  if (st.ok()) {
    st = ParseOption(source, "store", step, [&](const Napi::Value& v) {
      return ToEnum<FrameStore>(v, step, "options.source.store",
                                {{"memory", FrameStore::kMemory}, {"fd", FrameStore::kFd}}, &request->store);
    });
  }
  if (!st.ok()) return st;
  if (!hasWidth || !hasHeight || !hasFormat) {
    return TypeMismatch(step, std::string("options.source.") +
                                  (!hasWidth    ? "width"
                                   : !hasHeight ? "height"
                                                : "format") +
                                  " is required");
  }
  spec.width = static_cast<int>(width);
  spec.height = static_cast<int>(height);
  if (IsYuv420sp(spec.format) && (spec.width % 2 != 0 || spec.height % 2 != 0)) {
    return OutOfRange(step, std::string("options.source: a ") + PixelFormatName(spec.format) +
                                " source needs even sides (got " + std::to_string(spec.width) + "x" +
                                std::to_string(spec.height) + ")");
  }
  request->source = spec;
  return Status::Ok();
}

Napi::Object SourceToJs(Napi::Env env, const SourceFrameSpec& spec, const SourceBenchmarkResult& r) {
  Napi::Object source = Napi::Object::New(env);
  source.Set("width", Napi::Number::New(env, spec.width));
  source.Set("height", Napi::Number::New(env, spec.height));
  source.Set("format", PixelFormatName(spec.format));
  source.Set("bytes", Napi::Number::New(env, static_cast<double>(r.sourceBytes)));
  return source;
}

}  // namespace

Status ParseBenchmarkParams(Napi::Object options, const std::string& step, BenchmarkParams* params) {
  Status st = ParseOption(options, "iterations", step, [&](const Napi::Value& v) {
    return ToInteger(v, step, "options.iterations", 1, kBenchmarkIterationsMax, &params->iterations);
  });
  if (st.ok()) {
    st = ParseOption(options, "warmup", step, [&](const Napi::Value& v) {
      return ToInteger(v, step, "options.warmup", 0, kBenchmarkWarmupMax, &params->warmupRuns);
    });
  }
  if (st.ok()) {
    st = ParseOption(options, "durationMs", step, [&](const Napi::Value& v) {
      Status s = ToNumber(v, step, "options.durationMs", 0, kBenchmarkDurationMaxMs, &params->maxDurationMs);
      return s.ok() && params->maxDurationMs <= 0 ? OutOfRange(step, "options.durationMs must be > 0") : s;
    });
  }
  return st;
}

Status ParseBenchmarkArguments(const Napi::CallbackInfo& info, BenchmarkRequest* request) {
  const std::string step = kStep;
  if (!IsAbsent(info[0])) {
    if (!info[0].IsObject()) return TypeMismatch(step, "options must be an object");
    Napi::Object options = info[0].As<Napi::Object>();
    Status st = ParseBenchmarkParams(options, step, &request->params);
    if (st.ok()) {
      st = ParseOption(options, "mode", step, [&](const Napi::Value& v) {
        return ToEnum<IoMode>(v, step, "options.mode", {{"zero-copy", IoMode::kZeroCopy}, {"copy", IoMode::kCopy}},
                              &request->mode);
      });
    }
    if (st.ok()) {
      st = ParseOption(options, "source", step, [&](const Napi::Value& v) { return ParseSource(v, step, request); });
    }
    if (!st.ok()) return st;
  }
  if (!IsAbsent(info[1])) {
    if (!info[1].IsFunction()) return TypeMismatch(step, "onProgress must be a function");
    request->onProgress = Napi::Persistent(info[1].As<Napi::Function>());
  }
  return Status::Ok();
}

Napi::Object BenchmarkResultToJs(Napi::Env env, const BenchmarkResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("iterations", Napi::Number::New(env, static_cast<double>(r.samplesMs.size())));
  o.Set("warmup", Napi::Number::New(env, static_cast<double>(r.warmupRuns)));
  o.Set("firstRunMs", Napi::Number::New(env, r.firstRunMs));
  o.Set("samplesMs", NumbersToJs(env, r.samplesMs));
  o.Set("latencyMs", LatencyToJs(env, r.latency));
  o.Set("throughputPerSec", Napi::Number::New(env, r.latency.throughputPerSec));
  o.Set("windowP50Ms", NumbersToJs(env, r.windowP50Ms));
  o.Set("drift", Napi::Number::New(env, r.drift));
  o.Set("valid", Napi::Boolean::New(env, r.valid));
  o.Set("cancelled", Napi::Boolean::New(env, r.cancelled));
  return o;
}

BenchmarkWorker::BenchmarkWorker(Napi::Env env, std::shared_ptr<ClassifierState> state,
                                 Napi::Promise::Deferred deferred, std::shared_ptr<BenchmarkRequest> request)
    : Napi::AsyncProgressWorker<BenchmarkProgress>(env, "npulens.benchmark"),
      state_(std::move(state)),
      deferred_(std::move(deferred)),
      request_(std::move(request)) {
  state_->cancelBenchmark = false;  // cancel() applies to the benchmark running from now on
}

void BenchmarkWorker::Execute(const ExecutionProgress& progress) {
  Status st = CatchAll(kStep, [&] {
    TestFault(kStep);
    ProgressListener listener(*state_, progress);
    if (request_->source.has_value()) {
      Result<SourceBenchmarkResult> r = BenchmarkSource(*state_->session, *request_->source, request_->store,
                                                        request_->params, request_->mode, &listener);
      if (!r.ok()) return r.status();
      source_ = std::move(r.value());
      result_ = source_.run;
      return Status::Ok();
    }
    Result<BenchmarkResult> r =
        BenchmarkSession(*state_->session, state_->input, request_->params, request_->mode, &listener);
    if (!r.ok()) return r.status();
    result_ = std::move(r.value());
    return Status::Ok();
  });
  if (!st.ok()) Fail(st);
}

void BenchmarkWorker::OnProgress(const BenchmarkProgress* data, size_t count) {
  if (count == 0 || request_->onProgress.IsEmpty() || callbackError_.has_value()) return;
  Napi::Env env = Env();
  Status st = CatchAll(kStep, [&] {
    ReportProgress(env, data);
    return Status::Ok();
  });
  if (!st.ok() && !callbackError_.has_value()) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    callbackError_ = Napi::Persistent(ToJsError(env, st).Value());
    state_->cancelBenchmark = true;
  }
}

void BenchmarkWorker::ReportProgress(Napi::Env env, const BenchmarkProgress* data) {
  Napi::Object p = Napi::Object::New(env);
  p.Set("done", Napi::Number::New(env, static_cast<double>(data->done)));
  p.Set("total", Napi::Number::New(env, static_cast<double>(data->total)));
  p.Set("lastMs", Napi::Number::New(env, data->lastMs));
  request_->onProgress.Call({p});
  if (env.IsExceptionPending()) {
    // A throwing callback stops the benchmark and becomes its rejection (never an uncaught exception).
    callbackError_ = Napi::Persistent(env.GetAndClearPendingException().Value());
    state_->cancelBenchmark = true;
  }
}

void BenchmarkWorker::OnOK() {
  Napi::Env env = Env();
  Status st = CatchAll(kStep, [&] {
    Complete(env);
    return Status::Ok();
  });
  if (!st.ok()) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    if (!settled_) deferred_.Reject(ToJsError(env, st).Value());
    settled_ = true;
  }
  state_->queue.Finished();
}

void BenchmarkWorker::Complete(Napi::Env env) {
  if (callbackError_.has_value()) {
    settled_ = true;
    deferred_.Reject(callbackError_->Value());
    return;
  }
  Napi::Object o = BenchmarkResultToJs(env, result_);
  o.Set("mode", IoModeName(request_->mode));
  // A model benchmark runs the whole batch each time; a source benchmark classifies one frame per run.
  const int images = request_->source.has_value() ? 1 : state_->batchSize;
  o.Set("batchSize", Napi::Number::New(env, images));
  o.Set("imagesPerSec", Napi::Number::New(env, result_.latency.throughputPerSec * images));
  if (request_->source.has_value()) {
    o.Set("source", SourceToJs(env, *request_->source, source_));
    o.Set("path", source_.path);
    o.Set("preprocessing", PreprocessingName(state_->preprocessing));
    o.Set("stagesP50Ms", StageTimingsToJs(env, source_.p50));
    o.Set("cpuBytesIn", Napi::Number::New(env, static_cast<double>(source_.cpuBytesIn)));
    o.Set("nonInferenceFraction", Napi::Number::New(env, source_.nonInferenceFraction));
  }
  settled_ = true;
  deferred_.Resolve(o);
}

void BenchmarkWorker::OnError(const Napi::Error&) {
  deferred_.Reject(ToJsError(Env(), status_).Value());
  state_->queue.Finished();
}

void BenchmarkWorker::Fail(const Status& status) {
  status_ = status;
  SetError(status.ToString());
}

}  // namespace npulens::binding
