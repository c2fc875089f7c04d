// The one benchmark loop of NpuLens, shaped like TFLite's benchmark tool: parameters, a listener for progress and
// cancel, and a result with statistics (core/stats.h: one percentile definition for every figure).
//
// Phases, in this order:
//   1. first run: one run, timed on its own (it pays lazy allocations and cold caches), never in the statistics;
//   2. warm-up: `warmupRuns` runs, not timed;
//   3. timed loop: until `iterations` runs were recorded, or `maxDurationMs` of wall time went by since the loop
//      started (checked before each run: a run that started in time is kept), or a cancel.
// Then the statistics of the timed runs: latency (core/stats.h), throughput over the loop's wall time, and the
// p50 of `driftWindows` consecutive slices of the run (drift = last over first: thermal throttling shows as > 1).
//
// BenchmarkPlan is that sequence as a state machine a caller drives (Next() says which phase the next run belongs
// to, Record() takes its time), so a loop that cannot live in C++ (JS driving two engines in turn) still follows
// the same phases and limits. RunBenchmark drives a plan over a step function.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/limits.h"
#include "core/stats.h"
#include "core/status.h"

namespace npulens {

struct BenchmarkParams {
  int64_t warmupRuns = kBenchmarkWarmupDefault;      // untimed runs after the first run, ≥ 0
  int64_t iterations = kBenchmarkIterationsDefault;  // timed runs at most, ≥ 1
  double maxDurationMs = 0;                          // wall-time limit of the timed loop; 0 = none
  int64_t driftWindows = 10;                         // ≥ 1
};

// Every field in range (the ranges of core/limits.h); otherwise NPULENS_OUT_OF_RANGE at step "benchmark.params",
// naming the field.
Status CheckBenchmarkParams(const BenchmarkParams& params);

enum class BenchmarkPhase { kFirstRun, kWarmup, kTimed, kDone };
const char* BenchmarkPhaseName(BenchmarkPhase phase);  // "first-run" | "warmup" | "timed" | "done"

struct BenchmarkResult {
  double firstRunMs = 0;
  int64_t warmupRuns = 0;         // warm-up runs made (fewer than asked after a cancel)
  std::vector<double> samplesMs;  // timed runs, in run order
  double timedWallMs = 0;         // wall time of the timed loop
  LatencyStats latency;           // all zero when no timed run was made
  std::vector<double> windowP50Ms;
  double drift = 1;  // windowP50Ms last / first; 1 with fewer than two windows
  bool cancelled = false;
  bool durationLimited = false;  // the timed loop stopped at maxDurationMs
  // MLPerf Mobile's minimum for a reportable steady-state figure: kValidMinRuns timed runs covering kValidMinMs of
  // run time.
  bool valid = false;
};

constexpr int64_t kValidMinRuns = 1024;
constexpr double kValidMinMs = 60000;

// A monotonic clock in ms (tests pass a fake one).
using BenchmarkClock = std::function<double()>;
double SteadyClockMs();

class BenchmarkPlan {
 public:
  // Checks the parameters (CheckBenchmarkParams).
  static Result<std::unique_ptr<BenchmarkPlan>> Create(const BenchmarkParams& params,
                                                       BenchmarkClock clock = SteadyClockMs);

  // The phase of the next run, or kDone. Asking again before Record() gives the same answer; the duration limit is
  // checked here, so the wall time of the timed loop runs from its first Next() to the Next() that says kDone.
  BenchmarkPhase Next();
  // The time of the run Next() announced: finite and ≥ 0 (NPULENS_OUT_OF_RANGE), after a Next() that was not
  // kDone (NPULENS_INVALID_ARGUMENT otherwise). Step "benchmark.record".
  Status Record(double ms);
  // The loop ends before the next run; the result says cancelled.
  void Cancel();
  // The statistics, once Next() said kDone (NPULENS_INVALID_ARGUMENT at step "benchmark.result" before).
  Result<BenchmarkResult> Finish() const;

  const BenchmarkParams& params() const { return params_; }
  int64_t timedRuns() const { return static_cast<int64_t>(result_.samplesMs.size()); }

 private:
  BenchmarkPlan(const BenchmarkParams& params, BenchmarkClock clock);

  BenchmarkParams params_;
  BenchmarkClock clock_;
  BenchmarkPhase phase_ = BenchmarkPhase::kFirstRun;
  bool pending_ = false;  // Next() announced a run that is not recorded yet
  double timedStartMs_ = 0;
  BenchmarkResult result_;
};

struct BenchmarkProgress {
  BenchmarkPhase phase = BenchmarkPhase::kFirstRun;
  int64_t done = 0;   // runs of this phase made so far
  int64_t total = 0;  // runs this phase makes at most
  double lastMs = 0;
};

// TFLite's BenchmarkListener: told about the start, each run and the end; asked before each run whether to stop.
class BenchmarkListener {
 public:
  virtual ~BenchmarkListener() = default;
  virtual void OnStart(const BenchmarkParams& /*params*/) {}
  virtual void OnRun(const BenchmarkProgress& /*progress*/) {}
  virtual bool ShouldStop() { return false; }
  virtual void OnEnd(const BenchmarkResult& /*result*/) {}
};

// One run; returns its time in ms (the step decides what is timed, e.g. only the inference) or the run's error.
using BenchmarkStep = std::function<Result<double>()>;

// Drives a plan over `step`. A failing run ends the benchmark with the run's error (OnEnd is not called); a stop
// asked by the listener ends it with what was measured, cancelled. `listener` may be null.
Result<BenchmarkResult> RunBenchmark(const BenchmarkParams& params, const BenchmarkStep& step,
                                     BenchmarkListener* listener, BenchmarkClock clock = SteadyClockMs);

}  // namespace npulens
