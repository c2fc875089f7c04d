// The host runtime behaves like the NNRt core on the phone: compilation setters only
// record, Build applies the options in the core's order and checks each against the device's capabilities with the
// device's codes, a compilation builds once, a bad device ID and an offline model on a backend that takes none fail
// at Build, SetCache's string is read at Build, and listing devices never waits for a Build.
// Bad-call cases are named BadCall_* and traced as "BAD CALL - ...".
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "CANNKit/hiai_options.h"
#include "onnx_builder.h"
#include "test_util.h"

using namespace hostnn_test;

namespace {

// Removes the test devices before and after each test: the device list is process-wide.
class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostNN_ResetTestDevices();
    char tmpl[] = "/tmp/hostnn_conformance_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    HostNN_ResetTestDevices();
    rmdir(dir_.c_str());
  }
  std::string dir_;  // a writable dir, alive for the whole test (the runtime borrows the paths it is given)
  std::string model_ = TinyModel();
};

// A device that supports no option but takes the ONNX bytes (HIAI_F's compiler may refuse any option).
HostNN_TestDeviceProfile SupportsNothing() {
  HostNN_TestDeviceProfile p{};
  p.offlineModels = true;
  return p;
}

struct BuildResult {
  OH_NN_ReturnCode setCode = OH_NN_SUCCESS;  // the first setter code that was not OH_NN_SUCCESS
  OH_NN_ReturnCode code = OH_NN_FAILED;
  std::string message;
};

using Setter = std::function<OH_NN_ReturnCode(OH_NNCompilation*)>;

// Constructs from `model`, sets the device and then the options, builds, and runs the result once when it built.
BuildResult BuildOn(const std::string& model, size_t device, const std::vector<Setter>& setters) {
  BuildResult r;
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  EXPECT_TRUE(c);
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), device), OH_NN_SUCCESS);
  for (const Setter& set : setters) {
    OH_NN_ReturnCode rc = set(c.get());
    if (rc != OH_NN_SUCCESS && r.setCode == OH_NN_SUCCESS) r.setCode = rc;
  }
  r.code = OH_NNCompilation_Build(c.get());
  r.message = HostNN_GetLastErrorMessage();
  if (r.code == OH_NN_SUCCESS) {
    Executor e(OH_NNExecutor_Construct(c.get()));
    EXPECT_TRUE(e) << HostNN_GetLastErrorMessage();
    if (!e) return r;
    Tensors ts = MakeTensors(e.get());
    auto ins = ts.InPtrs(), outs = ts.OutPtrs();
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), ins.size(), outs.data(), outs.size()), OH_NN_SUCCESS);
  }
  return r;
}

// One optional option with a non-default value, the profile flag that allows it, and what a refusal says.
struct Option {
  const char* name;
  bool HostNN_TestDeviceProfile::*flag;
  Setter set;
  const char* refusal;
};

// In the core's order of application: cache dir, fp16, performance mode, priority, extension configs (CANN).
std::vector<Option> OptionsInDeviceOrder(const std::string& dir) {
  return {
      {"cache", &HostNN_TestDeviceProfile::cache,
       [&dir](OH_NNCompilation* c) { return OH_NNCompilation_SetCache(c, dir.c_str(), 1); },
       "does not support the model cache (OH_NNCompilation_SetCache)"},
      {"float16", &HostNN_TestDeviceProfile::float16,
       [](OH_NNCompilation* c) { return OH_NNCompilation_EnableFloat16(c, true); },
       "does not support float16 precision (OH_NNCompilation_EnableFloat16(true))"},
      {"performanceMode", &HostNN_TestDeviceProfile::performanceMode,
       [](OH_NNCompilation* c) { return OH_NNCompilation_SetPerformanceMode(c, OH_NN_PERFORMANCE_HIGH); },
       "does not support performance modes (OH_NNCompilation_SetPerformanceMode(3))"},
      {"priority", &HostNN_TestDeviceProfile::priority,
       [](OH_NNCompilation* c) { return OH_NNCompilation_SetPriority(c, OH_NN_PRIORITY_MEDIUM); },
       "does not support priorities (OH_NNCompilation_SetPriority(2))"},
      {"tuning", &HostNN_TestDeviceProfile::tuning,
       [&dir](OH_NNCompilation* c) {
         OH_NN_ReturnCode rc = HMS_HiAIOptions_SetTuningMode(c, HIAI_TUNING_MODE_AUTO);
         return rc != OH_NN_SUCCESS ? rc : HMS_HiAIOptions_SetTuningCacheDir(c, dir.c_str());
       },
       "does not support CANN tuning (HMS_HiAIOptions_SetTuningMode/HMS_HiAIOptions_SetTuningCacheDir)"},
      {"bandMode", &HostNN_TestDeviceProfile::bandMode,
       [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetBandMode(c, HIAI_BANDMODE_HIGH); },
       "does not support band modes (HMS_HiAIOptions_SetBandMode(3))"},
      {"omOptions", &HostNN_TestDeviceProfile::omOptions,
       [&dir](OH_NNCompilation* c) { return HMS_HiAIOptions_SetOmOptions(c, HIAI_OM_TYPE_PROFILING, dir.c_str()); },
       "does not support OM profiling/dump options (HMS_HiAIOptions_SetOmOptions(1))"},
  };
}

std::vector<Setter> SettersOf(const std::vector<Option>& options) {
  std::vector<Setter> s;
  for (const Option& o : options) s.push_back(o.set);
  return s;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// ---------------------------------------------------------------- setters record
TEST_F(ConformanceTest, SettersRecordWhatTheDeviceWillRefuse) {
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  HiAI_ExecuteDevice order[] = {HIAI_EXECUTE_DEVICE_NPU, static_cast<HiAI_ExecuteDevice>(3)};
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), hiai), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), "/nonexistent/cache", 1), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_EnableFloat16(c.get(), true), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPerformanceMode(c.get(), static_cast<OH_NN_PerformanceMode>(5)), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPriority(c.get(), OH_NN_PRIORITY_HIGH), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningMode(c.get(), static_cast<HiAI_TuningMode>(3)), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), "/nonexistent/tuning"), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetBandMode(c.get(), HIAI_BANDMODE_LOW), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(c.get(), order, 2), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), static_cast<HiAI_OmType>(3), nullptr), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_GetTuningMode(c.get()), static_cast<HiAI_TuningMode>(3));
  EXPECT_STREQ(HMS_HiAIOptions_GetTuningCacheDir(c.get()), "/nonexistent/tuning");
  EXPECT_EQ(HMS_HiAIOptions_GetBandMode(c.get()), HIAI_BANDMODE_LOW);
  EXPECT_EQ(HMS_HiAIOptions_GetModelDeviceCount(c.get()), 2u);
  // Build applies them: the cache comes first and is refused.
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_OPERATION_FORBIDDEN);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(),
                       "device 'HIAI_F' does not support the model cache (OH_NNCompilation_SetCache)"))
      << HostNN_GetLastErrorMessage();
}

TEST_F(ConformanceTest, BadCall_SettersRejectOnlyNulls) {
  SCOPED_TRACE("BAD CALL - every setter with a NULL compilation, SetCache/SetTuningCacheDir with a NULL path");
  HiAI_ExecuteDevice order[] = {HIAI_EXECUTE_DEVICE_CPU};
  EXPECT_EQ(OH_NNCompilation_SetDevice(nullptr, 0), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_SetCache(nullptr, "/tmp", 1), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_EnableFloat16(nullptr, false), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_SetPerformanceMode(nullptr, OH_NN_PERFORMANCE_NONE), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_SetPriority(nullptr, OH_NN_PRIORITY_NONE), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(nullptr, "ModelName", "1", 1), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningMode(nullptr, HIAI_TUNING_MODE_UNSET), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(nullptr, "/tmp"), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetBandMode(nullptr, HIAI_BANDMODE_UNSET), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(nullptr, order, 1), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetOmOptions(nullptr, HIAI_OM_TYPE_OFF, nullptr), OH_NN_INVALID_PARAMETER);
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), nullptr, 1), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), nullptr), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
}

// ---------------------------------------------------------------- Build: order and profiles
TEST_F(ConformanceTest, BuildReportsTheFirstRefusedOptionInTheDeviceOrder) {
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  const std::vector<Option> options = OptionsInDeviceOrder(dir_);
  // Options k..end are set, in reverse call order: the refusal is always option k's (the order is the device's).
  for (size_t k = 0; k < options.size(); ++k) {
    SCOPED_TRACE(std::string("first set option in device order: ") + options[k].name);
    std::vector<Setter> setters;
    for (size_t i = options.size(); i-- > k;) setters.push_back(options[i].set);
    BuildResult r = BuildOn(model_, hiai, setters);
    EXPECT_EQ(r.setCode, OH_NN_SUCCESS);
    EXPECT_EQ(r.code, OH_NN_OPERATION_FORBIDDEN);
    EXPECT_TRUE(Contains(r.message, std::string("device 'HIAI_F' ") + options[k].refusal)) << r.message;
  }
}

TEST_F(ConformanceTest, EachProfileFlagRefusesItsOptionWithOperationForbidden) {
  const std::vector<Option> options = OptionsInDeviceOrder(dir_);
  const size_t all = HostNN_RegisterTestDevice("NPU_all", OH_NN_ACCELERATOR);
  BuildResult everything = BuildOn(model_, all, SettersOf(options));
  EXPECT_EQ(everything.code, OH_NN_SUCCESS) << everything.message;
  for (const Option& refused : options) {
    SCOPED_TRACE(std::string("profile without ") + refused.name);
    HostNN_TestDeviceProfile p = HostNN_DefaultTestDeviceProfile();
    p.*refused.flag = false;
    const size_t id = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &p);
    BuildResult r = BuildOn(model_, id, {refused.set});
    EXPECT_EQ(r.setCode, OH_NN_SUCCESS);
    EXPECT_EQ(r.code, OH_NN_OPERATION_FORBIDDEN);
    EXPECT_TRUE(Contains(r.message, std::string("device 'HIAI_F' ") + refused.refusal)) << r.message;
    std::vector<Setter> others;
    for (const Option& o : options)
      if (o.flag != refused.flag) others.push_back(o.set);
    BuildResult rest = BuildOn(model_, id, others);
    EXPECT_EQ(rest.code, OH_NN_SUCCESS) << rest.message;
  }
}

TEST_F(ConformanceTest, DefaultValuesAreNeverRefused) {
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  BuildResult none = BuildOn(model_, hiai, {});  // fp16/performance/priority are applied with their defaults
  EXPECT_EQ(none.code, OH_NN_SUCCESS) << none.message;
  BuildResult defaults =
      BuildOn(model_, hiai,
              {[](OH_NNCompilation* c) { return OH_NNCompilation_SetCache(c, "", 1); },  // an empty path is no cache
               [](OH_NNCompilation* c) { return OH_NNCompilation_EnableFloat16(c, false); },
               [](OH_NNCompilation* c) { return OH_NNCompilation_SetPerformanceMode(c, OH_NN_PERFORMANCE_NONE); },
               [](OH_NNCompilation* c) { return OH_NNCompilation_SetPriority(c, OH_NN_PRIORITY_NONE); },
               [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetTuningMode(c, HIAI_TUNING_MODE_UNSET); },
               [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetBandMode(c, HIAI_BANDMODE_UNSET); },
               [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetOmOptions(c, HIAI_OM_TYPE_OFF, nullptr); }});
  EXPECT_EQ(defaults.setCode, OH_NN_SUCCESS);
  EXPECT_EQ(defaults.code, OH_NN_SUCCESS) << defaults.message;
}

TEST_F(ConformanceTest, HostCpuDeviceRefusesOnlyFloat16) {
  const std::vector<Option> options = OptionsInDeviceOrder(dir_);
  for (const Option& o : options) {
    SCOPED_TRACE(o.name);
    BuildResult r = BuildOn(model_, 0, {o.set});  // 0 = the first device = hostnn_cpu
    if (o.flag == &HostNN_TestDeviceProfile::float16) {
      EXPECT_EQ(r.code, OH_NN_OPERATION_FORBIDDEN);
      EXPECT_TRUE(Contains(r.message, std::string("device 'hostnn_cpu' ") + o.refusal)) << r.message;
    } else {
      EXPECT_EQ(r.code, OH_NN_SUCCESS) << r.message;
    }
  }
}

TEST_F(ConformanceTest, DefaultTestDeviceProfileSupportsEverything) {
  const HostNN_TestDeviceProfile p = HostNN_DefaultTestDeviceProfile();
  EXPECT_TRUE(p.cache && p.float16 && p.performanceMode && p.priority && p.tuning && p.bandMode && p.omOptions &&
              p.offlineModels);
  EXPECT_EQ(p.buildDelayMs, 0u);
}

TEST_F(ConformanceTest, BadCall_OutOfRangeEnumsFailAtBuildAfterTheSupportCheck) {
  SCOPED_TRACE("BAD CALL - out-of-range performance mode, tuning mode, OM type, execute device");
  // Invalid enum values stay inside each enum's representable range: anything else is UB in C++ itself.
  const size_t all = HostNN_RegisterTestDevice("NPU_all", OH_NN_ACCELERATOR);
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  HiAI_ExecuteDevice badDevice[] = {static_cast<HiAI_ExecuteDevice>(3)};
  struct Case {
    const char* what;
    Setter set;
    const char* invalid;           // the message on a device that supports the option
    OH_NN_ReturnCode unsupported;  // the code on a device that supports nothing
  };
  const Case cases[] = {
      {"performance mode 5",
       [](OH_NNCompilation* c) {
         return OH_NNCompilation_SetPerformanceMode(c, static_cast<OH_NN_PerformanceMode>(5));
       },
       "OH_NNCompilation_SetPerformanceMode(5): invalid performance mode", OH_NN_OPERATION_FORBIDDEN},
      {"tuning mode 3",
       [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetTuningMode(c, static_cast<HiAI_TuningMode>(3)); },
       "HMS_HiAIOptions_SetTuningMode(3): invalid tuning mode", OH_NN_OPERATION_FORBIDDEN},
      {"OM type 3",
       [this](OH_NNCompilation* c) {
         return HMS_HiAIOptions_SetOmOptions(c, static_cast<HiAI_OmType>(3), dir_.c_str());
       },
       "HMS_HiAIOptions_SetOmOptions(3): invalid type", OH_NN_OPERATION_FORBIDDEN},
      // No profile flag: the device order is range-checked on every device.
      {"execute device 3", [&](OH_NNCompilation* c) { return HMS_HiAIOptions_SetModelDeviceOrder(c, badDevice, 1); },
       "HMS_HiAIOptions_SetModelDeviceOrder: invalid device 3", OH_NN_INVALID_PARAMETER},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    BuildResult r = BuildOn(model_, all, {k.set});
    EXPECT_EQ(r.setCode, OH_NN_SUCCESS);
    EXPECT_EQ(r.code, OH_NN_INVALID_PARAMETER);
    EXPECT_TRUE(Contains(r.message, k.invalid)) << r.message;
    BuildResult refused = BuildOn(model_, hiai, {k.set});
    EXPECT_EQ(refused.setCode, OH_NN_SUCCESS);
    EXPECT_EQ(refused.code, k.unsupported) << refused.message;
  }
}

// ---------------------------------------------------------------- Build once, device at Build
TEST_F(ConformanceTest, BadCall_SecondBuildIsInvalidParameterEvenAfterAFailedOne) {
  SCOPED_TRACE("BAD CALL - Build twice: after a success, after a refused option");
  Compilation ok(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_Build(ok.get()), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(ok.get()), OH_NN_INVALID_PARAMETER);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "already built")) << HostNN_GetLastErrorMessage();

  // The core creates the compiler before applying the options: a refusal leaves a compilation that cannot build.
  Compilation refused(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_EnableFloat16(refused.get(), true), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(refused.get()), OH_NN_OPERATION_FORBIDDEN);
  ASSERT_EQ(OH_NNCompilation_EnableFloat16(refused.get(), false), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(refused.get()), OH_NN_INVALID_PARAMETER);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "construct a new compilation")) << HostNN_GetLastErrorMessage();
  EXPECT_EQ(OH_NNExecutor_Construct(refused.get()), nullptr);
}

TEST_F(ConformanceTest, BadCall_PerformanceAndPriorityAfterBuildGoToTheDevice) {
  SCOPED_TRACE("BAD CALL - SetPerformanceMode/SetPriority after Build on a device that supports neither");
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_SetDevice(c.get(), hiai), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  // The core hands these two to the existing compiler, which checks them at once; the others only record.
  EXPECT_EQ(OH_NNCompilation_SetPerformanceMode(c.get(), OH_NN_PERFORMANCE_HIGH), OH_NN_OPERATION_FORBIDDEN);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "device 'HIAI_F' does not support performance modes"));
  EXPECT_EQ(OH_NNCompilation_SetPriority(c.get(), OH_NN_PRIORITY_LOW), OH_NN_OPERATION_FORBIDDEN);
  EXPECT_EQ(OH_NNCompilation_SetPriority(c.get(), OH_NN_PRIORITY_NONE), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_EnableFloat16(c.get(), true), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), "/nonexistent", 1), OH_NN_SUCCESS);
}

TEST_F(ConformanceTest, BadCall_UnknownDeviceIdIsAcceptedBySetDeviceAndFailsAtBuild) {
  SCOPED_TRACE("BAD CALL - SetDevice(424242)");
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), 424242), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_FAILED);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "no device with ID 424242 (OH_NNCompilation_SetDevice)"))
      << HostNN_GetLastErrorMessage();
  // No compiler was created (the core's CreateCompiler failed), so the same compilation may build on a real device.
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), 0), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
}

TEST_F(ConformanceTest, BadCall_BackendWithoutOfflineModelsRefusesBufferAndFile) {
  SCOPED_TRACE("BAD CALL - offline model buffer/file on a device whose backend builds no offline model");
  HostNN_TestDeviceProfile open = HostNN_DefaultTestDeviceProfile();
  open.offlineModels = false;
  const size_t cpu = HostNN_RegisterTestDeviceWithProfile("NNRt_CPU", OH_NN_CPU, &open);
  const std::string path = dir_ + "/model.onnx";
  std::ofstream(path, std::ios::binary) << model_;
  Compilation buffer(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  Compilation file(OH_NNCompilation_ConstructWithOfflineModelFile(path.c_str()));
  for (OH_NNCompilation* c : {buffer.get(), file.get()}) {
    ASSERT_EQ(OH_NNCompilation_SetDevice(c, cpu), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(c), OH_NN_FAILED);
    EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "only support build NN model and NN model cache"))
        << HostNN_GetLastErrorMessage();
    EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "'NNRt_CPU'")) << HostNN_GetLastErrorMessage();
    EXPECT_EQ(OH_NNCompilation_Build(c), OH_NN_FAILED);  // no compiler was created: the same refusal again
  }
  // The same bytes build on the host CPU device and on a test device that takes offline models.
  Compilation onHost(OH_NNCompilation_ConstructWithOfflineModelFile(path.c_str()));
  EXPECT_EQ(OH_NNCompilation_Build(onHost.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  const size_t hiai = HostNN_RegisterTestDevice("HIAI_F", OH_NN_ACCELERATOR);
  EXPECT_EQ(BuildOn(model_, hiai, {}).code, OH_NN_SUCCESS);
  // A compilation for a cache is not an offline model: it gets past the backend (the host then has no cache).
  Compilation forCache(OH_NNCompilation_ConstructForCache());
  ASSERT_EQ(OH_NNCompilation_SetDevice(forCache.get(), cpu), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(forCache.get()), OH_NN_UNSUPPORTED);
  std::remove(path.c_str());
}

// ---------------------------------------------------------------- SetCache borrows the caller's string
TEST_F(ConformanceTest, SetCacheStringIsReadAtBuild) {
  char path[256];
  // Set to a path that is no dir, changed to a writable dir before Build: builds.
  std::snprintf(path, sizeof path, "%s", "/nonexistent/cache");
  Compilation c1(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_SetCache(c1.get(), path, 1), OH_NN_SUCCESS);
  std::snprintf(path, sizeof path, "%s", dir_.c_str());
  EXPECT_EQ(OH_NNCompilation_Build(c1.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  // And the other way round: the path Build reports is the one in the buffer at Build.
  Compilation c2(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_SetCache(c2.get(), path, 1), OH_NN_SUCCESS);
  std::snprintf(path, sizeof path, "%s", "/nonexistent/changed");
  EXPECT_EQ(OH_NNCompilation_Build(c2.get()), OH_NN_INVALID_PATH);
  EXPECT_TRUE(Contains(HostNN_GetLastErrorMessage(), "'/nonexistent/changed'")) << HostNN_GetLastErrorMessage();
  // On a device without a cache, an empty string at Set that is a path at Build is refused.
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  path[0] = '\0';
  Compilation c3(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
  ASSERT_EQ(OH_NNCompilation_SetDevice(c3.get(), hiai), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNCompilation_SetCache(c3.get(), path, 1), OH_NN_SUCCESS);
  std::snprintf(path, sizeof path, "%s", dir_.c_str());
  EXPECT_EQ(OH_NNCompilation_Build(c3.get()), OH_NN_OPERATION_FORBIDDEN);
}

#if defined(__SANITIZE_ADDRESS__)
// Only in the AddressSanitizer build: a cache path freed between SetCache and Build is read by Build, as on the
// device, so the sanitizer reports it.
TEST_F(ConformanceTest, BadCall_CachePathFreedBeforeBuildIsAUseAfterFree) {
  SCOPED_TRACE("BAD CALL - SetCache with a string freed before Build");
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
        auto* path = new std::string(dir_ + "/cache_dir_of_a_temporary_string");
        OH_NNCompilation_SetCache(c.get(), path->c_str(), 1);
        delete path;
        OH_NNCompilation_Build(c.get());
      },
      "heap-use-after-free");
}
#endif

// ---------------------------------------------------------------- devices while a Build runs
TEST_F(ConformanceTest, ListingDevicesDuringASlowBuildDoesNotWaitForIt) {
  using Clock = std::chrono::steady_clock;
  HostNN_TestDeviceProfile slow = HostNN_DefaultTestDeviceProfile();
  slow.buildDelayMs = 1500;
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &slow);
  std::atomic<bool> started{false}, finished{false};
  OH_NN_ReturnCode buildCode = OH_NN_FAILED;
  const Clock::time_point t0 = Clock::now();
  std::thread builder([&] {
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model_.data(), model_.size()));
    OH_NNCompilation_SetDevice(c.get(), hiai);
    started = true;
    buildCode = OH_NNCompilation_Build(c.get());
    finished = true;
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the Build is inside its delay now
  const Clock::time_point e0 = Clock::now();
  int listed = 0;
  for (int round = 0; round < 20; ++round) {
    const size_t* ids = nullptr;
    uint32_t count = 0;
    ASSERT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_SUCCESS);
    ASSERT_EQ(count, 2u);
    for (uint32_t i = 0; i < count; ++i) {
      const char* name = nullptr;
      OH_NN_DeviceType type = OH_NN_OTHERS;
      ASSERT_EQ(OH_NNDevice_GetName(ids[i], &name), OH_NN_SUCCESS);
      ASSERT_EQ(OH_NNDevice_GetType(ids[i], &type), OH_NN_SUCCESS);
      ++listed;
    }
  }
  const auto listingMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - e0).count();
  const bool buildRunning = !finished;
  builder.join();
  const auto buildMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_EQ(listed, 40);
  EXPECT_TRUE(buildRunning) << "the Build had finished before the devices were listed";
  EXPECT_LT(listingMs, 750) << "listing devices waited for the Build";
  EXPECT_GE(buildMs, 1500) << "buildDelayMs was not honoured";
  EXPECT_EQ(buildCode, OH_NN_SUCCESS);
}

TEST_F(ConformanceTest, ResetTestDevicesRemovesDevicesAndTheirProfiles) {
  const HostNN_TestDeviceProfile nothing = SupportsNothing();
  const size_t hiai = HostNN_RegisterTestDeviceWithProfile("HIAI_F", OH_NN_ACCELERATOR, &nothing);
  const Setter fp16 = [](OH_NNCompilation* c) { return OH_NNCompilation_EnableFloat16(c, true); };
  EXPECT_EQ(BuildOn(model_, hiai, {fp16}).code, OH_NN_OPERATION_FORBIDDEN);
  HostNN_ResetTestDevices();
  const size_t* ids = nullptr;
  uint32_t count = 0;
  ASSERT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_SUCCESS);
  ASSERT_EQ(count, 1u);
  const char* name = nullptr;
  ASSERT_EQ(OH_NNDevice_GetName(ids[0], &name), OH_NN_SUCCESS);
  EXPECT_STREQ(name, HOSTNN_CPU_DEVICE_NAME);
  name = nullptr;
  EXPECT_EQ(OH_NNDevice_GetName(hiai, &name), OH_NN_FAILED);
  BuildResult gone = BuildOn(model_, hiai, {});
  EXPECT_EQ(gone.code, OH_NN_FAILED);
  EXPECT_TRUE(Contains(gone.message, "no device with ID " + std::to_string(hiai))) << gone.message;
  // The ID comes back with the new device's profile, not the removed one's.
  const size_t again = HostNN_RegisterTestDevice("HIAI_F", OH_NN_ACCELERATOR);
  EXPECT_EQ(again, hiai);
  EXPECT_EQ(BuildOn(model_, again, {fp16}).code, OH_NN_SUCCESS);
}
