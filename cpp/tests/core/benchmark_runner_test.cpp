#include "core/benchmark_runner.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace npulens {
namespace {

// A fake clock the step advances: each run "takes" the next of `runMs` (then the last one again).
struct FakeRuns {
  double nowMs = 1000;
  std::vector<double> runMs;
  size_t made = 0;

  BenchmarkClock Clock() {
    return [this] { return nowMs; };
  }
  BenchmarkStep Step() {
    return [this]() -> Result<double> {
      const double ms = runMs[std::min(made, runMs.size() - 1)];
      ++made;
      nowMs += ms;
      return ms;
    };
  }
};

struct RecordingListener : BenchmarkListener {
  std::vector<std::string> events;
  int64_t stopAfterTimed = -1;  // ShouldStop() once this many timed runs were reported
  int64_t timedSeen = 0;

  void OnStart(const BenchmarkParams& params) override {
    events.push_back("start " + std::to_string(params.iterations));
  }
  void OnRun(const BenchmarkProgress& p) override {
    events.push_back(std::string(BenchmarkPhaseName(p.phase)) + " " + std::to_string(p.done) + "/" +
                     std::to_string(p.total));
    if (p.phase == BenchmarkPhase::kTimed) timedSeen = p.done;
  }
  bool ShouldStop() override { return stopAfterTimed >= 0 && timedSeen >= stopAfterTimed; }
  void OnEnd(const BenchmarkResult& r) override { events.push_back("end " + std::to_string(r.samplesMs.size())); }
};

TEST(BenchmarkRunnerTest, FirstRunThenWarmupThenTimedLoopInThatOrder) {
  FakeRuns runs;
  runs.runMs = {50, 9, 9, 1, 2, 3, 4};  // first run, 2 warm-up runs, 4 timed runs
  RecordingListener listener;
  BenchmarkParams params;
  params.warmupRuns = 2;
  params.iterations = 4;
  params.driftWindows = 2;
  Result<BenchmarkResult> r = RunBenchmark(params, runs.Step(), &listener, runs.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(runs.made, 7u);
  EXPECT_DOUBLE_EQ(r->firstRunMs, 50);
  EXPECT_EQ(r->warmupRuns, 2);
  EXPECT_EQ(r->samplesMs, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(r->timedWallMs, 10);
  EXPECT_EQ(r->latency.count, 4u);
  EXPECT_DOUBLE_EQ(r->latency.p50Ms, 2.5);  // R-7, not the upper median (3)
  EXPECT_DOUBLE_EQ(r->latency.throughputPerSec, 4 / 0.010);
  EXPECT_EQ(r->windowP50Ms, (std::vector<double>{1.5, 3.5}));
  EXPECT_DOUBLE_EQ(r->drift, 3.5 / 1.5);
  EXPECT_FALSE(r->cancelled);
  EXPECT_FALSE(r->durationLimited);
  EXPECT_FALSE(r->valid);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"start 4", "first-run 1/1", "warmup 1/2", "warmup 2/2",
                                                       "timed 1/4", "timed 2/4", "timed 3/4", "timed 4/4", "end 4"}));
}

TEST(BenchmarkRunnerTest, ValidNeeds1024RunsAndAMinuteOfRunTime) {
  FakeRuns runs;
  runs.runMs = {60};  // 1024 runs of 60 ms: 61.4 s
  BenchmarkParams params;
  params.warmupRuns = 0;
  params.iterations = kValidMinRuns;
  Result<BenchmarkResult> r = RunBenchmark(params, runs.Step(), nullptr, runs.Clock());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->valid);
  params.iterations = kValidMinRuns - 1;
  r = RunBenchmark(params, runs.Step(), nullptr, runs.Clock());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->valid) << "1023 runs";
  runs.runMs = {50};  // 1024 runs of 50 ms: 51.2 s
  params.iterations = kValidMinRuns;
  r = RunBenchmark(params, runs.Step(), nullptr, runs.Clock());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->valid) << "less than a minute";
}

TEST(BenchmarkRunnerTest, DurationLimitStopsBeforeTheNextRunAndKeepsTheOneStartedInTime) {
  FakeRuns runs;
  runs.runMs = {5, 10};  // every timed run takes 10 ms
  BenchmarkParams params;
  params.warmupRuns = 0;
  params.iterations = 100;
  params.maxDurationMs = 25;
  Result<BenchmarkResult> r = RunBenchmark(params, runs.Step(), nullptr, runs.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Runs start at 0, 10 and 20 ms (< 25); at 30 ms the loop stops.
  EXPECT_EQ(r->samplesMs.size(), 3u);
  EXPECT_TRUE(r->durationLimited);
  EXPECT_DOUBLE_EQ(r->timedWallMs, 30);
  EXPECT_DOUBLE_EQ(r->latency.throughputPerSec, 100);
}

TEST(BenchmarkRunnerTest, ListenerStopEndsTheLoopWithWhatWasMeasured) {
  FakeRuns runs;
  runs.runMs = {1};
  RecordingListener listener;
  listener.stopAfterTimed = 3;
  BenchmarkParams params;
  params.warmupRuns = 1;
  params.iterations = 10;
  Result<BenchmarkResult> r = RunBenchmark(params, runs.Step(), &listener, runs.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->samplesMs.size(), 3u);
  EXPECT_EQ(runs.made, 5u);  // first run, one warm-up run, 3 timed runs: nothing after the stop
  EXPECT_EQ(listener.events.back(), "end 3");
}

TEST(BenchmarkRunnerTest, StopDuringWarmupGivesNoTimedRuns) {
  FakeRuns runs;
  runs.runMs = {1};
  struct StopNow : BenchmarkListener {
    int asked = 0;
    bool ShouldStop() override { return ++asked > 2; }  // after the first run and one warm-up run
  } listener;
  BenchmarkParams params;
  params.warmupRuns = 5;
  Result<BenchmarkResult> r = RunBenchmark(params, runs.Step(), &listener, runs.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->warmupRuns, 1);
  EXPECT_TRUE(r->samplesMs.empty());
  EXPECT_EQ(r->latency.count, 0u);
  EXPECT_DOUBLE_EQ(r->drift, 1);
}

TEST(BenchmarkRunnerTest, AFailingRunEndsTheBenchmarkWithItsError) {
  int made = 0;
  BenchmarkStep step = [&made]() -> Result<double> {
    if (++made == 4) return Status("run.sync", code::kNnFailed, "device lost");
    return 1.0;
  };
  RecordingListener listener;
  Result<BenchmarkResult> r = RunBenchmark(BenchmarkParams{}, step, &listener);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "run.sync");
  EXPECT_EQ(r.status().code(), code::kNnFailed);
  EXPECT_EQ(made, 4);
  EXPECT_NE(listener.events.back().rfind("end", 0), 0u);  // no OnEnd after a failure
}

TEST(BenchmarkRunnerTest, PlanDrivenByHandFollowsTheSamePhases) {
  FakeRuns runs;
  BenchmarkParams params;
  params.warmupRuns = 1;
  params.iterations = 2;
  Result<std::unique_ptr<BenchmarkPlan>> created = BenchmarkPlan::Create(params, runs.Clock());
  ASSERT_TRUE(created.ok());
  BenchmarkPlan& plan = *created.value();
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kFirstRun);
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kFirstRun);  // asking again announces the same run
  ASSERT_TRUE(plan.Record(7).ok());
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kWarmup);
  ASSERT_TRUE(plan.Record(3).ok());
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kTimed);
  ASSERT_TRUE(plan.Record(2).ok());
  EXPECT_EQ(plan.Finish().status().step(), "benchmark.result");  // not done yet
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kTimed);
  ASSERT_TRUE(plan.Record(4).ok());
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kDone);
  Result<BenchmarkResult> r = plan.Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->firstRunMs, 7);
  EXPECT_DOUBLE_EQ(r->latency.p50Ms, 3);
}

TEST(BenchmarkRunnerTest, BadCallRecordWithoutNextOrWithABadTime) {
  SCOPED_TRACE("BAD CALL - record() without next(), after the end, or with a time < 0 or NaN");
  FakeRuns runs;
  BenchmarkParams params;
  params.warmupRuns = 0;
  params.iterations = 1;
  Result<std::unique_ptr<BenchmarkPlan>> created = BenchmarkPlan::Create(params, runs.Clock());
  ASSERT_TRUE(created.ok());
  BenchmarkPlan& plan = *created.value();
  Status st = plan.Record(1);
  EXPECT_EQ(st.code(), code::kInvalidArgument);
  EXPECT_EQ(st.step(), "benchmark.record");
  EXPECT_NE(st.message().find("no run announced"), std::string::npos) << st.message();
  plan.Next();
  EXPECT_EQ(plan.Record(-1).code(), code::kOutOfRange);
  EXPECT_EQ(plan.Record(std::numeric_limits<double>::quiet_NaN()).code(), code::kOutOfRange);
  EXPECT_TRUE(plan.Record(1).ok());  // the refused times did not consume the announced run
  plan.Next();
  ASSERT_TRUE(plan.Record(1).ok());
  EXPECT_EQ(plan.Next(), BenchmarkPhase::kDone);
  st = plan.Record(1);
  EXPECT_EQ(st.code(), code::kInvalidArgument);
  EXPECT_NE(st.message().find("done"), std::string::npos) << st.message();
}

TEST(BenchmarkRunnerTest, BadCallParametersOutOfRangeNameTheField) {
  SCOPED_TRACE("BAD CALL - parameters out of range");
  const auto refused = [](BenchmarkParams p, const std::string& field) {
    Result<BenchmarkResult> r = RunBenchmark(
        p, [] { return Result<double>(1.0); }, nullptr);
    EXPECT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.status().code(), code::kOutOfRange) << field;
    EXPECT_EQ(r.status().step(), "benchmark.params") << field;
    EXPECT_EQ(r.status().message().rfind(field + " must be in", 0), 0u) << r.status().message();
  };
  BenchmarkParams p;
  p.iterations = 0;
  refused(p, "iterations");
  p = BenchmarkParams{};
  p.iterations = kBenchmarkIterationsMax + 1;
  refused(p, "iterations");
  p = BenchmarkParams{};
  p.warmupRuns = -1;
  refused(p, "warmupRuns");
  p = BenchmarkParams{};
  p.maxDurationMs = -1;
  refused(p, "maxDurationMs");
  p.maxDurationMs = std::numeric_limits<double>::quiet_NaN();
  refused(p, "maxDurationMs");
  p = BenchmarkParams{};
  p.driftWindows = 0;
  refused(p, "driftWindows");
}

TEST(BenchmarkRunnerTest, BadCallNoStepFunction) {
  SCOPED_TRACE("BAD CALL - no step function");
  Result<BenchmarkResult> r = RunBenchmark(BenchmarkParams{}, BenchmarkStep(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "no step function");
}

TEST(BenchmarkRunnerTest, BadCallAStepReturningABadTimeIsAnError) {
  SCOPED_TRACE("BAD CALL - a step returning NaN");
  Result<BenchmarkResult> r = RunBenchmark(
      BenchmarkParams{}, [] { return Result<double>(std::nan("")); }, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "benchmark.record");
  EXPECT_EQ(r.status().code(), code::kOutOfRange);
}

}  // namespace
}  // namespace npulens
