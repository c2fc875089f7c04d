// The benchmark runner over an InferenceSession on the recording fake NNRt: one RunSync per run, the grey input,
// the duration limit and cancel on a fake clock, a failing run, bad parameters, a released session; and the source
// benchmark (BenchmarkSource): one Classify / ClassifyFd per run of the synthetic frame on each path, each stage's
// median, the CPU's bytes before inference, the non-inference share, bad sources and formats the target refuses.
#include "nnrt/session_benchmark.h"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/yuv.h"
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

// ---- BenchmarkSource -----------------------------------------------------------------------------------------------

// The fake's default model is 4x4 float (192 input bytes); its AIPP twin is 128x128 (AIPP resizes to 16..448, by at
// most 16x per axis: a 1920x1080 frame needs a model side of at least 120).
SessionConfig AippTarget() {
  SessionConfig c = fake_nnrt::MatchingConfig();
  c.input.width = c.input.height = 128;
  c.aipp.mode = AippMode::kDynamic;
  c.aipp.maxSrcImageSize = 1920 * 1080 * 3 / 2;
  c.aipp.formats = {"NV21", "RGBA"};
  return c;
}

class SourceBenchmarkTest : public ::testing::Test {
 protected:
  void SetUp() override { fake_nnrt::Reset(); }
  void TearDown() override {
    EXPECT_TRUE(fake_nnrt::Violations().empty()) << fake_nnrt::Violations().front();
    EXPECT_EQ(fake_nnrt::LiveHandles(), 0) << "leaked NNRt handles";
  }
  static std::unique_ptr<InferenceSession> Load(const SessionConfig& c) {
    if (c.input.width == 128)
      fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 128, 128}, OH_NN_FORMAT_NCHW}},
                          {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
    auto r = InferenceSession::Load(std::vector<uint8_t>(64, 0x5a), c);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  static BenchmarkParams Params() {
    BenchmarkParams p;
    p.warmupRuns = 1;
    p.iterations = 5;
    return p;
  }
};

// The end-to-end sample is the session's totalMs, and the stage medians are over the timed runs only.
void ExpectConsistent(const SourceBenchmarkResult& r) {
  EXPECT_EQ(r.run.samplesMs.size(), 5u);
  EXPECT_DOUBLE_EQ(r.p50.totalMs, r.run.latency.p50Ms);
  EXPECT_GT(r.p50.totalMs, 0);
  EXPECT_GE(r.p50.totalMs, r.p50.inferenceMs);
  EXPECT_GT(r.nonInferenceFraction, 0);
  EXPECT_LT(r.nonInferenceFraction, 1);
}

TEST_F(SourceBenchmarkTest, CpuPathsPreprocessTheSourceEveryRunAndCountWhatTheCpuTouched) {
  SessionConfig c = fake_nnrt::MatchingConfig();
  auto session = Load(c);
  const SourceFrameSpec rgba{64, 48, PixelFormat::kRGBA8};
  const size_t frameBytes = 64 * 48 * 4, inBytes = 3 * 4 * 4 * sizeof(float);
  for (IoMode mode : {IoMode::kCopy, IoMode::kZeroCopy}) {
    const int before = fake_nnrt::CountOf("OH_NNExecutor_RunSync(");
    Result<SourceBenchmarkResult> r = BenchmarkSource(*session, rgba, FrameStore::kMemory, Params(), mode, nullptr);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync(") - before, 1 + 1 + 5);
    ExpectConsistent(r.value());
    EXPECT_EQ(r->sourceBytes, frameBytes);
    EXPECT_GT(r->p50.preprocessMs, 0);
    EXPECT_EQ(r->p50.frameCopyMs, 0);
    if (mode == IoMode::kCopy) {
      EXPECT_EQ(r->path, "cpu+copy");
      EXPECT_EQ(r->cpuBytesIn, frameBytes + inBytes + 2 * inBytes);  // pre-processing, then the memcpy (read + write)
      EXPECT_GT(r->p50.copyInMs, 0);
    } else {
      EXPECT_EQ(r->path, "cpu+zero-copy");
      EXPECT_EQ(r->cpuBytesIn, frameBytes + inBytes);  // pre-processing only
      EXPECT_EQ(r->p50.copyInMs, 0);
      EXPECT_EQ(r->p50.copyOutMs, 0);
    }
  }
  // The model saw the synthetic frame, pre-processed: the same bytes Classify gives for it.
  const std::vector<uint8_t> seen = fake_nnrt::LastRunInput();
  Result<std::vector<uint8_t>> frame = MakeSourceFrame(rgba);
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(session->Classify({frame->data(), frame->size(), 64, 48, 64 * 4, PixelFormat::kRGBA8}, 1).ok());
  EXPECT_EQ(seen, fake_nnrt::LastRunInput());
}

TEST_F(SourceBenchmarkTest, AippPathCopiesTheFrameIntoTheAippTensorAndTheFdPathWrapsIt) {
  auto session = Load(AippTarget());
  const SourceFrameSpec nv21{1920, 1080, PixelFormat::kNV21};
  const size_t frameBytes = 1920 * 1080 * 3 / 2;
  Result<SourceBenchmarkResult> r =
      BenchmarkSource(*session, nv21, FrameStore::kMemory, Params(), IoMode::kZeroCopy, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectConsistent(r.value());
  EXPECT_EQ(r->path, "aipp+copy");
  EXPECT_EQ(r->cpuBytesIn, 2 * frameBytes);  // the copy into the AIPP tensor, read and written; no pre-processing
  EXPECT_EQ(r->p50.preprocessMs, 0);
  EXPECT_GT(r->p50.frameCopyMs, 0);
  Result<std::vector<uint8_t>> frame = MakeSourceFrame(nv21);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), frame.value());           // the AIPP input is the synthetic frame as it is
  EXPECT_EQ(fake_nnrt::CountOf("HMS_HiAIAippParam_Create"), 1);  // one source: params made once

  const size_t wrapsBefore = fake_nnrt::WrappedFds().size();
  r = BenchmarkSource(*session, nv21, FrameStore::kFd, Params(), IoMode::kZeroCopy, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectConsistent(r.value());
  EXPECT_EQ(r->path, "aipp+fd");
  EXPECT_EQ(r->cpuBytesIn, 0u);  // the memfd is wrapped: the CPU touches no byte of the frame
  EXPECT_EQ(r->p50.frameCopyMs, 0);
  EXPECT_EQ(fake_nnrt::WrappedFds().size() - wrapsBefore, 1u + 1 + 5);  // one CreateWithFd of the frame per run
  EXPECT_EQ(fake_nnrt::LastRunInput(), frame.value());
}

TEST_F(SourceBenchmarkTest, CpuPathReadsAnFdFrameOnce) {
  auto session = Load(fake_nnrt::MatchingConfig());
  const SourceFrameSpec nv21{64, 48, PixelFormat::kNV21};
  const size_t frameBytes = 64 * 48 * 3 / 2, inBytes = 3 * 4 * 4 * sizeof(float);
  const size_t wrapsBefore = fake_nnrt::WrappedFds().size();  // the fd-backed outputs, made at load
  Result<SourceBenchmarkResult> r =
      BenchmarkSource(*session, nv21, FrameStore::kFd, Params(), IoMode::kZeroCopy, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, "cpu+fd+zero-copy");
  EXPECT_EQ(r->cpuBytesIn, 2 * frameBytes + frameBytes + inBytes);  // pread (read + write), then pre-processing
  EXPECT_EQ(fake_nnrt::WrappedFds().size(), wrapsBefore);           // the frame is never wrapped on the CPU path
}

TEST_F(SourceBenchmarkTest, TheSyntheticYuvFrameIsCoreEncodingOfTheRgbaPicture) {
  for (PixelFormat yuv : {PixelFormat::kNV21, PixelFormat::kNV12}) {
    Result<std::vector<uint8_t>> frame = MakeSourceFrame({40, 30, yuv});
    Result<std::vector<uint8_t>> rgba = MakeSourceFrame({40, 30, PixelFormat::kRGBA8});
    ASSERT_TRUE(frame.ok() && rgba.ok());
    Result<std::vector<uint8_t>> encoded =
        EncodeYuv420sp({rgba->data(), rgba->size(), 40, 30, 40 * 4, PixelFormat::kRGBA8}, yuv, 40);
    ASSERT_TRUE(encoded.ok());
    EXPECT_EQ(frame.value(), encoded.value());
  }
  // BGRA is the RGBA picture with R and B exchanged; the picture is not flat.
  Result<std::vector<uint8_t>> rgba = MakeSourceFrame({40, 30, PixelFormat::kRGBA8});
  Result<std::vector<uint8_t>> bgra = MakeSourceFrame({40, 30, PixelFormat::kBGRA8});
  ASSERT_TRUE(rgba.ok() && bgra.ok());
  for (size_t i = 0; i < rgba->size(); i += 4) {
    ASSERT_EQ((*rgba)[i], (*bgra)[i + 2]) << i;
    ASSERT_EQ((*rgba)[i + 1], (*bgra)[i + 1]) << i;
  }
  EXPECT_NE((*rgba)[0], (*rgba)[39 * 4]);
}

TEST_F(SourceBenchmarkTest, BadCallSourcesAndFormatsAreRefusedBeforeAnyRun) {
  auto session = Load(AippTarget());
  const auto refused = [&](const SourceFrameSpec& spec, const std::string& message) {
    Result<SourceBenchmarkResult> r =
        BenchmarkSource(*session, spec, FrameStore::kMemory, Params(), IoMode::kZeroCopy, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().ToString(), message);
  };
  {
    SCOPED_TRACE("BAD CALL - odd NV21 width");
    refused({1919, 1080, PixelFormat::kNV21},
            "benchmark.source: NPULENS_OUT_OF_RANGE (1001): a NV21 source needs an even width (got 1919)");
  }
  {
    SCOPED_TRACE("BAD CALL - height 0");
    refused({16, 0, PixelFormat::kRGBA8},
            "benchmark.source: NPULENS_OUT_OF_RANGE (1001): source height must be in [1, 16384] (got 0)");
  }
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 0);
  {
    SCOPED_TRACE("BAD CALL - a format the AIPP target does not list");
    Result<SourceBenchmarkResult> r = BenchmarkSource(*session, {64, 48, PixelFormat::kNV12}, FrameStore::kMemory,
                                                      Params(), IoMode::kZeroCopy, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().step(), "aipp.config");
    EXPECT_EQ(r.status().code(), code::kUnsupported);
    EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 0);
  }
  {
    SCOPED_TRACE("BAD CALL - a source over maxSrcImageSize");
    Result<SourceBenchmarkResult> r = BenchmarkSource(*session, {1920, 1080, PixelFormat::kRGBA8}, FrameStore::kMemory,
                                                      Params(), IoMode::kZeroCopy, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().step(), "aipp.config");
    EXPECT_EQ(r.status().code(), code::kOutOfRange);
    EXPECT_NE(r.status().ToString().find("3110400"), std::string::npos) << r.status().ToString();
  }
  {
    SCOPED_TRACE("BAD CALL - iterations 0");
    BenchmarkParams p;
    p.iterations = 0;
    Result<SourceBenchmarkResult> r =
        BenchmarkSource(*session, {64, 48, PixelFormat::kNV21}, FrameStore::kMemory, p, IoMode::kZeroCopy, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().ToString(),
              "benchmark.params: NPULENS_OUT_OF_RANGE (1001): iterations must be in [1, 1000000] (got 0)");
  }
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 0);
}

}  // namespace
}  // namespace npulens
