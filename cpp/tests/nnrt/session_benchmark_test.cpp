// The benchmark runner over an InferenceSession on the recording fake NNRt: one RunSync per run, the grey input,
// the duration limit and cancel on a fake clock, a failing run, bad parameters, a released session.
#include "nnrt/session_benchmark.h"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_nnrt.h"

namespace npulens {
namespace {

SessionConfig Config() { return fake_nnrt::MatchingConfig(); }

// Advances a fake clock by `stepMs` after each run and calls `onRun` (e.g. to make the next RunSync fail).
struct ClockListener : BenchmarkListener {
  double nowMs = 0;
  double stepMs = 0;
  int64_t stopAtTimed = -1;
  int64_t timed = 0;
  std::function<void(const BenchmarkProgress&)> onRun;

  BenchmarkClock Clock() {
    return [this] { return nowMs; };
  }
  void OnRun(const BenchmarkProgress& p) override {
    nowMs += stepMs;
    if (p.phase == BenchmarkPhase::kTimed) timed = p.done;
    if (onRun) onRun(p);
  }
  bool ShouldStop() override { return stopAtTimed >= 0 && timed >= stopAtTimed; }
};

class SessionBenchmarkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_nnrt::Reset();
    auto r = InferenceSession::Load(std::vector<uint8_t>(64, 0x5a), Config());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    session_ = std::move(r.value());
  }
  void TearDown() override {
    session_.reset();
    EXPECT_TRUE(fake_nnrt::Violations().empty()) << fake_nnrt::Violations().front();
    EXPECT_EQ(fake_nnrt::LiveHandles(), 0) << "leaked NNRt handles";
  }
  std::unique_ptr<InferenceSession> session_;
};

TEST_F(SessionBenchmarkTest, OneRunSyncPerRunOverTheGreyInput) {
  BenchmarkParams params;
  params.warmupRuns = 2;
  params.iterations = 5;
  ClockListener listener;
  listener.stepMs = 1;
  Result<BenchmarkResult> r =
      BenchmarkSession(*session_, Config().input, params, IoMode::kZeroCopy, &listener, listener.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 1 + 2 + 5);
  EXPECT_EQ(r->warmupRuns, 2);
  EXPECT_EQ(r->samplesMs.size(), 5u);
  EXPECT_EQ(r->latency.count, 5u);
  EXPECT_DOUBLE_EQ(r->timedWallMs, 5);  // the fake clock: 1 ms per run
  EXPECT_DOUBLE_EQ(r->latency.throughputPerSec, 1000);
  // Mid-grey through the model's normalisation: (128 − 100) / 50 in every element of the float input.
  const std::vector<uint8_t>& in = fake_nnrt::LastRunInput();
  ASSERT_EQ(in.size(), 3u * 4 * 4 * sizeof(float));
  for (size_t i = 0; i < in.size() / sizeof(float); ++i) {
    float v = 0;
    std::memcpy(&v, in.data() + i * sizeof(float), sizeof v);
    ASSERT_FLOAT_EQ(v, 0.56f) << "element " << i;
  }
}

TEST_F(SessionBenchmarkTest, CopyModeRunsTheSameLoop) {
  BenchmarkParams params;
  params.warmupRuns = 0;
  params.iterations = 3;
  Result<BenchmarkResult> r = BenchmarkSession(*session_, Config().input, params, IoMode::kCopy, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 1 + 3);
  EXPECT_EQ(r->samplesMs.size(), 3u);
}

TEST_F(SessionBenchmarkTest, DurationLimitAndCancelStopTheRunSyncs) {
  BenchmarkParams params;
  params.warmupRuns = 1;
  params.iterations = 1000;
  params.maxDurationMs = 25;
  ClockListener listener;
  listener.stepMs = 10;
  Result<BenchmarkResult> r =
      BenchmarkSession(*session_, Config().input, params, IoMode::kZeroCopy, &listener, listener.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->durationLimited);
  EXPECT_EQ(r->samplesMs.size(), 3u);
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 1 + 1 + 3);

  params.maxDurationMs = 0;
  ClockListener stopper;
  stopper.stopAtTimed = 4;
  r = BenchmarkSession(*session_, Config().input, params, IoMode::kZeroCopy, &stopper, stopper.Clock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->samplesMs.size(), 4u);
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 5 + 1 + 1 + 4);
}

TEST_F(SessionBenchmarkTest, AFailingRunSyncEndsTheBenchmarkWithItsStepAndCode) {
  ClockListener listener;
  listener.onRun = [](const BenchmarkProgress& p) {
    if (p.phase == BenchmarkPhase::kWarmup && p.done == 2)
      fake_nnrt::Fail("OH_NNExecutor_RunSync", OH_NN_FAILED, "npu crashed", 1);
  };
  Result<BenchmarkResult> r =
      BenchmarkSession(*session_, Config().input, BenchmarkParams{}, IoMode::kZeroCopy, &listener, listener.Clock());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "run.sync: OH_NN_FAILED (1): OH_NNExecutor_RunSync on HIAI_F: npu crashed");
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 1 + 3);
}

TEST_F(SessionBenchmarkTest, BadCallParametersAreRefusedBeforeAnyRun) {
  SCOPED_TRACE("BAD CALL - iterations 0");
  BenchmarkParams params;
  params.iterations = 0;
  Result<BenchmarkResult> r = BenchmarkSession(*session_, Config().input, params, IoMode::kZeroCopy, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "benchmark.params: NPULENS_OUT_OF_RANGE (1001): iterations must be in [1, 1000000] (got 0)");
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 0);
}

TEST_F(SessionBenchmarkTest, BadCallAReleasedSessionIsAnError) {
  SCOPED_TRACE("BAD CALL - benchmark after Release()");
  session_->Release();
  Result<BenchmarkResult> r =
      BenchmarkSession(*session_, Config().input, BenchmarkParams{}, IoMode::kZeroCopy, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code::kReleased);
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 0);
}

}  // namespace
}  // namespace npulens
