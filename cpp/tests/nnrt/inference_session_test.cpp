// InferenceSession over the recording fake NNRt: call order, option handling, ownership and teardown order,
// zero-copy / copy / fd inputs, errors (step + code name + runtime detail), release.
#include "nnrt/inference_session.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "fake_nnrt.h"

namespace npulens {
namespace {

using fake_nnrt::IndexOf;

SessionConfig Config() { return fake_nnrt::MatchingConfig(); }

std::vector<uint8_t> Model() { return std::vector<uint8_t>(64, 0x5a); }

std::vector<uint8_t> FloatBytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

struct Image {
  std::vector<uint8_t> pixels;
  ImageView view;
  explicit Image(int w = 6, int h = 5) : pixels(static_cast<size_t>(w) * h * 4) {
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 + 11);
    view = {pixels.data(), pixels.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
  }
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_nnrt::Reset();
    fake_nnrt::SetDevices({{3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR},
                           {7, "HIAI_F", OH_NN_ACCELERATOR},
                           {9, "cpu", OH_NN_CPU}});
    fake_nnrt::SetOutputBytes(FloatBytes({0.5f, 1.0f, 4.0f, 2.0f, 4.0f}));
  }
  void TearDown() override {
    EXPECT_TRUE(fake_nnrt::Violations().empty()) << fake_nnrt::Violations().front();
    EXPECT_EQ(fake_nnrt::LiveHandles(), 0) << "leaked NNRt handles";
  }
  std::unique_ptr<InferenceSession> LoadOk(SessionConfig c = Config()) {
    auto r = InferenceSession::Load(Model(), std::move(c));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }
};

TEST_F(SessionTest, LoadFollowsTheNnrtFlowInOrder) {
  SessionConfig c = Config();
  c.options.tuningMode = TuningMode::kHeter;
  c.options.tuningCacheDir = "/data/storage/el2/base/files";
  c.options.bandMode = BandMode::kNormal;
  c.options.performanceMode = PerformanceMode::kHigh;
  c.options.priority = Priority::kMedium;
  c.options.enableFloat16 = true;
  c.options.cacheDir = "/tmp/cache";
  c.options.cacheVersion = 3;
  auto s = LoadOk(c);
  ASSERT_TRUE(s);

  const int enumerate = IndexOf("OH_NNDevice_GetAllDevicesID");
  const int compat = IndexOf("HMS_HiAICompatibility_CheckFromBuffer(64)");
  const int construct = IndexOf("OH_NNCompilation_ConstructWithOfflineModelBuffer(64) = c");
  const int setDevice = IndexOf("OH_NNCompilation_SetDevice(");
  const int tuningMode = IndexOf("HMS_HiAIOptions_SetTuningMode(");
  const int tuningDir = IndexOf("HMS_HiAIOptions_SetTuningCacheDir(");
  const int band = IndexOf("HMS_HiAIOptions_SetBandMode(");
  const int perf = IndexOf("OH_NNCompilation_SetPerformanceMode(");
  const int prio = IndexOf("OH_NNCompilation_SetPriority(");
  const int fp16 = IndexOf("OH_NNCompilation_EnableFloat16(");
  const int cache = IndexOf("OH_NNCompilation_SetCache(");
  const int build = IndexOf("OH_NNCompilation_Build(");
  const int exec = IndexOf("OH_NNExecutor_Construct(");
  const int destroyCompilation = IndexOf("OH_NNCompilation_Destroy(");
  const int inDesc = IndexOf("OH_NNExecutor_CreateInputTensorDesc(");
  const int tensor = IndexOf("OH_NNTensor_Create(");
  for (int i : {enumerate, compat, construct, setDevice, tuningMode, tuningDir, band, perf, prio, fp16, cache, build,
                exec, destroyCompilation, inDesc, tensor}) {
    ASSERT_GE(i, 0) << ::testing::PrintToString(fake_nnrt::Calls());
  }
  EXPECT_LT(enumerate, construct);
  EXPECT_LT(compat, build);
  EXPECT_LT(construct, setDevice);
  EXPECT_LT(setDevice, tuningMode);
  EXPECT_EQ(tuningDir, tuningMode + 1) << "the tuning mode is always paired with its cache dir";
  for (int option : {tuningMode, tuningDir, band, perf, prio, fp16, cache}) EXPECT_LT(option, build);
  EXPECT_LT(build, exec);
  EXPECT_LT(exec, destroyCompilation);
  EXPECT_LT(destroyCompilation, inDesc) << "the compilation is destroyed right after the executor exists";

  EXPECT_EQ(fake_nnrt::Calls()[setDevice], "OH_NNCompilation_SetDevice(c1, 7)") << "HIAI_F chosen by name";
  EXPECT_EQ(fake_nnrt::Calls()[tuningMode], "HMS_HiAIOptions_SetTuningMode(c1, 2)");
  EXPECT_EQ(fake_nnrt::Calls()[tuningDir], "HMS_HiAIOptions_SetTuningCacheDir(c1, /data/storage/el2/base/files)");
  EXPECT_EQ(fake_nnrt::Calls()[cache], "OH_NNCompilation_SetCache(c1, /tmp/cache, 3)");
  EXPECT_EQ(fake_nnrt::Calls()[tensor], "OH_NNTensor_Create(7, d3) = t4");

  Result<SessionInfo> info = s->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device.device.name, "HIAI_F");
  EXPECT_EQ(info->device.reason, "HIAI_F found by name (policy npu)");
  EXPECT_EQ(info->compatibility, "compatible");
  ASSERT_EQ(info->options.size(), 7u);
  for (const OptionReport& o : info->options) {
    EXPECT_TRUE(o.accepted) << o.option;
    EXPECT_EQ(o.codeName, "OH_NN_SUCCESS");
  }
  EXPECT_EQ(info->options[0].option, "tuning_mode");
  EXPECT_EQ(info->options[0].value, "HETER");
  EXPECT_EQ(info->options[2].value, "NORMAL");
  ASSERT_EQ(info->inputs.size(), 1u);
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int32_t>{1, 3, 4, 4}));
  EXPECT_EQ(info->inputs[0].dtypeName, "float32");
  EXPECT_EQ(info->inputs[0].formatName, "NCHW");
  EXPECT_EQ(info->inputs[0].byteSize, 192u);
  EXPECT_EQ(info->outputs[0].name, "logits");
  EXPECT_GE(info->compileMs, 0);
}

TEST_F(SessionTest, TuningModeWithoutCacheDirFailsBeforeAnyNnrtCall) {
  SessionConfig c = Config();
  c.options.tuningMode = TuningMode::kAuto;
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "compile.options.tuning_mode: NPULENS_INVALID_ARGUMENT (1000): tuning mode AUTO needs a tuning cache dir "
            "(HMS_HiAIOptions_SetTuningCacheDir); none given");
  EXPECT_TRUE(fake_nnrt::Calls().empty());
  c.options.tuningMode = TuningMode::kUnset;
  c.options.tuningCacheDir = "/files";
  EXPECT_EQ(InferenceSession::Load(Model(), c).status().step(), "compile.options.tuning_cache_dir");
  EXPECT_TRUE(fake_nnrt::Calls().empty());
}

TEST_F(SessionTest, RejectedOptionsAreReportedNotDropped) {
  fake_nnrt::Fail("OH_NNCompilation_SetPriority", OH_NN_OPERATION_FORBIDDEN, "priority not supported by HIAI_F");
  fake_nnrt::Fail("HMS_HiAIOptions_SetBandMode", OH_NN_UNAVALIDABLE_DEVICE);
  SessionConfig c = Config();
  c.options.priority = Priority::kHigh;
  c.options.bandMode = BandMode::kHigh;
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  Result<SessionInfo> info = s->Info();
  ASSERT_EQ(info->options.size(), 2u);
  EXPECT_EQ(info->options[0].option, "band_mode");
  EXPECT_FALSE(info->options[0].accepted);
  EXPECT_EQ(info->options[0].codeName, "OH_NN_UNAVALIDABLE_DEVICE");
  EXPECT_EQ(info->options[1].option, "priority");
  EXPECT_EQ(info->options[1].value, "HIGH");
  EXPECT_FALSE(info->options[1].accepted);
  EXPECT_EQ(info->options[1].code, OH_NN_OPERATION_FORBIDDEN);
  EXPECT_EQ(info->options[1].detail, "refused when set: priority not supported by HIAI_F");
}

// The device records options at Set time and refuses an unsupported one inside Build, failing the whole Build:
// the session must find the refused option, build without it and say so, for every optional option.
TEST_F(SessionTest, AnOptionRefusedAtBuildIsLeftOutAndReportedTruthfully) {
  fake_nnrt::RefuseAtBuild("OH_NNCompilation_SetCache", OH_NN_OPERATION_FORBIDDEN, "model cache not supported");
  SessionConfig c = Config();
  c.options.performanceMode = PerformanceMode::kHigh;
  c.options.priority = Priority::kHigh;
  c.options.cacheDir = "/data/storage/el2/base/cache";
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  Result<SessionInfo> info = s->Info();
  ASSERT_EQ(info->options.size(), 3u);
  EXPECT_EQ(info->options[0].option, "performance_mode");
  EXPECT_TRUE(info->options[0].accepted);
  EXPECT_EQ(info->options[0].codeName, "OH_NN_SUCCESS");
  EXPECT_EQ(info->options[1].option, "priority");
  EXPECT_TRUE(info->options[1].accepted);
  EXPECT_EQ(info->options[2].option, "cache");
  EXPECT_FALSE(info->options[2].accepted);
  EXPECT_EQ(info->options[2].code, OH_NN_OPERATION_FORBIDDEN);
  EXPECT_EQ(info->options[2].codeName, "OH_NN_OPERATION_FORBIDDEN");
  EXPECT_EQ(info->options[2].detail, "OH_NNCompilation_Build failed with it: model cache not supported");
  // All three, none, +performance mode, +priority, +cache: the executor comes from the last Build that worked.
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNCompilation_Build("), 5);
  EXPECT_GE(IndexOf("OH_NNExecutor_Construct(c4)"), 0);
  EXPECT_EQ(IndexOf("Build reads the cache path /data/storage/el2/base/cache"),
            IndexOf("OH_NNCompilation_Build(c1)") + 1);
}

TEST_F(SessionTest, NoOptionalOptionCanMakeTheLoadFail) {
  const char* const setters[] = {"OH_NNCompilation_SetCache", "OH_NNCompilation_EnableFloat16",
                                 "OH_NNCompilation_SetPerformanceMode", "OH_NNCompilation_SetPriority",
                                 "HMS_HiAIOptions_SetBandMode"};
  const char* const names[] = {"cache", "float16", "performance_mode", "priority", "band_mode"};
  for (size_t refused = 0; refused < 5; ++refused) {
    SetUp();
    fake_nnrt::RefuseAtBuild(setters[refused], refused % 2 ? OH_NN_OPERATION_FORBIDDEN : OH_NN_FAILED);
    SessionConfig c = Config();
    c.options.bandMode = BandMode::kHigh;
    c.options.performanceMode = PerformanceMode::kExtreme;
    c.options.priority = Priority::kLow;
    c.options.enableFloat16 = true;
    c.options.cacheDir = "/cache";
    auto s = LoadOk(c);
    ASSERT_TRUE(s) << setters[refused];
    Result<SessionInfo> info = s->Info();
    ASSERT_EQ(info->options.size(), 5u);
    for (const OptionReport& o : info->options) {
      EXPECT_EQ(o.accepted, o.option != names[refused]) << setters[refused] << ": " << o.option;
      if (!o.accepted) {
        EXPECT_EQ(o.code, refused % 2 ? OH_NN_OPERATION_FORBIDDEN : OH_NN_FAILED);
      }
    }
    s.reset();
    TearDown();
  }
}

TEST_F(SessionTest, SeveralRefusedOptionsAreAllFound) {
  fake_nnrt::RefuseAtBuild("OH_NNCompilation_EnableFloat16", OH_NN_OPERATION_FORBIDDEN);
  fake_nnrt::RefuseAtBuild("OH_NNCompilation_SetPriority", OH_NN_OPERATION_FORBIDDEN);
  SessionConfig c = Config();
  c.options.priority = Priority::kMedium;
  c.options.enableFloat16 = true;
  c.options.cacheDir = "/cache";
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  std::string summary;
  Result<SessionInfo> info = s->Info();
  for (const OptionReport& o : info->options) summary += o.option + (o.accepted ? "+ " : "- ");
  EXPECT_EQ(summary, "priority- float16- cache+ ");
}

TEST_F(SessionTest, ABuildFailureThatIsNotAnOptionsStaysAnError) {
  fake_nnrt::Fail("OH_NNCompilation_Build", OH_NN_INVALID_FILE, "not an offline model");
  SessionConfig c = Config();
  c.options.priority = Priority::kHigh;
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "compile.build: OH_NN_INVALID_FILE (6): OH_NNCompilation_Build on HIAI_F: not an offline model; it fails "
            "without the optional options too");
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNCompilation_Build("), 2);
}

TEST_F(SessionTest, TuningRefusedAtBuildFailsTheLoad) {
  fake_nnrt::RefuseAtBuild("HMS_HiAIOptions_SetTuningMode", OH_NN_OPERATION_FORBIDDEN, "no tuning on this NPU");
  SessionConfig c = Config();
  c.options.tuningMode = TuningMode::kAuto;
  c.options.tuningCacheDir = "/files";
  c.options.priority = Priority::kHigh;
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "compile.build: OH_NN_OPERATION_FORBIDDEN (4): OH_NNCompilation_Build on HIAI_F: no tuning on this NPU; "
            "it fails without the optional options too");
}

TEST_F(SessionTest, AnOfflineModelIsNeverSentToADeviceThatCannotBuildIt) {
  std::vector<uint8_t> om(64, 0);
  std::memcpy(om.data(), "IMOD", 4);
  SessionConfig c = Config();
  c.devicePolicy = DevicePolicy::kCpu;
  auto r = InferenceSession::Load(om, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "device.select");
  EXPECT_EQ(IndexOf("OH_NNCompilation_Construct"), -1);
  fake_nnrt::SetDevices({{9, "cpu", OH_NN_CPU}});
  c.devicePolicy = DevicePolicy::kAuto;
  r = InferenceSession::Load(om, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("this phone exposes no NPU for this model"), std::string::npos)
      << r.status().ToString();
}

TEST_F(SessionTest, RejectedTuningFailsTheLoadAndTearsDown) {
  fake_nnrt::Fail("HMS_HiAIOptions_SetTuningCacheDir", OH_NN_INVALID_PATH, "no write access");
  SessionConfig c = Config();
  c.options.tuningMode = TuningMode::kAuto;
  c.options.tuningCacheDir = "/readonly";
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.status().ToString(),
      "compile.options.tuning_cache_dir: OH_NN_INVALID_PATH (8): HMS_HiAIOptions_SetTuningCacheDir(\"/readonly\") "
      "rejected: no write access");
  EXPECT_GE(IndexOf("OH_NNCompilation_Destroy(c1)"), 0);
  EXPECT_EQ(IndexOf("OH_NNCompilation_Build"), -1);
}

TEST_F(SessionTest, BuildFailureNamesStepCodeAndRuntimeDetailAndLeaksNothing) {
  fake_nnrt::Fail("OH_NNCompilation_Build", OH_NN_INVALID_FILE, "not an offline model");
  auto r = InferenceSession::Load(Model(), Config());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "compile.build: OH_NN_INVALID_FILE (6): OH_NNCompilation_Build on HIAI_F: not an offline model");
  EXPECT_GT(IndexOf("OH_NNCompilation_Destroy(c1)"), IndexOf("OH_NNCompilation_Build"));
  EXPECT_EQ(IndexOf("OH_NNExecutor_Construct"), -1);
}

TEST_F(SessionTest, IncompatibleModelIsReportedWithTheBuildError) {
  fake_nnrt::Fail("HMS_HiAICompatibility_CheckFromBuffer", OH_NN_FAILED);
  fake_nnrt::Fail("OH_NNCompilation_Build", OH_NN_FAILED);
  auto r = InferenceSession::Load(Model(), Config());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "OH_NNCompilation_Build on HIAI_F (the compatibility check said incompatible)");
}

TEST_F(SessionTest, EveryFailingStepIsNamed) {
  struct Case {
    const char* function;
    const char* expected;
  };
  const Case cases[] = {
      {"OH_NNCompilation_ConstructWithOfflineModelBuffer",
       "compile.construct: OH_NN_FAILED (1): OH_NNCompilation_ConstructWithOfflineModelBuffer returned NULL: boom"},
      {"OH_NNCompilation_SetDevice",
       "compile.set_device: OH_NN_FAILED (1): OH_NNCompilation_SetDevice(HIAI_F, id 7): boom"},
      {"OH_NNExecutor_Construct", "executor.construct: OH_NN_FAILED (1): OH_NNExecutor_Construct returned NULL: boom"},
      {"OH_NNExecutor_GetInputCount", "executor.io: OH_NN_FAILED (1): OH_NNExecutor_GetInputCount failed: boom"},
      {"OH_NNExecutor_CreateOutputTensorDesc",
       "tensor.desc: OH_NN_FAILED (1): OH_NNExecutor_CreateOutputTensorDesc returned NULL: boom"},
      {"OH_NNTensor_Create",
       "tensor.create: OH_NN_FAILED (1): OH_NNTensor_Create returned NULL: boom: input 0 [1,3,4,4]"},
  };
  for (const Case& c : cases) {
    SetUp();
    fake_nnrt::Fail(c.function, OH_NN_FAILED, "boom");
    auto r = InferenceSession::Load(Model(), Config());
    ASSERT_FALSE(r.ok()) << c.function;
    EXPECT_EQ(r.status().ToString(), c.expected);
    EXPECT_EQ(fake_nnrt::LiveHandles(), 0) << c.function;
    EXPECT_TRUE(fake_nnrt::Violations().empty()) << c.function;
  }
}

TEST_F(SessionTest, ModelTensorsAreCheckedAgainstTheManifest) {
  fake_nnrt::SetModel({{"input", OH_NN_INT8, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().ToString(),
            "model.check: NPULENS_MODEL_MISMATCH (1006): input \"input\" is int8, the manifest says float32");
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 4, 4, 3}, OH_NN_FORMAT_NHWC}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().message(),
            "input \"input\" has shape [1,4,4,3], the manifest says NCHW [1,3,4,4]");
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NHWC}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().message(),
            "input \"input\" has format NHWC, the manifest says NCHW");
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 6}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().message(),
            "output \"logits\" has shape [1,6] (6 values), the manifest says 5 classes");
  fake_nnrt::SetModel(
      {{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}, {"extra", OH_NN_FLOAT32, {1}, OH_NN_FORMAT_ND}},
      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().code(), code::kModelMismatch);
  SessionConfig named = Config();
  named.input.name = "data";
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  EXPECT_EQ(InferenceSession::Load(Model(), named).status().message(),
            "input tensor is named \"input\", the manifest says \"data\"");
}

TEST_F(SessionTest, ADynamicDimensionIsAClearErrorNotAZeroByteTensor) {
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, -1, -1}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  auto r = InferenceSession::Load(Model(), Config());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "model.check: NPULENS_MODEL_MISMATCH (1006): input \"input\" has the dynamic shape [1,3,-1,-1]; NpuLens "
            "needs a model converted with fixed shapes or a dynamic batch (-1 first)");
  EXPECT_EQ(IndexOf("OH_NNTensor_Create"), -1);
}

TEST_F(SessionTest, ADynamicBatchDimIsSetToTheSessionsBatchOnTheDescsBeforeTheTensorsAreMade) {
  // A dynamic-batch .om (omg --dynamic_dims) reports its batch dim as -1: the engine sets the batch it loads for.
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {-1, 3, 4, 4}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {-1, 5}, OH_NN_FORMAT_ND}});
  SessionConfig c = Config();
  c.batchSizes = {1, 2, 4};
  c.batchSize = 2;
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Result<SessionInfo> info = (*r)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int32_t>{2, 3, 4, 4}));
  EXPECT_EQ(info->outputs[0].shape, (std::vector<int32_t>{2, 5}));
  EXPECT_EQ(info->batchSize, 2);
  const int setShape = IndexOf("OH_NNTensorDesc_SetShape");
  ASSERT_NE(setShape, -1);
  EXPECT_LT(setShape, IndexOf("OH_NNTensor_Create"));
}

TEST_F(SessionTest, ConfigErrorsComeFirst) {
  EXPECT_EQ(InferenceSession::Load({}, Config()).status().ToString(),
            "session.config: NPULENS_INVALID_ARGUMENT (1000): the model is empty (0 bytes)");
  SessionConfig c = Config();
  c.labels.pop_back();
  EXPECT_EQ(InferenceSession::Load(Model(), c).status().message(), "4 labels but the output has 5 classes");
  EXPECT_TRUE(fake_nnrt::Calls().empty());
  fake_nnrt::SetDevices({{3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR}});
  EXPECT_EQ(InferenceSession::Load(Model(), Config()).status().step(), "device.select");
}

TEST_F(SessionTest, TheOutputShapeIsReadBackAfterEveryRun) {
  fake_nnrt::SetRunOutputShape({1, 5});
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  ASSERT_TRUE(s->Classify(image.view, 1).ok());
  const int run = fake_nnrt::IndexOf("OH_NNExecutor_RunSync");
  ASSERT_NE(run, -1);
  EXPECT_GT(fake_nnrt::IndexOf("OH_NNExecutor_GetOutputShape(0)", run), run);
  ASSERT_TRUE(s->Run().ok());
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_GetOutputShape"), 2);
}

TEST_F(SessionTest, BadCallARunWhoseOutputShapeIsNotBatchTimesClassesFails) {
  fake_nnrt::SetRunOutputShape({1, 4});  // e.g. a gear whose output the conversion log names differently
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  Result<Classification> r = s->Classify(image.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "run.output_shape: NPULENS_MODEL_MISMATCH (1006): the run's output 0 has shape "
            "[1,4]; batch 1 x 5 classes expected");
  fake_nnrt::SetRunOutputShape({1, 5});
  fake_nnrt::Fail("OH_NNExecutor_GetOutputShape", OH_NN_FAILED, "no shape");
  r = s->Classify(image.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "run.output_shape");
  EXPECT_EQ(r.status().code(), OH_NN_FAILED);
}

TEST_F(SessionTest, ClassifyZeroCopyWritesTheInputTensorAndReadsOutputsInPlace) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  Result<Classification> r = s->Classify(image.view, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->top.size(), 3u);
  EXPECT_EQ(r->top[0].index, 2u);  // 4.0 at indices 2 and 4: the lower index wins
  EXPECT_EQ(r->top[0].label, "c");
  EXPECT_EQ(r->top[1].index, 4u);
  EXPECT_EQ(r->top[2].label, "d");
  const double e = std::exp(1.0);
  const double denom = std::exp(0.5) + e + 2 * std::exp(4.0) + std::exp(2.0);
  EXPECT_NEAR(r->top[0].score, std::exp(4.0) / denom, 1e-6);
  EXPECT_EQ(r->timings.copyInMs, 0);
  EXPECT_GE(r->timings.totalMs, r->timings.inferenceMs);

  // What the fake runtime saw in the input tensor is exactly the pre-processed image.
  Result<Preprocessor> pre = Preprocessor::Create(Config().input);
  std::vector<uint8_t> expected(pre->OutputBytes());
  ASSERT_TRUE(pre->Run(image.view, expected.data(), expected.size()).ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), expected);
}

// CompileOptions::profilingDir: HMS_HiAIOptions_SetOmOptions(PROFILING, dir) through the run-time lookup (CANN Kit
// API 18 > compatibleSdkVersion 17), reported as "om_options".
TEST_F(SessionTest, ProfilingDirSetsOmOptionsThroughTheRunTimeLookup) {
  SessionConfig c = Config();
  c.options.profilingDir = "/tmp";
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  const int lookup = IndexOf("HostNN_LookupCannSymbol(HMS_HiAIOptions_SetOmOptions)");
  const int set = IndexOf("HMS_HiAIOptions_SetOmOptions(c1, 1, /tmp)");
  ASSERT_GE(lookup, 0);
  ASSERT_GT(set, IndexOf("OH_NNCompilation_SetDevice"));
  EXPECT_LT(set, IndexOf("OH_NNCompilation_Build"));
  Result<SessionInfo> info = s->Info();
  ASSERT_EQ(info->options.size(), 1u);
  EXPECT_EQ(info->options[0].option, "om_options");
  EXPECT_EQ(info->options[0].value, "PROFILING:/tmp");
  EXPECT_TRUE(info->options[0].accepted);
  EXPECT_EQ(info->options[0].codeName, "OH_NN_SUCCESS");
}

// A system older than API 18 has no HMS_HiAIOptions_SetOmOptions: the option is refused, the model loads.
TEST_F(SessionTest, OnASystemWithoutSetOmOptionsProfilingIsRefusedNotFatal) {
  fake_nnrt::Fail("HostNN_LookupCannSymbol", OH_NN_FAILED);
  SessionConfig c = Config();
  c.options.profilingDir = "/tmp";
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  EXPECT_EQ(fake_nnrt::CountOf("HMS_HiAIOptions_SetOmOptions"), 0);
  Result<SessionInfo> info = s->Info();
  ASSERT_EQ(info->options.size(), 1u);
  EXPECT_EQ(info->options[0].option, "om_options");
  EXPECT_FALSE(info->options[0].accepted);
  EXPECT_EQ(info->options[0].codeName, "OH_NN_UNSUPPORTED");
  EXPECT_EQ(info->options[0].detail,
            "refused when set: HMS_HiAIOptions_SetOmOptions is not on this system (CANN Kit 5.1.0(18), API 18)");
  Image image;
  EXPECT_TRUE(s->Classify(image.view, 1).ok());
}

TEST_F(SessionTest, BAD_CALL_ProfilingDirThatIsNotADirectoryFailsBeforeAnyNnrtCall) {
  for (const char* dir : {"/nonexistent/npulens_profiles", "/dev/null"}) {
    SessionConfig c = Config();
    c.options.profilingDir = dir;
    auto r = InferenceSession::Load(Model(), c);
    ASSERT_FALSE(r.ok()) << dir;
    EXPECT_EQ(r.status().step(), "compile.options.om_options");
    EXPECT_EQ(r.status().code(), code::kInvalidArgument);
    EXPECT_EQ(r.status().message(), std::string("the profiling dir \"") + dir + "\" is not an existing directory");
  }
  EXPECT_TRUE(fake_nnrt::Calls().empty());
}

// CompileOptions::dumpDir: HMS_HiAIOptions_SetOmOptions(DUMP, dir) through the same run-time lookup, reported as
// "om_options" 'DUMP:<dir>'.
TEST_F(SessionTest, DumpDirSetsOmOptionsDumpThroughTheRunTimeLookup) {
  SessionConfig c = Config();
  c.options.dumpDir = "/tmp";
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  const int set = IndexOf("HMS_HiAIOptions_SetOmOptions(c1, 2, /tmp)");
  ASSERT_GT(set, IndexOf("OH_NNCompilation_SetDevice"));
  EXPECT_LT(set, IndexOf("OH_NNCompilation_Build"));
  Result<SessionInfo> info = s->Info();
  ASSERT_EQ(info->options.size(), 1u);
  EXPECT_EQ(info->options[0].option, "om_options");
  EXPECT_EQ(info->options[0].value, "DUMP:/tmp");
  EXPECT_TRUE(info->options[0].accepted);
}

// SetOmOptions takes one HiAI_OmType per compilation: profiling and dump together would lose one of them.
TEST_F(SessionTest, BAD_CALL_ProfilingDirAndDumpDirTogetherOrADumpDirThatIsNotADirectory) {
  SessionConfig both = Config();
  both.options.profilingDir = "/tmp";
  both.options.dumpDir = "/tmp";
  auto r = InferenceSession::Load(Model(), both);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "compile.options.om_options");
  EXPECT_EQ(r.status().code(), code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "profilingDir and dumpDir together: HMS_HiAIOptions_SetOmOptions takes one HiAI_OmType per compilation "
            "(PROFILING or DUMP); load twice for both");
  SessionConfig missing = Config();
  missing.options.dumpDir = "/nonexistent/npulens_dump";
  auto gone = InferenceSession::Load(Model(), missing);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().message(), "the dump dir \"/nonexistent/npulens_dump\" is not an existing directory");
  EXPECT_TRUE(fake_nnrt::Calls().empty());
}

// returnOutput: the output tensor as float32 beside the top-K (float output as is; int8 dequantized), in both modes.
TEST_F(SessionTest, ReturnOutputCarriesTheDequantizedOutputTensor) {
  SessionConfig c = Config();
  auto plain = LoadOk(c);
  ASSERT_TRUE(plain);
  Image image;
  EXPECT_TRUE(plain->Classify(image.view, 1)->output.empty());
  plain->Release();

  c.returnOutput = true;
  auto s = LoadOk(c);
  ASSERT_TRUE(s);
  for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
    Result<Classification> r = s->Classify(image.view, 1, mode);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->output, (std::vector<float>{0.5f, 1.0f, 4.0f, 2.0f, 4.0f})) << IoModeName(mode);
  }
  s->Release();

  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_INT8, {1, 5}, OH_NN_FORMAT_ND}});
  fake_nnrt::SetOutputBytes({static_cast<uint8_t>(-10), 0, 5, 127, static_cast<uint8_t>(-128)});
  c.output.dtype = DType::kInt8;
  c.output.quant = QuantParams{0.5f, -2};
  auto q = LoadOk(c);
  ASSERT_TRUE(q);
  Result<Classification> r = q->Classify(image.view, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->output, (std::vector<float>{-4.0f, 1.0f, 3.5f, 64.5f, -63.0f}));  // (q + 2) * 0.5
}

TEST_F(SessionTest, CopyModeGivesTheSameResultThroughHostBuffers) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  Result<Classification> zero = s->Classify(image.view, 5, IoMode::kZeroCopy);
  const std::vector<uint8_t> zeroInput = fake_nnrt::LastRunInput();
  Result<Classification> copy = s->Classify(image.view, 5, IoMode::kCopy);
  ASSERT_TRUE(zero.ok() && copy.ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), zeroInput);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(zero->top[i].index, copy->top[i].index);
    EXPECT_EQ(zero->top[i].score, copy->top[i].score);
  }
}

TEST_F(SessionTest, TensorsAreCreatedOncePerExecutorAndDestroyedBeforeIt) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->Classify(image.view, 1).ok());
  ASSERT_TRUE(s->SetInput(image.view).ok());
  for (IoMode m : {IoMode::kZeroCopy, IoMode::kCopy}) {
    Result<StageTimings> t = s->Run(m);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
  }
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNTensor_Create("), 2);
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 5);
  // Each desc from CreateInput/OutputTensorDesc is destroyed after the tensor is created from it.
  EXPECT_LT(IndexOf("OH_NNTensor_Create("), IndexOf("OH_NNTensorDesc_Destroy("));
  s->Release();
  const int lastTensor = IndexOf("OH_NNTensor_Destroy(", IndexOf("OH_NNTensor_Destroy(") + 1);
  const int executor = IndexOf("OH_NNExecutor_Destroy(");
  ASSERT_GE(lastTensor, 0);
  EXPECT_LT(lastTensor, executor);
  EXPECT_EQ(fake_nnrt::LiveHandles(), 0);
}

TEST_F(SessionTest, CallsAfterReleaseFailClearlyAndDoubleReleaseIsHarmless) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  s->Release();
  s->Release();
  EXPECT_TRUE(s->released());
  Image image;
  EXPECT_EQ(s->Classify(image.view, 1).status().ToString(),
            "classify: NPULENS_RELEASED (1004): the session was released");
  EXPECT_EQ(s->Run().status().code(), code::kReleased);
  EXPECT_EQ(s->SetInput(image.view).code(), code::kReleased);
  EXPECT_EQ(s->Info().status().code(), code::kReleased);
  EXPECT_EQ(s->InputFd().status().code(), code::kReleased);
  EXPECT_EQ(s->AttachInputFd(3, 1000).code(), code::kReleased);
  s->DetachInputFd();
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_Destroy("), 1);
}

TEST_F(SessionTest, RunFailureAndBadArgumentsAreReported) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  EXPECT_EQ(s->Classify(image.view, 0).status().ToString(),
            "classify: NPULENS_OUT_OF_RANGE (1001): topK must be in [1, 5] (got 0)");
  EXPECT_EQ(s->Classify(image.view, 6).status().code(), code::kOutOfRange);
  ImageView bad = image.view;
  bad.byteLength -= 1;
  EXPECT_EQ(s->Classify(bad, 1).status().step(), "preprocess");
  fake_nnrt::Fail("OH_NNExecutor_RunSync", OH_NN_FAILED, "npu crashed", 1);
  EXPECT_EQ(s->Classify(image.view, 1).status().ToString(),
            "run.sync: OH_NN_FAILED (1): OH_NNExecutor_RunSync on HIAI_F: npu crashed");
  EXPECT_TRUE(s->Classify(image.view, 1).ok()) << "the session stays usable after a failed run";
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 2) << "bad arguments never reach the runtime";
}

TEST_F(SessionTest, ExternalFdInputIsBorrowedAndDestroyedFirst) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  const int fd = memfd_create("external_input", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  EXPECT_EQ(s->AttachInputFd(-1, 4096).code(), code::kInvalidArgument);
  EXPECT_EQ(s->AttachInputFd(fd, 100).ToString(),
            "tensor.attach_fd: NPULENS_OUT_OF_RANGE (1001): fd size 100 is smaller than the input's 192 bytes");
  ASSERT_TRUE(s->AttachInputFd(fd, 4096).ok());
  // t6 is the output, t7 the zero-copy output over fd-backed memory (aipp_session_test), t9 the borrowed input.
  EXPECT_GE(IndexOf("OH_NNTensor_CreateWithFd(7, d8, fd, 4096, 0) = t9"), 0)
      << ::testing::PrintToString(fake_nnrt::Calls());
  EXPECT_TRUE(s->Info()->externalInput);

  Image image;
  ASSERT_TRUE(s->Classify(image.view, 1).ok());
  EXPECT_GE(IndexOf("OH_NNExecutor_RunSync(e2, in=t9, out=t7)"), 0) << "RunSync reads the fd-backed tensor";
  // The pre-processed input went into the caller's shared memory.
  void* mapped = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  EXPECT_EQ(std::memcmp(mapped, fake_nnrt::LastRunInput().data(), 192), 0);
  munmap(mapped, 4096);

  s->Release();
  EXPECT_LT(IndexOf("OH_NNTensor_Destroy(t9)"), IndexOf("OH_NNTensor_Destroy(t4)"));
  EXPECT_LT(IndexOf("OH_NNTensor_Destroy(t9)"), IndexOf("OH_NNTensor_Destroy(t6)"));
  close(fd);
}

TEST_F(SessionTest, BorrowingTheSessionsOwnInputFdTearsDownBorrowerFirst) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Result<int> fd = s->InputFd();
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(s->AttachInputFd(fd.value(), 192).ok());
  Image image;
  ASSERT_TRUE(s->Classify(image.view, 2).ok());
  s->DetachInputFd();
  ASSERT_TRUE(s->AttachInputFd(fd.value(), 192).ok());
  // Destroying the session (no explicit Release) must still destroy the borrower before the owner:
  // the fake records a violation otherwise (checked in TearDown).
  s.reset();
}

TEST_F(SessionTest, ConcurrentCallsAreSerialized) {
  auto s = LoadOk();
  ASSERT_TRUE(s);
  Image image;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!s->Classify(image.view, 2, i % 2 ? IoMode::kCopy : IoMode::kZeroCopy).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fake_nnrt::CountOf("OH_NNExecutor_RunSync("), 100);
}

}  // namespace
}  // namespace npulens
