// API behaviour of the host NN runtime: devices, compilation options, tensors/fd sharing, RunSync checks,
// bad model bytes. Bad-call cases are named BadCall_* and traced as "BAD CALL - ...".
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "CANNKit/hiai_helper.h"
#include "CANNKit/hiai_options.h"
#include "onnx_builder.h"
#include "test_util.h"

using namespace hostnn_test;

namespace {

Desc MakeDesc(OH_NN_DataType t, std::vector<int32_t> shape) {
  Desc d(OH_NNTensorDesc_Create());
  OH_NNTensorDesc_SetDataType(d.get(), t);
  OH_NNTensorDesc_SetShape(d.get(), shape.data(), shape.size());
  return d;
}

std::string TempDir() {
  char tmpl[] = "/tmp/hostnn_test_XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "";
}

}  // namespace

// ---------------------------------------------------------------- devices
TEST(DevicesTest, OneCpuDeviceNamedHostnnCpu) {
  HostNN_ResetTestDevices();
  const size_t* ids = nullptr;
  uint32_t count = 0;
  ASSERT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_SUCCESS);
  ASSERT_EQ(count, 1u);
  const char* name = nullptr;
  ASSERT_EQ(OH_NNDevice_GetName(ids[0], &name), OH_NN_SUCCESS);
  EXPECT_STREQ(name, "hostnn_cpu");
  OH_NN_DeviceType type = OH_NN_OTHERS;
  ASSERT_EQ(OH_NNDevice_GetType(ids[0], &type), OH_NN_SUCCESS);
  EXPECT_EQ(type, OH_NN_CPU);
  const char* first = nullptr;
  ASSERT_EQ(OH_NNDevice_GetName(0, &first), OH_NN_SUCCESS);  // 0 = the first device
  EXPECT_STREQ(first, "hostnn_cpu");
}

TEST(DevicesTest, RegisteredTestDevicesAreListedAndUsable) {
  HostNN_ResetTestDevices();
  const char* cpuName = nullptr;
  ASSERT_EQ(OH_NNDevice_GetName(0, &cpuName), OH_NN_SUCCESS);
  size_t npu = HostNN_RegisterTestDevice("NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR);
  size_t hiai = HostNN_RegisterTestDevice("HIAI_F", OH_NN_ACCELERATOR);
  for (int i = 0; i < 20; ++i) HostNN_RegisterTestDevice("extra", OH_NN_GPU);  // names handed out stay valid
  EXPECT_STREQ(cpuName, "hostnn_cpu");
  const size_t* ids = nullptr;
  uint32_t count = 0;
  ASSERT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_SUCCESS);
  ASSERT_EQ(count, 23u);
  EXPECT_EQ(ids[1], npu);
  EXPECT_EQ(ids[2], hiai);
  const char* name = nullptr;
  ASSERT_EQ(OH_NNDevice_GetName(hiai, &name), OH_NN_SUCCESS);
  EXPECT_STREQ(name, "HIAI_F");
  OH_NN_DeviceType type = OH_NN_OTHERS;
  ASSERT_EQ(OH_NNDevice_GetType(npu, &type), OH_NN_SUCCESS);
  EXPECT_EQ(type, OH_NN_ACCELERATOR);
  // A model built on a test device runs on the CPU backend.
  std::string model = TinyModel();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_EQ(OH_NNCompilation_SetDevice(c.get(), hiai), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  HostNN_ResetTestDevices();
  ids = nullptr;
  ASSERT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_SUCCESS);
  EXPECT_EQ(count, 1u);
}

TEST(DevicesTest, BadCall_DeviceQueries) {
  SCOPED_TRACE("BAD CALL - device queries with non-NULL out pointers, NULLs, unknown IDs");
  const size_t dummy = 5;
  const size_t* ids = &dummy;
  uint32_t count = 0;
  EXPECT_EQ(OH_NNDevice_GetAllDevicesID(&ids, &count), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNDevice_GetAllDevicesID(nullptr, &count), OH_NN_INVALID_PARAMETER);
  ids = nullptr;
  EXPECT_EQ(OH_NNDevice_GetAllDevicesID(&ids, nullptr), OH_NN_INVALID_PARAMETER);
  const char* name = "preset";
  EXPECT_EQ(OH_NNDevice_GetName(0, &name), OH_NN_INVALID_PARAMETER);
  name = nullptr;
  EXPECT_EQ(OH_NNDevice_GetName(987654, &name), OH_NN_FAILED);  // the core finds no name for the ID
  EXPECT_EQ(name, nullptr);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("987654"), std::string::npos);
  OH_NN_DeviceType type;
  EXPECT_EQ(OH_NNDevice_GetType(987654, &type), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNDevice_GetType(0, nullptr), OH_NN_INVALID_PARAMETER);
}

TEST(VersionTest, ReportsNoNpu) {
  std::string v = HMS_HiAI_GetVersion();
  ASSERT_EQ(v.size(), 15u);
  EXPECT_EQ(v[4], '0') << "X1 must be 0 on the host (no NPU): " << v;
}

// ---------------------------------------------------------------- compilation options
TEST(OptionsTest, RecordedAndBuildSucceeds) {
  std::string model = TinyModel();
  std::string dir = TempDir();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_TRUE(c);
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), 0), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPerformanceMode(c.get(), OH_NN_PERFORMANCE_HIGH), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPriority(c.get(), OH_NN_PRIORITY_MEDIUM), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), dir.c_str(), 1), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_EnableFloat16(c.get(), false), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningMode(c.get(), HIAI_TUNING_MODE_HETER), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), dir.c_str()), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetBandMode(c.get(), HIAI_BANDMODE_HIGH), OH_NN_SUCCESS);
  HiAI_ExecuteDevice order[] = {HIAI_EXECUTE_DEVICE_NPU, HIAI_EXECUTE_DEVICE_CPU};
  EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(c.get(), order, 2), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), HIAI_OM_TYPE_PROFILING, dir.c_str()), OH_NN_SUCCESS);
  const char ext[] = "1";
  EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "isProfiling", ext, 1), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_GetTuningMode(c.get()), HIAI_TUNING_MODE_HETER);
  EXPECT_STREQ(HMS_HiAIOptions_GetTuningCacheDir(c.get()), dir.c_str());
  EXPECT_EQ(HMS_HiAIOptions_GetBandMode(c.get()), HIAI_BANDMODE_HIGH);
  ASSERT_EQ(HMS_HiAIOptions_GetModelDeviceCount(c.get()), 2u);
  EXPECT_EQ(HMS_HiAIOptions_GetModelDeviceOrder(c.get())[1], HIAI_EXECUTE_DEVICE_CPU);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  rmdir(dir.c_str());
}

TEST(OptionsTest, BadCall_TuningWithoutCacheDirFailsAtBuild) {
  SCOPED_TRACE("BAD CALL - HMS_HiAIOptions_SetTuningMode(AUTO) without SetTuningCacheDir");
  std::string model = TinyModel();
  for (HiAI_TuningMode mode : {HIAI_TUNING_MODE_AUTO, HIAI_TUNING_MODE_HETER}) {
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    ASSERT_EQ(HMS_HiAIOptions_SetTuningMode(c.get(), mode), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER);
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("SetTuningCacheDir"), std::string::npos);
    // That Build got its compiler: as on the device, the compilation cannot be built again, even with the dir.
    std::string dir = TempDir();
    ASSERT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), dir.c_str()), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER);
    // A new compilation with the dir builds.
    Compilation fresh(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    ASSERT_EQ(HMS_HiAIOptions_SetTuningMode(fresh.get(), mode), OH_NN_SUCCESS);
    ASSERT_EQ(HMS_HiAIOptions_SetTuningCacheDir(fresh.get(), dir.c_str()), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(fresh.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
    rmdir(dir.c_str());
  }
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  HMS_HiAIOptions_SetTuningMode(c.get(), HIAI_TUNING_MODE_AUTO);
  HMS_HiAIOptions_SetTuningCacheDir(c.get(), "/nonexistent/hostnn");
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("/nonexistent/hostnn"), std::string::npos);
}

TEST(OptionsTest, BadCall_SettersAfterBuildOnlyRecordAndBuildAgainIsRefused) {
  SCOPED_TRACE("BAD CALL - every Set* after Build, then a second Build");
  std::string model = TinyModel();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS);
  HiAI_ExecuteDevice order[] = {HIAI_EXECUTE_DEVICE_CPU};
  const char ext[] = "1";
  // The core records them (performance mode and priority go to the built compiler, which the CPU device accepts).
  EXPECT_EQ(OH_NNCompilation_SetDevice(c.get(), 0), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), "/tmp", 1), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPerformanceMode(c.get(), OH_NN_PERFORMANCE_LOW), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_SetPriority(c.get(), OH_NN_PRIORITY_LOW), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_EnableFloat16(c.get(), false), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "ModelName", ext, 1), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningMode(c.get(), HIAI_TUNING_MODE_AUTO), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), "/tmp"), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetBandMode(c.get(), HIAI_BANDMODE_LOW), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(c.get(), order, 1), OH_NN_SUCCESS);
  EXPECT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), HIAI_OM_TYPE_OFF, nullptr), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("already built"), std::string::npos);
  Executor e(OH_NNExecutor_Construct(c.get()));  // the first Build's result is intact
  EXPECT_TRUE(e) << HostNN_GetLastErrorMessage();
}

TEST(OptionsTest, BadCall_InvalidValues) {
  SCOPED_TRACE("BAD CALL - NULLs at Set time; out-of-range enums, bad paths and fp16 on the CPU device at Build");
  // Invalid enum values stay inside each enum's representable range: anything else is UB in C++ itself.
  std::string model = TinyModel();
  {
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    HiAI_ExecuteDevice order[] = {HIAI_EXECUTE_DEVICE_CPU};
    EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(c.get(), nullptr, 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(HMS_HiAIOptions_SetModelDeviceOrder(c.get(), order, 0), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(HMS_HiAIOptions_SetTuningCacheDir(c.get(), nullptr), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNCompilation_SetCache(c.get(), nullptr, 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "", "1", 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "ModelName", "1", 0), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "ModelName", "1", 1), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_AddExtensionConfig(c.get(), "ModelName", "2", 1), OH_NN_FAILED);  // as the core
    EXPECT_EQ(OH_NNCompilation_Build(nullptr), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNCompilation_ConstructWithOfflineModelBuffer(nullptr, 10), nullptr);
    EXPECT_EQ(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), 0), nullptr);
    EXPECT_EQ(OH_NNCompilation_ConstructWithOfflineModelFile(nullptr), nullptr);
    EXPECT_EQ(OH_NNExecutor_Construct(c.get()), nullptr);  // not built yet
    EXPECT_EQ(HMS_HiAIOptions_GetTuningMode(nullptr), HIAI_TUNING_MODE_UNSET);
    EXPECT_EQ(HMS_HiAIOptions_GetTuningCacheDir(c.get()), nullptr);
    // The rejected calls left the compilation usable.
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  }
  // Each of these is accepted when set and fails the Build that applies it.
  struct Case {
    const char* what;
    std::function<OH_NN_ReturnCode(OH_NNCompilation*)> set;
    OH_NN_ReturnCode build;
    const char* message;
  };
  HiAI_ExecuteDevice badDevice[] = {static_cast<HiAI_ExecuteDevice>(3)};
  const Case cases[] = {
      {"performance mode 5",
       [](OH_NNCompilation* c) {
         return OH_NNCompilation_SetPerformanceMode(c, static_cast<OH_NN_PerformanceMode>(5));
       },
       OH_NN_INVALID_PARAMETER, "OH_NNCompilation_SetPerformanceMode(5): invalid performance mode"},
      {"tuning mode 3",
       [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetTuningMode(c, static_cast<HiAI_TuningMode>(3)); },
       OH_NN_INVALID_PARAMETER, "HMS_HiAIOptions_SetTuningMode(3): invalid tuning mode"},
      {"OM type 3",
       [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetOmOptions(c, static_cast<HiAI_OmType>(3), "/tmp"); },
       OH_NN_INVALID_PARAMETER, "HMS_HiAIOptions_SetOmOptions(3): invalid type"},
      {"OM dump without a dir",
       [](OH_NNCompilation* c) { return HMS_HiAIOptions_SetOmOptions(c, HIAI_OM_TYPE_DUMP, nullptr); },
       OH_NN_INVALID_PARAMETER, "(HMS_HiAIOptions_SetOmOptions) is not a writable directory"},
      {"execute device 3", [&](OH_NNCompilation* c) { return HMS_HiAIOptions_SetModelDeviceOrder(c, badDevice, 1); },
       OH_NN_INVALID_PARAMETER, "SetModelDeviceOrder: invalid device 3"},
      {"a cache dir that does not exist",
       [](OH_NNCompilation* c) { return OH_NNCompilation_SetCache(c, "/nonexistent/cache", 1); }, OH_NN_INVALID_PATH,
       "cache dir '/nonexistent/cache' (OH_NNCompilation_SetCache) is not a writable directory"},
      {"fp16 on the CPU device", [](OH_NNCompilation* c) { return OH_NNCompilation_EnableFloat16(c, true); },
       OH_NN_OPERATION_FORBIDDEN,
       "device 'hostnn_cpu' does not support float16 precision (OH_NNCompilation_EnableFloat16(true))"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    EXPECT_EQ(k.set(c.get()), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), k.build);
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find(k.message), std::string::npos)
        << HostNN_GetLastErrorMessage();
  }
  Compilation cache(OH_NNCompilation_ConstructForCache());
  EXPECT_EQ(OH_NNCompilation_Build(cache.get()), OH_NN_UNSUPPORTED);
}

TEST(CompilationTest, ModelFileConstruction) {
  std::string model = TinyModel();
  std::string path = "/tmp/hostnn_test_model_" + std::to_string(getpid()) + ".onnx";
  std::ofstream(path, std::ios::binary) << model;
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelFile(path.c_str()));
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  std::remove(path.c_str());
  Compilation missing(OH_NNCompilation_ConstructWithOfflineModelFile("/nonexistent/m.onnx"));
  EXPECT_EQ(OH_NNCompilation_Build(missing.get()), OH_NN_INVALID_PATH);
  EXPECT_EQ(HMS_HiAICompatibility_CheckFromFile("/nonexistent/m.onnx"), HIAI_COMPATIBILITY_INCOMPATIBLE);
}

// A model path naming a device or a FIFO is refused before anything is read: /dev/zero used to be read until the
// allocation failed (CheckFromFile then terminated the process), a FIFO with no writer blocked for ever.
TEST(CompilationTest, BadCall_ModelFileThatIsNotARegularFileFailsPromptly) {
  const std::string fifo = "/tmp/hostnn_test_fifo_" + std::to_string(getpid());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    const auto start = std::chrono::steady_clock::now();
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelFile(path.c_str()));
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_FILE) << path;
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("not a regular file"), std::string::npos)
        << HostNN_GetLastErrorMessage();
    EXPECT_EQ(HMS_HiAICompatibility_CheckFromFile(path.c_str()), HIAI_COMPATIBILITY_INCOMPATIBLE) << path;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0) << path;
  }
  std::remove(fifo.c_str());
}

// ---------------------------------------------------------------- bad model bytes
namespace {
void ExpectInvalidFile(const std::string& bytes, const std::string& what, const std::string& messagePart) {
  SCOPED_TRACE("BAD CALL - build from " + what);
  std::string err;
  Executor e;
  EXPECT_EQ(BuildModel(bytes, &e, &err), OH_NN_INVALID_FILE) << err;
  EXPECT_NE(err.find(messagePart), std::string::npos) << err;
  EXPECT_EQ(HMS_HiAICompatibility_CheckFromBuffer(bytes.data(), bytes.size()), HIAI_COMPATIBILITY_INCOMPATIBLE);
}
}  // namespace

TEST(ModelsTest, BadCall_CorruptOrForeignBytesAreInvalidFile) {
  std::string good = TinyModel();
  EXPECT_EQ(HMS_HiAICompatibility_CheckFromBuffer(good.data(), good.size()), HIAI_COMPATIBILITY_COMPATIBLE);
  ExpectInvalidFile(std::string(1, '\x08'), "1 byte", "invalid ONNX model");
  for (size_t cut : {good.size() / 10, good.size() / 2, good.size() * 9 / 10, good.size() - 1})
    ExpectInvalidFile(good.substr(0, cut), "truncated at " + std::to_string(cut), "invalid ONNX model");
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937 g(seed);
    std::string junk(512 + seed * 100, '\0');
    for (auto& ch : junk) ch = static_cast<char>(g());
    ExpectInvalidFile(junk, "random bytes seed " + std::to_string(seed), "invalid ONNX model");
  }
  static const char kPngHeader[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0";
  std::string png(kPngHeader, sizeof kPngHeader - 1);
  png += std::string(200, '\x7f');
  ExpectInvalidFile(png, "a PNG file", "invalid ONNX model");
  // Synthetic CANN offline model: 256-byte ModelFileHeader starting with magic 0x444F4D49 (little-endian "IMOD").
  std::string om(256 + 1024, '\0');
  const uint32_t magic = 0x444F4D49u;
  std::memcpy(&om[0], &magic, 4);
  ExpectInvalidFile(om, "an .om header",
                    "this is a CANN offline model (.om); it needs the HIAI_F NPU; use the ONNX model on the host");
}

TEST(ModelsTest, BadCall_UnsupportedOpNamesOpAndNode) {
  SCOPED_TRACE("BAD CALL - model with a Resize node");
  OnnxBuilder b;
  b.Input("x", {1, 3, 4, 4});
  b.InitF("scales", {4}, {1, 1, 2, 2});
  b.Node("Resize", {"x", "", "scales"}, {"y"}, "resize_1");
  b.Output("y");
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_UNSUPPORTED);
  EXPECT_NE(err.find("unsupported op 'Resize' (node 'resize_1')"), std::string::npos) << err;
}

TEST(ModelsTest, BadCall_DynamicInputDimFailsAtBuild) {
  SCOPED_TRACE("BAD CALL - model input with a symbolic batch dim");
  OnnxBuilder b;
  b.Input("x", {-1, 3, 4, 4});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_DYNAMIC_SHAPE);
  EXPECT_NE(err.find("model input 'x' has a dynamic dim"), std::string::npos) << err;
  EXPECT_NE(err.find("give a fixed input shape"), std::string::npos) << err;
  // With HMS_HiAIOptions_SetInputTensorShapes the same model builds with that shape.
  std::string model = b.Bytes();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  Desc wrongRank = MakeDesc(OH_NN_FLOAT32, {2, 3, 4});
  NN_TensorDesc* bad[] = {wrongRank.get()};
  ASSERT_EQ(HMS_HiAIOptions_SetInputTensorShapes(c.get(), bad, 1), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("wrong rank"), std::string::npos);
  Desc fixed = MakeDesc(OH_NN_FLOAT32, {2, 3, 4, 4});
  NN_TensorDesc* good[] = {fixed.get()};
  Compilation fixedC(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_EQ(HMS_HiAIOptions_SetInputTensorShapes(fixedC.get(), good, 1), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNCompilation_Build(fixedC.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  Executor e(OH_NNExecutor_Construct(fixedC.get()));
  Desc in(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0));
  size_t bytes = 0;
  ASSERT_EQ(OH_NNTensorDesc_GetByteSize(in.get(), &bytes), OH_NN_SUCCESS);
  EXPECT_EQ(bytes, 2u * 3 * 4 * 4 * 4);
}

TEST(ModelsTest, BadCall_InconsistentGraphsAreRejected) {
  SCOPED_TRACE("BAD CALL - shape mismatches, undefined tensors, wrong initializer sizes, unsupported opset");
  {
    OnnxBuilder b;
    b.Input("x", {1, 3, 4, 4});
    b.InitF("w", {8, 4, 3, 3}, std::vector<float>(8 * 4 * 9, 0.f));  // 4 input channels vs 3
    b.Node("Conv", {"x", "w"}, {"y"}, "conv_bad");
    b.Output("y");
    std::string err;
    EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_INVALID_FILE);
    EXPECT_NE(err.find("conv_bad"), std::string::npos) << err;
  }
  {
    OnnxBuilder b;
    b.Input("x", {1, 4});
    b.Node("Relu", {"nowhere"}, {"y"}, "relu_bad");
    b.Output("y");
    std::string err;
    EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_INVALID_FILE);
    EXPECT_NE(err.find("'nowhere'"), std::string::npos) << err;
  }
  {
    OnnxBuilder b;
    b.Input("x", {2, 4});
    b.InitF("w", {4, 3}, std::vector<float>(5, 0.f));  // 5 values for 12
    b.Node("MatMul", {"x", "w"}, {"y"});
    b.Output("y");
    std::string err;
    EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_INVALID_FILE);
    EXPECT_NE(err.find("initializer 'w'"), std::string::npos) << err;
  }
  for (const auto& dims : {std::vector<int64_t>{1, 0, 4}, std::vector<int64_t>{1 << 20, 1 << 20, 1 << 20, 1 << 20}}) {
    OnnxBuilder b;
    b.Input("x", dims);
    b.Node("Relu", {"x"}, {"y"});
    b.Output("y");
    std::string err;
    EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_UNSUPPORTED);
    EXPECT_NE(err.find(dims[1] == 0 ? "zero dimension" : "too large"), std::string::npos) << err;
  }
  {
    OnnxBuilder b(9);
    b.Input("x", {2, 4});
    b.Node("Relu", {"x"}, {"y"});
    b.Output("y");
    std::string err;
    EXPECT_EQ(BuildModel(b.Bytes(), nullptr, &err), OH_NN_UNSUPPORTED);
    EXPECT_NE(err.find("opset 9"), std::string::npos) << err;
  }
}

// ---------------------------------------------------------------- tensor descs and tensors
TEST(TensorsTest, DescAccessors) {
  Desc d = MakeDesc(OH_NN_FLOAT32, {1, 3, 4, 5});
  ASSERT_EQ(OH_NNTensorDesc_SetName(d.get(), "input"), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNTensorDesc_SetFormat(d.get(), OH_NN_FORMAT_NCHW), OH_NN_SUCCESS);
  const char* name = nullptr;
  ASSERT_EQ(OH_NNTensorDesc_GetName(d.get(), &name), OH_NN_SUCCESS);
  EXPECT_STREQ(name, "input");
  int32_t* shape = nullptr;
  size_t len = 0;
  ASSERT_EQ(OH_NNTensorDesc_GetShape(d.get(), &shape, &len), OH_NN_SUCCESS);
  ASSERT_EQ(len, 4u);
  EXPECT_EQ(shape[3], 5);
  size_t count = 0, bytes = 0;
  ASSERT_EQ(OH_NNTensorDesc_GetElementCount(d.get(), &count), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNTensorDesc_GetByteSize(d.get(), &bytes), OH_NN_SUCCESS);
  EXPECT_EQ(count, 60u);
  EXPECT_EQ(bytes, 240u);
  OH_NN_Format f;
  ASSERT_EQ(OH_NNTensorDesc_GetFormat(d.get(), &f), OH_NN_SUCCESS);
  EXPECT_EQ(f, OH_NN_FORMAT_NCHW);
}

TEST(TensorsTest, BadCall_DescMisuse) {
  SCOPED_TRACE("BAD CALL - desc getters with preset out pointers, dynamic shapes, NULLs");
  Desc d = MakeDesc(OH_NN_INT8, {1, -1, 4});
  size_t bytes = 7;
  EXPECT_EQ(OH_NNTensorDesc_GetByteSize(d.get(), &bytes), OH_NN_SUCCESS);  // as the device: 0 for a dynamic shape
  EXPECT_EQ(bytes, 0u);
  size_t count = 7;
  EXPECT_EQ(OH_NNTensorDesc_GetElementCount(d.get(), &count), OH_NN_DYNAMIC_SHAPE);
  EXPECT_EQ(count, 0u);
  Desc zero = MakeDesc(OH_NN_INT8, {1, 0, 4});  // the device counts a 0 dim as dynamic too
  count = 7;
  EXPECT_EQ(OH_NNTensorDesc_GetElementCount(zero.get(), &count), OH_NN_DYNAMIC_SHAPE);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(OH_NNTensor_Create(0, d.get()), nullptr);
  int32_t preset = 1;
  int32_t* shape = &preset;
  size_t len = 0;
  EXPECT_EQ(OH_NNTensorDesc_GetShape(d.get(), &shape, &len), OH_NN_INVALID_PARAMETER);
  const char* name = "x";
  EXPECT_EQ(OH_NNTensorDesc_GetName(d.get(), &name), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNTensorDesc_SetShape(d.get(), nullptr, 2), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNTensorDesc_SetDataType(d.get(), static_cast<OH_NN_DataType>(13)), OH_NN_INVALID_PARAMETER);
  NN_TensorDesc* nullDesc = nullptr;
  EXPECT_EQ(OH_NNTensorDesc_Destroy(&nullDesc), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNTensor_Create(0, nullptr), nullptr);
}

TEST(TensorsTest, FdRoundTripSharesMemory) {
  Desc d = MakeDesc(OH_NN_FLOAT32, {4, 1024});  // 16 KiB
  Tensor owner(OH_NNTensor_Create(0, d.get()));
  ASSERT_TRUE(owner) << HostNN_GetLastErrorMessage();
  int fd = -1;
  size_t size = 0, offset = 99;
  ASSERT_EQ(OH_NNTensor_GetFd(owner.get(), &fd), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNTensor_GetSize(owner.get(), &size), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNTensor_GetOffset(owner.get(), &offset), OH_NN_SUCCESS);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(size, 16384u);
  EXPECT_EQ(offset, 0u);
  Tensor borrower(OH_NNTensor_CreateWithFd(0, d.get(), fd, size, 0));
  ASSERT_TRUE(borrower) << HostNN_GetLastErrorMessage();
  auto* a = static_cast<float*>(OH_NNTensor_GetDataBuffer(owner.get()));
  auto* b = static_cast<float*>(OH_NNTensor_GetDataBuffer(borrower.get()));
  ASSERT_NE(a, b);  // two mappings of one memfd
  a[7] = 3.5f;
  EXPECT_EQ(b[7], 3.5f);
  b[4095] = -1.25f;
  EXPECT_EQ(a[4095], -1.25f);
  // The borrower's desc is a copy: the caller's desc may go.
  d.reset();
  NN_TensorDesc* inner = OH_NNTensor_GetTensorDesc(borrower.get());
  size_t bytes = 0;
  ASSERT_EQ(OH_NNTensorDesc_GetByteSize(inner, &bytes), OH_NN_SUCCESS);
  EXPECT_EQ(bytes, 16384u);
  // As on the device, CreateWithFd maps `size` bytes at file offset `offset` (page-aligned) and the data
  // buffer starts there; size - offset must cover the byte size.
  Desc page = MakeDesc(OH_NN_FLOAT32, {1024});
  Tensor upper(OH_NNTensor_CreateWithFd(0, page.get(), fd, 8192, 4096));
  ASSERT_TRUE(upper) << HostNN_GetLastErrorMessage();
  a[1024 + 6] = 9.f;
  EXPECT_EQ(static_cast<float*>(OH_NNTensor_GetDataBuffer(upper.get()))[6], 9.f);
  ASSERT_EQ(OH_NNTensor_GetOffset(upper.get(), &offset), OH_NN_SUCCESS);
  EXPECT_EQ(offset, 4096u);
  // Destroying borrowers unmaps but never closes the owner's fd.
  borrower.reset();
  upper.reset();
  EXPECT_NE(fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(a[7], 3.5f);
  owner.reset();
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);  // the owner closed it
}

TEST(TensorsTest, BadCall_CreateWithFdChecks) {
  SCOPED_TRACE("BAD CALL - CreateWithFd with bad fd/size/offset");
  Desc d = MakeDesc(OH_NN_FLOAT32, {1024});  // 4096 bytes
  Desc big = MakeDesc(OH_NN_FLOAT32, {8192});
  Tensor owner(OH_NNTensor_Create(0, big.get()));
  int fd = -1;
  OH_NNTensor_GetFd(owner.get(), &fd);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, nullptr, fd, 4096, 0), nullptr);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), -1, 4096, 0), nullptr);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), fd, 0, 0), nullptr);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), fd, 4096, 8192), nullptr);  // size < offset
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), fd, 4095, 0), nullptr);     // below byte size
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("byte size"), std::string::npos);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), fd, 8192, 100), nullptr);  // not page-aligned
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("page"), std::string::npos);
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), fd, 65536, 0), nullptr);     // past the end of the memfd
  EXPECT_EQ(OH_NNTensor_CreateWithFd(0, d.get(), 987, 4096, 0), nullptr);     // not an open fd
  EXPECT_EQ(OH_NNTensor_CreateWithFd(31337, d.get(), fd, 4096, 0), nullptr);  // unknown device
  NN_Tensor* nullTensor = nullptr;
  EXPECT_EQ(OH_NNTensor_Destroy(&nullTensor), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNTensor_Destroy(nullptr), OH_NN_INVALID_PARAMETER);
  int got = 0;
  EXPECT_EQ(OH_NNTensor_GetFd(nullptr, &got), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(OH_NNTensor_GetDataBuffer(nullptr), nullptr);
}

TEST(TensorsTest, BadCall_AllocationCapIsOneGiB) {
  SCOPED_TRACE("BAD CALL - tensors above the 1 GiB allocation limit");
  Desc d = MakeDesc(OH_NN_FLOAT32, {1024, 1024, 257});  // 1 GiB + 4 MiB
  EXPECT_EQ(OH_NNTensor_Create(0, d.get()), nullptr);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("1 GiB"), std::string::npos);
  Desc small = MakeDesc(OH_NN_INT8, {16});
  EXPECT_EQ(OH_NNTensor_CreateWithSize(0, small.get(), (size_t{1} << 30) + 1), nullptr);
  EXPECT_EQ(OH_NNTensor_CreateWithSize(0, small.get(), 8), nullptr);  // below the byte size
  Tensor ok(OH_NNTensor_CreateWithSize(0, small.get(), 4096));
  ASSERT_TRUE(ok);
  size_t size = 0;
  OH_NNTensor_GetSize(ok.get(), &size);
  EXPECT_EQ(size, 4096u);
}

// ---------------------------------------------------------------- executor and RunSync
TEST(ExecutorTest, OutlivesCompilationAndModelBuffer) {
  Executor e;
  {
    std::string model = TinyModel();  // freed at the end of this scope, after the compilation
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS);
    e.reset(OH_NNExecutor_Construct(c.get()));
    ASSERT_TRUE(e);
  }
  size_t n = 0;
  ASSERT_EQ(OH_NNExecutor_GetInputCount(e.get(), &n), OH_NN_SUCCESS);
  EXPECT_EQ(n, 1u);
  Desc in(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0));
  const char* name = nullptr;
  OH_NNTensorDesc_GetName(in.get(), &name);
  EXPECT_STREQ(name, "x");
  OH_NN_DataType t;
  OH_NN_Format f;
  OH_NNTensorDesc_GetDataType(in.get(), &t);
  OH_NNTensorDesc_GetFormat(in.get(), &f);
  EXPECT_EQ(t, OH_NN_FLOAT32);
  EXPECT_EQ(f, OH_NN_FORMAT_NCHW);
  size_t *mn = nullptr, *mx = nullptr, len = 0;
  ASSERT_EQ(OH_NNExecutor_GetInputDimRange(e.get(), 0, &mn, &mx, &len), OH_NN_SUCCESS);
  ASSERT_EQ(len, 4u);
  EXPECT_EQ(mn[1], 2u);
  EXPECT_EQ(mx[3], 3u);
  int32_t* shape = nullptr;
  uint32_t slen = 0;
  ASSERT_EQ(OH_NNExecutor_GetOutputShape(e.get(), 0, &shape, &slen), OH_NN_SUCCESS);
  EXPECT_EQ(slen, 4u);
  Tensors ts = MakeTensors(e.get());
  auto* x = static_cast<float*>(OH_NNTensor_GetDataBuffer(ts.in[0].get()));
  for (int i = 0; i < 18; ++i) x[i] = static_cast<float>(i - 9);
  auto ins = ts.InPtrs(), outs = ts.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 1, outs.data(), 1), OH_NN_SUCCESS);
  auto* y = static_cast<float*>(OH_NNTensor_GetDataBuffer(ts.out[0].get()));
  for (int i = 0; i < 18; ++i) EXPECT_EQ(y[i], std::max(0.f, static_cast<float>(i - 9)));
}

TEST(ExecutorTest, ZeroCopyThroughFdBorrowedTensors) {
  Executor e;
  ASSERT_EQ(BuildModel(TinyModel(), &e), OH_NN_SUCCESS);
  Tensors ts = MakeTensors(e.get());
  int inFd = -1, outFd = -1;
  OH_NNTensor_GetFd(ts.in[0].get(), &inFd);
  OH_NNTensor_GetFd(ts.out[0].get(), &outFd);
  Desc din(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0)), dout(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0));
  Tensor in2(OH_NNTensor_CreateWithFd(0, din.get(), inFd, 72, 0));
  Tensor out2(OH_NNTensor_CreateWithFd(0, dout.get(), outFd, 72, 0));
  ASSERT_TRUE(in2 && out2) << HostNN_GetLastErrorMessage();
  auto* x = static_cast<float*>(OH_NNTensor_GetDataBuffer(ts.in[0].get()));  // written through the owner
  for (int i = 0; i < 18; ++i) x[i] = i % 2 ? -1.f : 2.f;
  NN_Tensor* ins[] = {in2.get()};
  NN_Tensor* outs[] = {out2.get()};
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), ins, 1, outs, 1), OH_NN_SUCCESS);
  auto* y = static_cast<float*>(OH_NNTensor_GetDataBuffer(ts.out[0].get()));  // read through the other owner
  for (int i = 0; i < 18; ++i) EXPECT_EQ(y[i], i % 2 ? 0.f : 2.f);
  in2.reset();  // borrowers first, then the owners (Tensors) at scope end
  out2.reset();
}

TEST(ExecutorTest, BadCall_RunSyncArguments) {
  Executor e;
  ASSERT_EQ(BuildModel(TinyModel(), &e), OH_NN_SUCCESS);
  Tensors ts = MakeTensors(e.get());
  auto ins = ts.InPtrs(), outs = ts.OutPtrs();
  {
    SCOPED_TRACE("BAD CALL - RunSync with NULLs and zero counts");
    EXPECT_EQ(OH_NNExecutor_RunSync(nullptr, ins.data(), 1, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), nullptr, 1, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 1, nullptr, 1), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 0, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    NN_Tensor* nullIn[] = {nullptr};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), nullIn, 1, outs.data(), 1), OH_NN_INVALID_PARAMETER);
  }
  {
    SCOPED_TRACE("BAD CALL - RunSync with the wrong tensor counts");
    NN_Tensor* two[] = {ins[0], ins[0]};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), two, 2, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("1 input(s)"), std::string::npos);
  }
  {
    SCOPED_TRACE("BAD CALL - RunSync with wrong byte sizes and data types");
    Desc small = MakeDesc(OH_NN_FLOAT32, {1, 2, 3, 2});
    Tensor t(OH_NNTensor_Create(0, small.get()));
    NN_Tensor* badIn[] = {t.get()};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), badIn, 1, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    std::string msg = HostNN_GetLastErrorMessage();
    EXPECT_NE(msg.find("48 bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("72 bytes"), std::string::npos) << msg;
    NN_Tensor* badOut[] = {t.get()};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 1, badOut, 1), OH_NN_INVALID_PARAMETER);
    Desc i8 = MakeDesc(OH_NN_INT8, {1, 2, 3, 3});
    Tensor ti8(OH_NNTensor_Create(0, i8.get()));
    NN_Tensor* badType[] = {ti8.get()};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), badType, 1, outs.data(), 1), OH_NN_INVALID_PARAMETER);
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("data type"), std::string::npos);
  }
  {
    SCOPED_TRACE("BAD CALL - executor queries out of range");
    EXPECT_EQ(OH_NNExecutor_CreateInputTensorDesc(e.get(), 1), nullptr);
    EXPECT_EQ(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 5), nullptr);
    EXPECT_EQ(OH_NNExecutor_CreateInputTensorDesc(nullptr, 0), nullptr);
    size_t *mn = nullptr, *mx = nullptr, len = 0;
    EXPECT_EQ(OH_NNExecutor_GetInputDimRange(e.get(), 3, &mn, &mx, &len), OH_NN_INVALID_PARAMETER);
    EXPECT_EQ(OH_NNExecutor_Construct(nullptr), nullptr);
  }
  // The executor still works after all the rejected calls.
  EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 1, outs.data(), 1), OH_NN_SUCCESS);
}

TEST(ExecutorTest, ThreadCountSetting) {
  HostNN_SetThreadCount(2);
  EXPECT_EQ(HostNN_GetThreadCount(), 2);
  std::string describe;
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.InitF("w", {4, 4, 3, 3}, RandomF(144, 7));
  SetInts(b.Node("Conv", {"x", "w"}, {"y"}), "pads", {1, 1, 1, 1});
  b.Output("y");
  auto x = RandomF(256, 8);
  auto two = RunModel(b.Bytes(), std::vector<std::vector<float>>{x});
  HostNN_SetThreadCount(1);
  auto one = RunModel(b.Bytes(), std::vector<std::vector<float>>{x});
  ExpectClose(two, one, 1e-5f);
  HostNN_SetThreadCount(0);
  EXPECT_GE(HostNN_GetThreadCount(), 1);
}

// With the default count, a model too small to gain from threads runs on the calling thread only; a count that
// was asked for is used as given, and a large model uses the default count. HostNN_GetExecutorThreadCount gives the
// count the description's first line states.
TEST(ExecutorTest, DefaultThreadCountFollowsModelSize) {
  auto conv = [](int64_t c, int64_t hw) {
    OnnxBuilder b;
    b.Input("x", {1, c, hw, hw});
    b.InitF("w", {c, c, 3, 3}, RandomF(static_cast<size_t>(c * c * 9), 7));
    SetInts(b.Node("Conv", {"x", "w"}, {"y"}), "pads", {1, 1, 1, 1});
    b.Output("y");
    return b;
  };
  auto threadsLine = [](const std::string& describe) { return describe.substr(0, describe.find('\n')); };
  unsetenv("NPULENS_THREADS");
  HostNN_SetThreadCount(0);
  const int defaultCount = HostNN_GetThreadCount();
  std::string describe;
  int threads = 0;

  OnnxBuilder small = conv(4, 8);  // 9 K MACs
  RunModel(small.Bytes(), std::vector<std::vector<float>>{RandomF(256, 8)}, &describe, &threads);
  EXPECT_EQ(threadsLine(describe), "threads: 1");
  EXPECT_EQ(threads, 1);

  HostNN_SetThreadCount(2);
  RunModel(small.Bytes(), std::vector<std::vector<float>>{RandomF(256, 8)}, &describe, &threads);
  EXPECT_EQ(threadsLine(describe), "threads: 2");
  EXPECT_EQ(threads, 2);

  HostNN_SetThreadCount(0);
  OnnxBuilder large = conv(64, 56);  // 116 M MACs
  RunModel(large.Bytes(), std::vector<std::vector<float>>{RandomF(64 * 56 * 56, 8)}, &describe, &threads);
  EXPECT_EQ(threadsLine(describe), "threads: " + std::to_string(defaultCount));
  EXPECT_EQ(threads, defaultCount);
}

TEST(ExecutorTest, BadCall_ThreadCountOfANullExecutor) {
  SCOPED_TRACE("BAD CALL - HostNN_GetExecutorThreadCount(NULL)");
  EXPECT_EQ(HostNN_GetExecutorThreadCount(nullptr), 0);
}

// ---------------------------------------------------------------- robustness
namespace {
// Mutates random bytes of `good` 300 times; each variant must give an error code with a message, or a plan that runs.
void MutateAndRun(const std::string& good, uint32_t seed) {
  std::mt19937 rng(seed);
  int built = 0;
  for (int i = 0; i < 300; ++i) {
    std::string m = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) m[rng() % m.size()] = static_cast<char>(rng());
    Executor e;
    std::string err;
    OH_NN_ReturnCode rc = BuildModel(m, &e, &err);
    if (rc != OH_NN_SUCCESS) {
      EXPECT_FALSE(err.empty()) << "code " << rc << " without a message";
      continue;
    }
    ++built;
    ASSERT_TRUE(e);
    Tensors ts = MakeTensors(e.get());
    bool all = true;
    for (auto& t : ts.in) all = all && t;
    for (auto& t : ts.out) all = all && t;
    if (!all) continue;  // e.g. a mutated shape above the allocation limit
    auto ins = ts.InPtrs(), outs = ts.OutPtrs();
    OH_NNExecutor_RunSync(e.get(), ins.data(), ins.size(), outs.data(), outs.size());
  }
  EXPECT_GT(built, 0) << "some mutations (e.g. in weight bytes) leave a valid model";
}
}  // namespace

TEST(ModelsTest, BadCall_MutatedModelsNeverCrash) {
  SCOPED_TRACE("BAD CALL - 300 byte-mutated variants of a valid fp32 conv model");
  OnnxBuilder b;
  b.Input("x", {1, 3, 6, 6});
  b.InitF("w", {4, 3, 3, 3}, RandomF(108, 3));
  b.InitF("bias", {4}, {0.1f, 0.2f, 0.3f, 0.4f});
  SetInts(b.Node("Conv", {"x", "w", "bias"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  auto* mp = b.Node("MaxPool", {"r"}, {"p"});
  SetInts(mp, "kernel_shape", {2, 2});
  SetInts(mp, "strides", {2, 2});
  b.Node("GlobalAveragePool", {"p"}, {"g"});
  b.Node("Flatten", {"g"}, {"f"});
  b.Node("Softmax", {"f"}, {"y"});
  b.Output("y");
  MutateAndRun(b.Bytes(), 2024);
}

TEST(ModelsTest, BadCall_MutatedInt8ModelsNeverCrash) {
  SCOPED_TRACE("BAD CALL - 300 byte-mutated variants of a valid int8 QDQ conv model");
  OnnxBuilder b;
  b.Input("x", {1, 3, 6, 6});
  b.InitF("xs", {}, {0.05f});
  b.InitI8("xz", {}, {-3});
  b.Node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"});
  b.Node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"});
  std::vector<int8_t> wq(108);
  for (size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  b.InitI8("wq", {4, 3, 3, 3}, wq);
  b.InitF("ws", {4}, {0.01f, 0.02f, 0.015f, 0.03f});
  b.InitI8("wz", {4}, {0, 0, 0, 0});
  SetInt(b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}), "axis", 0);
  b.InitI32("bq", {4}, {10, -20, 30, 0});
  b.InitF("bs", {4}, {0.0005f, 0.001f, 0.00075f, 0.0015f});
  b.InitI32("bz", {4}, {0, 0, 0, 0});
  SetInt(b.Node("DequantizeLinear", {"bq", "bs", "bz"}, {"bias"}), "axis", 0);
  SetInts(b.Node("Conv", {"xd", "w", "bias"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  b.InitF("rs", {}, {0.04f});
  b.InitI8("rz", {}, {-128});
  b.Node("QuantizeLinear", {"r", "rs", "rz"}, {"rq"});
  b.Node("DequantizeLinear", {"rq", "rs", "rz"}, {"rd"});
  b.Node("GlobalAveragePool", {"rd"}, {"g"});
  b.Node("QuantizeLinear", {"g", "rs", "rz"}, {"gq"});
  b.Node("DequantizeLinear", {"gq", "rs", "rz"}, {"gd"});
  b.Node("Flatten", {"gd"}, {"f"});
  b.Node("Softmax", {"f"}, {"y"});
  b.Output("y");
  std::string describe;
  RunModel(b.Bytes(), std::vector<std::vector<float>>{RandomF(108, 9)}, &describe);
  EXPECT_NE(describe.find("int8: Conv 'conv'"), std::string::npos) << describe;  // the int8 path is what we mutate
  MutateAndRun(b.Bytes(), 7);
}

TEST(ExecutorTest, MultipleOutputsKeepModelOrder) {
  OnnxBuilder b;
  b.Input("x", {2, 3});
  b.Node("Relu", {"x"}, {"relu_out"});
  b.Node("Softmax", {"x"}, {"prob"});
  b.Output("prob");
  b.Output("relu_out");
  Executor e;
  ASSERT_EQ(BuildModel(b.Bytes(), &e), OH_NN_SUCCESS);
  size_t n = 0;
  OH_NNExecutor_GetOutputCount(e.get(), &n);
  ASSERT_EQ(n, 2u);
  Desc d0(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0)), d1(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 1));
  const char *n0 = nullptr, *n1 = nullptr;
  OH_NNTensorDesc_GetName(d0.get(), &n0);
  OH_NNTensorDesc_GetName(d1.get(), &n1);
  EXPECT_STREQ(n0, "prob");
  EXPECT_STREQ(n1, "relu_out");
  OH_NN_Format f;
  OH_NNTensorDesc_GetFormat(d0.get(), &f);
  EXPECT_EQ(f, OH_NN_FORMAT_ND);
  Tensors ts = MakeTensors(e.get());
  float* x = static_cast<float*>(OH_NNTensor_GetDataBuffer(ts.in[0].get()));
  const float v[6] = {-1, 0, 1, 2, -3, 0.5f};
  std::memcpy(x, v, sizeof v);
  auto ins = ts.InPtrs(), outs = ts.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), ins.data(), 1, outs.data(), 2), OH_NN_SUCCESS);
  const float* prob = static_cast<const float*>(OH_NNTensor_GetDataBuffer(ts.out[0].get()));
  const float* relu = static_cast<const float*>(OH_NNTensor_GetDataBuffer(ts.out[1].get()));
  EXPECT_NEAR(prob[0] + prob[1] + prob[2], 1.f, 1e-6f);
  EXPECT_NEAR(prob[2], std::exp(1.f) / (std::exp(-1.f) + 1.f + std::exp(1.f)), 1e-6f);
  EXPECT_EQ(relu[0], 0.f);
  EXPECT_EQ(relu[3], 2.f);
}

TEST(ExecutorTest, ConcurrentRunsStayCorrect) {
  // The NNRt contract serializes NN Core calls; the host runtime still keeps concurrent misuse correct:
  // runs on one executor are serialized, separate executors run in parallel.
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.InitF("w", {4, 4, 3, 3}, RandomF(144, 17));
  SetInts(b.Node("Conv", {"x", "w"}, {"y"}), "pads", {1, 1, 1, 1});
  b.Output("y");
  const std::string model = b.Bytes();
  auto x = RandomF(256, 18);
  auto want = RunModel(model, std::vector<std::vector<float>>{x});
  Executor shared, own;
  ASSERT_EQ(BuildModel(model, &shared), OH_NN_SUCCESS);
  ASSERT_EQ(BuildModel(model, &own), OH_NN_SUCCESS);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      OH_NNExecutor* e = t == 3 ? own.get() : shared.get();
      Tensors ts = MakeTensors(e);
      std::memcpy(OH_NNTensor_GetDataBuffer(ts.in[0].get()), x.data(), x.size() * 4);
      auto ins = ts.InPtrs(), outs = ts.OutPtrs();
      for (int i = 0; i < 50; ++i) {
        if (OH_NNExecutor_RunSync(e, ins.data(), 1, outs.data(), 1) != OH_NN_SUCCESS ||
            std::memcmp(OH_NNTensor_GetDataBuffer(ts.out[0].get()), want.data(), want.size() * 4) != 0)
          ++failures[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}
