#include "core/benchmark_runner.h"

#include <chrono>
#include <cmath>
#include <string>
#include <utility>

namespace npulens {

namespace {

constexpr char kParamsStep[] = "benchmark.params";

Status OutOfRange(const char* step, const std::string& message) { return Status(step, code::kOutOfRange, message); }

}  // namespace

Status CheckBenchmarkParams(const BenchmarkParams& p) {
  if (p.iterations < 1 || p.iterations > kBenchmarkIterationsMax) {
    return OutOfRange(kParamsStep, "iterations must be in [1, " + std::to_string(kBenchmarkIterationsMax) + "] (got " +
                                       std::to_string(p.iterations) + ")");
  }
  if (p.warmupRuns < 0 || p.warmupRuns > kBenchmarkWarmupMax) {
    return OutOfRange(kParamsStep, "warmupRuns must be in [0, " + std::to_string(kBenchmarkWarmupMax) + "] (got " +
                                       std::to_string(p.warmupRuns) + ")");
  }
  // NaN fails both comparisons: written so that it is refused.
  if (!(p.maxDurationMs >= 0 && p.maxDurationMs <= kBenchmarkDurationMaxMs)) {
    return OutOfRange(kParamsStep, "maxDurationMs must be in [0, " + std::to_string(kBenchmarkDurationMaxMs) +
                                       "] (got " + std::to_string(p.maxDurationMs) + ")");
  }
  if (p.driftWindows < 1 || p.driftWindows > kBenchmarkIterationsMax) {
    return OutOfRange(kParamsStep, "driftWindows must be in [1, " + std::to_string(kBenchmarkIterationsMax) +
                                       "] (got " + std::to_string(p.driftWindows) + ")");
  }
  return Status::Ok();
}

const char* BenchmarkPhaseName(BenchmarkPhase phase) {
  switch (phase) {
    case BenchmarkPhase::kFirstRun: return "first-run";
    case BenchmarkPhase::kWarmup: return "warmup";
    case BenchmarkPhase::kTimed: return "timed";
    case BenchmarkPhase::kDone: return "done";
  }
  return "unknown";
}

double SteadyClockMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

BenchmarkPlan::BenchmarkPlan(const BenchmarkParams& params, BenchmarkClock clock)
    : params_(params), clock_(std::move(clock)) {}

Result<std::unique_ptr<BenchmarkPlan>> BenchmarkPlan::Create(const BenchmarkParams& params, BenchmarkClock clock) {
  Status st = CheckBenchmarkParams(params);
  if (!st.ok()) return st;
  if (!clock) return Status(kParamsStep, code::kInvalidArgument, "no clock");
  std::unique_ptr<BenchmarkPlan> plan(new BenchmarkPlan(params, std::move(clock)));
  plan->result_.samplesMs.reserve(static_cast<size_t>(params.iterations));
  return plan;
}

BenchmarkPhase BenchmarkPlan::Next() {
  if (pending_ || phase_ == BenchmarkPhase::kDone) return phase_;
  if (phase_ == BenchmarkPhase::kWarmup && result_.warmupRuns >= params_.warmupRuns) {
    phase_ = BenchmarkPhase::kTimed;
    timedStartMs_ = clock_();
  }
  if (phase_ == BenchmarkPhase::kTimed) {
    const double elapsedMs = clock_() - timedStartMs_;
    if (timedRuns() >= params_.iterations) {
      phase_ = BenchmarkPhase::kDone;
    } else if (params_.maxDurationMs > 0 && elapsedMs >= params_.maxDurationMs) {
      result_.durationLimited = true;
      phase_ = BenchmarkPhase::kDone;
    }
    if (phase_ == BenchmarkPhase::kDone) result_.timedWallMs = elapsedMs;
  }
  pending_ = phase_ != BenchmarkPhase::kDone;
  return phase_;
}

Status BenchmarkPlan::Record(double ms) {
  if (!pending_) {
    return Status("benchmark.record", code::kInvalidArgument,
                  phase_ == BenchmarkPhase::kDone ? "the benchmark is done" : "no run announced by next()");
  }
  if (!std::isfinite(ms) || ms < 0) {
    return OutOfRange("benchmark.record", "a run's time must be a finite value ≥ 0 (got " + std::to_string(ms) + ")");
  }
  pending_ = false;
  switch (phase_) {
    case BenchmarkPhase::kFirstRun:
      result_.firstRunMs = ms;
      phase_ = BenchmarkPhase::kWarmup;
      break;
    case BenchmarkPhase::kWarmup: ++result_.warmupRuns; break;
    case BenchmarkPhase::kTimed: result_.samplesMs.push_back(ms); break;
    case BenchmarkPhase::kDone: break;
  }
  return Status::Ok();
}

void BenchmarkPlan::Cancel() {
  if (phase_ == BenchmarkPhase::kDone) return;
  result_.cancelled = true;
  if (phase_ == BenchmarkPhase::kTimed) result_.timedWallMs = clock_() - timedStartMs_;
  phase_ = BenchmarkPhase::kDone;
  pending_ = false;
}

Result<BenchmarkResult> BenchmarkPlan::Finish() const {
  if (phase_ != BenchmarkPhase::kDone) {
    return Status("benchmark.result", code::kInvalidArgument,
                  std::string("the benchmark is not done (next run: ") + BenchmarkPhaseName(phase_) + ")");
  }
  BenchmarkResult r = result_;
  if (r.samplesMs.empty()) return r;
  Result<LatencyStats> stats = ComputeLatencyStats(r.samplesMs, r.timedWallMs / 1000.0);
  if (!stats.ok()) return stats.status();
  r.latency = stats.value();
  Result<std::vector<double>> windows = WindowMedians(r.samplesMs, params_.driftWindows);
  if (!windows.ok()) return windows.status();
  r.windowP50Ms = std::move(windows.value());
  r.drift = DriftRatio(r.windowP50Ms);
  r.valid =
      static_cast<int64_t>(r.samplesMs.size()) >= kValidMinRuns && r.latency.meanMs * r.latency.count >= kValidMinMs;
  return r;
}

Result<BenchmarkResult> RunBenchmark(const BenchmarkParams& params, const BenchmarkStep& step,
                                     BenchmarkListener* listener, BenchmarkClock clock) {
  Result<std::unique_ptr<BenchmarkPlan>> created = BenchmarkPlan::Create(params, std::move(clock));
  if (!created.ok()) return created.status();
  if (!step) return Status(kParamsStep, code::kInvalidArgument, "no step function");
  BenchmarkPlan& plan = *created.value();
  if (listener != nullptr) listener->OnStart(params);
  BenchmarkProgress progress;
  for (;;) {
    if (listener != nullptr && listener->ShouldStop()) plan.Cancel();
    const BenchmarkPhase phase = plan.Next();
    if (phase == BenchmarkPhase::kDone) break;
    Result<double> ms = step();
    if (!ms.ok()) return ms.status();
    Status st = plan.Record(ms.value());
    if (!st.ok()) return st;
    if (listener == nullptr) continue;
    if (phase != progress.phase) progress = BenchmarkProgress{phase, 0, 0, 0};
    progress.done += 1;
    progress.total = phase == BenchmarkPhase::kFirstRun ? 1
                     : phase == BenchmarkPhase::kWarmup ? params.warmupRuns
                                                        : params.iterations;
    progress.lastMs = ms.value();
    listener->OnRun(progress);
  }
  Result<BenchmarkResult> result = plan.Finish();
  if (result.ok() && listener != nullptr) listener->OnEnd(result.value());
  return result;
}

}  // namespace npulens
