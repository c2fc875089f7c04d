// The engine over the real host runtime (cpp/hostnn): a tiny ONNX classifier (GlobalAveragePool → Flatten →
// Gemm) built with the host runtime tests' OnnxBuilder, loaded through InferenceSession on the host CPU device.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "hostnn/hostnn.h"
#include "nnrt/inference_session.h"
#include "test_util.h"

namespace npulens {
namespace {

using nnrt_test::kTinyB;
using nnrt_test::kTinyW;

std::vector<uint8_t> TinyModel() { return nnrt_test::TinyModel(8); }

SessionConfig Config() {
  SessionConfig c;
  c.modelId = "tiny";
  c.input.name = "input";
  c.input.width = c.input.height = 8;
  for (int i = 0; i < 3; ++i) c.input.mean[i] = 127.5f, c.input.std[i] = 127.5f;
  c.output.name = "logits";
  c.output.classes = 5;
  c.labels = {"red", "green", "blue", "bright", "dark"};
  c.devicePolicy = DevicePolicy::kAuto;
  return c;
}

struct SolidImage {
  std::vector<uint8_t> pixels;
  ImageView view;
  SolidImage(uint8_t r, uint8_t g, uint8_t b, int w = 13, int h = 11) {
    for (int i = 0; i < w * h; ++i) pixels.insert(pixels.end(), {r, g, b, 255});
    view = {pixels.data(), pixels.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
  }
};

class HostnnSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { HostNN_ResetTestDevices(); }
  void TearDown() override { HostNN_ResetTestDevices(); }
};

TEST_F(HostnnSessionTest, ClassifiesOnTheHostCpuDeviceAndSaysItIsNotAnNpu) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), Config());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Result<SessionInfo> info = (*s)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device.device.name, HOSTNN_CPU_DEVICE_NAME);
  EXPECT_EQ(info->device.device.type, DeviceType::kCpu);
  EXPECT_EQ(info->device.reason,
            std::string("no HIAI_F device; policy auto picked the first device, ") + HOSTNN_CPU_DEVICE_NAME + " (cpu)");
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int32_t>{1, 3, 8, 8}));

  const struct {
    uint8_t r, g, b;
    const char* label;
  } cases[] = {{250, 10, 10, "red"},
               {10, 250, 10, "green"},
               {10, 10, 250, "blue"},
               {250, 250, 250, "bright"},
               {0, 0, 0, "dark"}};
  for (const auto& c : cases) {
    SolidImage image(c.r, c.g, c.b);
    for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
      Result<Classification> r = (*s)->Classify(image.view, 5, mode);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->top[0].label, c.label) << IoModeName(mode);
      // Expected probabilities from the closed form of the model.
      const double x[3] = {(c.r - 127.5) / 127.5, (c.g - 127.5) / 127.5, (c.b - 127.5) / 127.5};
      double logits[5], sum = 0;
      for (int k = 0; k < 5; ++k) {
        logits[k] = kTinyB[k];
        for (int ch = 0; ch < 3; ++ch) logits[k] += kTinyW[k * 3 + ch] * x[ch];
      }
      for (double& l : logits) sum += std::exp(l);
      for (const Prediction& p : r->top) EXPECT_NEAR(p.score, std::exp(logits[p.index]) / sum, 1e-4);
    }
  }
}

TEST_F(HostnnSessionTest, InspectReturnsThePreprocessedInputAndEveryClassScore) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), Config());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  SolidImage image(250, 10, 10);
  for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
    Result<Inspection> r = (*s)->Inspect(image.view, mode);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // 1x3x8x8 float32, channel c filled with (value - 127.5) / 127.5.
    ASSERT_EQ(r->input.size(), 3u * 8 * 8 * sizeof(float)) << IoModeName(mode);
    std::vector<float> input(3 * 8 * 8);
    std::memcpy(input.data(), r->input.data(), r->input.size());
    const float expected[3] = {(250 - 127.5f) / 127.5f, (10 - 127.5f) / 127.5f, (10 - 127.5f) / 127.5f};
    for (size_t i = 0; i < input.size(); ++i) EXPECT_NEAR(input[i], expected[i / 64], 1e-6) << i;
    // Scores by class index, summing to 1, the same as classify's top-5.
    ASSERT_EQ(r->probabilities.size(), 5u);
    Result<Classification> c = (*s)->Classify(image.view, 5, mode);
    ASSERT_TRUE(c.ok());
    double sum = 0;
    for (float p : r->probabilities) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-5);
    for (const Prediction& p : c->top) EXPECT_FLOAT_EQ(r->probabilities[p.index], p.score) << p.label;
  }
  (*s)->Release();
  EXPECT_EQ((*s)->Inspect(image.view).status().code(), code::kReleased);
}

TEST_F(HostnnSessionTest, NpuPolicyFailsOnTheHostWithTheDevicesSeen) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), [] {
    SessionConfig c = Config();
    c.devicePolicy = DevicePolicy::kNpu;
    return c;
  }());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().ToString(),
            std::string("device.select: NPULENS_DEVICE_NOT_FOUND (1007): policy npu needs the device named HIAI_F; "
                        "devices seen: ") +
                HOSTNN_CPU_DEVICE_NAME + " (cpu)");
}

TEST_F(HostnnSessionTest, SelectsHiaiByNameAmongRegisteredTestDevices) {
  HostNN_RegisterTestDevice("NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR);
  const size_t hiai = HostNN_RegisterTestDevice("HIAI_F", OH_NN_ACCELERATOR);
  Result<DeviceDecision> d = DeviceSelector::Select(DevicePolicy::kNpu, ModelKind::kHostOnnx);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->device.id, hiai);
  Result<DeviceDecision> cpu = DeviceSelector::Select(DevicePolicy::kCpu, ModelKind::kHostOnnx);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->device.name, HOSTNN_CPU_DEVICE_NAME);
}

// An NPU that supports neither the model cache nor priorities, as the device does it: the setters record, Build
// refuses. The load still succeeds, and info says what was applied and what was refused.
TEST_F(HostnnSessionTest, ANpuThatRefusesOptionsStillLoadsAndSaysWhatItRefused) {
  HostNN_TestDeviceProfile picky = HostNN_DefaultTestDeviceProfile();
  picky.cache = false;
  picky.priority = false;
  HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &picky);
  char dir[] = "/tmp/npulens-cache-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  SessionConfig c = Config();
  c.devicePolicy = DevicePolicy::kNpu;
  c.options.cacheDir = dir;
  c.options.priority = Priority::kHigh;
  c.options.performanceMode = PerformanceMode::kHigh;
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), c);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Result<SessionInfo> info = s.value()->Info();
  std::string summary;
  for (const OptionReport& o : info->options) summary += o.option + "=" + (o.accepted ? "applied" : o.codeName) + " ";
  EXPECT_EQ(summary, "performance_mode=applied priority=OH_NN_OPERATION_FORBIDDEN cache=OH_NN_OPERATION_FORBIDDEN ");
  EXPECT_EQ(s.value()->Classify(SolidImage(255, 0, 0).view, 1)->top[0].label, "red");
  rmdir(dir);
}

// A Build holds the NNRt call lock for as long as it takes (seconds with CANN tuning); listing devices, e.g. from
// the UI thread, must not wait for it.
TEST_F(HostnnSessionTest, ListingDevicesDoesNotWaitForAnotherThreadsBuild) {
  HostNN_TestDeviceProfile slow = HostNN_DefaultTestDeviceProfile();
  slow.buildDelayMs = 1500;
  HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &slow);
  SessionConfig c = Config();
  c.devicePolicy = DevicePolicy::kNpu;
  const auto loadStart = std::chrono::steady_clock::now();
  std::future<bool> load = std::async(std::launch::async, [&c] { return InferenceSession::Load(TinyModel(), c).ok(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the Build is under way
  const auto listStart = std::chrono::steady_clock::now();
  Result<std::vector<DeviceInfo>> devices = DeviceSelector::Enumerate();
  const auto listMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - listStart).count();
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_EQ(devices->size(), 2u);
  EXPECT_EQ(load.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the Build ended early";
  EXPECT_LT(listMs, 500) << "device listing waited for the Build";
  EXPECT_TRUE(load.get());
  const double loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loadStart).count();
  EXPECT_GE(loadMs, 1500);
}

TEST_F(HostnnSessionTest, TruncatedAndForeignModelsFailWithStepCodeAndDetail) {
  std::vector<uint8_t> model = TinyModel();
  Result<std::unique_ptr<InferenceSession>> s =
      InferenceSession::Load(std::vector<uint8_t>(model.begin(), model.begin() + model.size() / 2), Config());
  ASSERT_FALSE(s.ok());
  const std::string text = s.status().ToString();
  EXPECT_TRUE(s.status().step() == "compile.construct" || s.status().step() == "compile.build") << text;
  EXPECT_EQ(text.find("OH_NN_"), text.find(": ") + 2) << text;
  EXPECT_GT(s.status().message().size(), std::string("OH_NNCompilation_Build on hostnn_cpu").size()) << text;
  // A CANN .om never reaches a device without HIAI_F: the selection says so before any compilation.
  s = InferenceSession::Load(std::vector<uint8_t>{'I', 'M', 'O', 'D', 0, 1, 2, 3, 4, 5, 6, 7}, Config());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(
      s.status().ToString(),
      "device.select: NPULENS_DEVICE_NOT_FOUND (1007): policy auto: this phone exposes no NPU for this model: a "
      "CANN offline model (.om) builds only on HIAI_F (other NNRt devices refuse offline models); devices seen: " +
          std::string(HOSTNN_CPU_DEVICE_NAME) + " (cpu)");
}

TEST_F(HostnnSessionTest, ManifestMismatchIsCaughtOnTheRealRuntime) {
  SessionConfig c = Config();
  c.input.width = c.input.height = 16;
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().ToString(),
            "model.check: NPULENS_MODEL_MISMATCH (1006): input \"input\" has shape [1,3,8,8], the manifest says NCHW "
            "[1,3,16,16]");
}

TEST_F(HostnnSessionTest, FdInputOverTheSessionsOwnSharedMemory) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), Config());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  InferenceSession& session = **s;
  Result<int> fd = session.InputFd();
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  ASSERT_TRUE(session.AttachInputFd(fd.value(), 3 * 8 * 8 * 4).ok());
  SolidImage image(10, 250, 10);
  Result<Classification> r = session.Classify(image.view, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->top[0].label, "green");
  session.Release();  // the borrower goes before the tensor owning the fd
  EXPECT_EQ(session.Classify(image.view, 1).status().code(), code::kReleased);
}

// CompileOptions::profilingDir on the real runtime: the profile is written when the session releases its executor;
// on a system older than API 18 (no HMS_HiAIOptions_SetOmOptions to look up) the model loads without it.
TEST_F(HostnnSessionTest, ProfilingDirGetsTheRuntimesProfileAtReleaseAndIsRefusedBeforeApi18) {
  char tmpl[] = "/tmp/npulens_session_profile_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, opCsv = dir + "/test_op.csv", modelCsv = dir + "/test_model.csv";
  SessionConfig c = Config();
  c.options.profilingDir = dir;
  for (int api : {17, 0}) {
    HostNN_SetSystemApiLevel(api);
    Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(TinyModel(), c);
    HostNN_SetSystemApiLevel(0);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const OptionReport report = (*s)->Info()->options.at(0);
    EXPECT_EQ(report.option, "om_options");
    EXPECT_EQ(report.value, "PROFILING:" + dir);
    EXPECT_EQ(report.accepted, api == 0) << api;
    EXPECT_EQ(report.codeName, api == 0 ? "OH_NN_SUCCESS" : "OH_NN_UNSUPPORTED");
    SolidImage image(250, 10, 10);
    ASSERT_TRUE((*s)->Classify(image.view, 1).ok());
    ASSERT_TRUE((*s)->Classify(image.view, 1).ok());
    EXPECT_NE(access(opCsv.c_str(), F_OK), 0) << "written at release, not before";
    (*s)->Release();
    EXPECT_EQ(access(opCsv.c_str(), F_OK) == 0, api == 0) << api;
    EXPECT_EQ(access(modelCsv.c_str(), F_OK) == 0, api == 0) << api;
  }
  unlink(opCsv.c_str());
  unlink(modelCsv.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace npulens
