// HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_DUMP, dir): every RunSync writes the tensors the plan computed as
// <dir>/<model>/run<N>/index.json + one float32 file per tensor (om_dump.h), bounded, and never fails the inference.
#include <gtest/gtest.h>

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "CANNKit/hiai_options.h"
#include "om_dump.h"
#include "synthetic_models.h"
#include "test_util.h"

namespace hostnn_test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<float> ReadFloats(const std::string& path) {
  const std::string bytes = ReadFile(path);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

Compilation BuildDumping(const std::string& model, const std::string& dir) {
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  EXPECT_TRUE(c);
  std::string borrowed = dir;  // the caller's string may go after Build
  EXPECT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), HIAI_OM_TYPE_DUMP, borrowed.c_str()), OH_NN_SUCCESS);
  EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  return c;
}

TEST(OmDumpTest, EveryRunWritesTheInputAndEachOpsOutputWithItsIndex) {
  ScratchDir dir("npulens_omdump_");
  Compilation c = BuildDumping(TwoOpModel(), dir.path);
  Executor e(OH_NNExecutor_Construct(c.get()));
  ASSERT_TRUE(e);
  Tensors t = MakeTensors(e.get());
  auto in = t.InPtrs(), out = t.OutPtrs();
  for (int run = 0; run < 2; ++run) {
    std::vector<float> x(18);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 8.5f + static_cast<float>(run);
    std::memcpy(OH_NNTensor_GetDataBuffer(t.in[0].get()), x.data(), x.size() * sizeof(float));
    ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
    EXPECT_STREQ(HostNN_GetLastErrorMessage(), "");
    const std::string runDir = dir.path + "/test/run" + std::to_string(run);
    const std::string index = ReadFile(runDir + "/index.json");
    ASSERT_NE(index.find("\"run\": " + std::to_string(run)), std::string::npos) << index;
    for (const char* entry :
         {R"({"tensor": "x", "op": "input", "node": "", "fused": [], "label": "input", "dtype": "float32", )"
          R"("shape": [1, 2, 3, 3], "file": "0000_x.f32", "written": "float32"})",
          R"({"tensor": "r", "op": "Relu", "node": "relu", "fused": [], "label": "Relu 'relu'", "dtype": "float32", )"
          R"("shape": [1, 2, 3, 3], "file": "0001_r.f32", "written": "float32"})",
          R"({"tensor": "y", "op": "Sigmoid", "node": "sig", "fused": [], "label": "Sigmoid 'sig'", )"
          R"("dtype": "float32", "shape": [1, 2, 3, 3], "file": "0002_y.f32", "written": "float32"})"})
      EXPECT_NE(index.find(entry), std::string::npos) << entry << "\n" << index;
    const std::vector<float> dx = ReadFloats(runDir + "/0000_x.f32"), r = ReadFloats(runDir + "/0001_r.f32"),
                             y = ReadFloats(runDir + "/0002_y.f32");
    ASSERT_EQ(r.size(), x.size());
    ASSERT_EQ(y.size(), x.size());
    EXPECT_EQ(dx, x);
    const auto* output = static_cast<const float*>(OH_NNTensor_GetDataBuffer(t.out[0].get()));
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(r[i], std::max(x[i], 0.f)) << i;
      EXPECT_EQ(y[i], output[i]) << i;  // the last op's output is the model's
    }
  }
  EXPECT_FALSE(dir.Has("test/run2"));
}

// An int8 QDQ model: the fused steps' outputs are their QuantizeLinear outputs, dequantized, with scale and zero point.
TEST(OmDumpTest, AnInt8StepsOutputIsItsQuantizeLinearOutputDequantizedWithItsParams) {
  ScratchDir dir("npulens_omdump_");
  Compilation c = BuildDumping(MobileNetV2Onnx(true), dir.path);
  Executor e(OH_NNExecutor_Construct(c.get()));
  ASSERT_TRUE(e);
  Tensors t = MakeTensors(e.get());
  auto in = t.InPtrs(), out = t.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  DIR* models = opendir(dir.path.c_str());
  ASSERT_NE(models, nullptr);
  std::string model;
  while (dirent* d = readdir(models))
    if (d->d_name[0] != '.') model = d->d_name;
  closedir(models);
  const std::string index = ReadFile(dir.path + "/" + model + "/run0/index.json");
  // Each int8 step names the tensor it wrote (a QuantizeLinear output) and how to read it.
  size_t int8Steps = 0;
  for (size_t at = index.find("\"dtype\": \"int8\""); at != std::string::npos;
       at = index.find("\"dtype\": \"int8\"", at + 1)) {
    const size_t end = index.find('}', at);
    const std::string rest = index.substr(at, end - at);
    EXPECT_NE(rest.find("\"scale\": "), std::string::npos) << rest;
    EXPECT_NE(rest.find("\"zeroPoint\": "), std::string::npos) << rest;
    EXPECT_NE(rest.find("\"dequantized\": true"), std::string::npos) << rest;
    // Its file holds (q - zeroPoint) * scale for int8 q: every value is on the tensor's int8 grid.
    const size_t file = rest.find("\"file\": \"") + 9;
    const std::vector<float> values =
        ReadFloats(dir.path + "/" + model + "/run0/" + rest.substr(file, rest.find('"', file) - file));
    const double scale = std::stod(rest.substr(rest.find("\"scale\": ") + 9));
    const int zeroPoint = std::stoi(rest.substr(rest.find("\"zeroPoint\": ") + 13));
    ASSERT_FALSE(values.empty()) << rest;
    for (float v : values) {
      const double q = v / scale + zeroPoint;
      ASSERT_NEAR(q, std::round(q), 1e-3) << rest;
      ASSERT_GE(q, -128.5);
      ASSERT_LE(q, 127.5);
    }
    ++int8Steps;
  }
  EXPECT_GT(int8Steps, 10u) << index;
}

TEST(OmDumpTest, BAD_CALL_ADumpThatCannotBeWrittenLeavesTheRunAndNamesWhy) {
  ScratchDir dir("npulens_omdump_");
  Compilation c = BuildDumping(TwoOpModel(), dir.path);
  Executor e(OH_NNExecutor_Construct(c.get()));
  Tensors t = MakeTensors(e.get());
  auto in = t.InPtrs(), out = t.OutPtrs();
  // run0 is there already (a dump of an earlier load): never overwritten.
  ASSERT_EQ(mkdir((dir.path + "/test").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir.path + "/test/run0").c_str(), 0755), 0);
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  EXPECT_EQ(std::string(HostNN_GetLastErrorMessage()),
            "RunSync: HMS_HiAIOptions_SetOmOptions(DUMP): " + dir.path +
                "/test/run0 already exists (a dump of an earlier load): give an empty folder");
  EXPECT_FALSE(dir.Has("test/run0/index.json"));
  // The folder gone: the inference still runs, the last error says why nothing was written.
  ASSERT_EQ(system(("rm -rf '" + dir.path + "/test'").c_str()), 0);
  ASSERT_EQ(chmod(dir.path.c_str(), 0500), 0);
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  EXPECT_EQ(chmod(dir.path.c_str(), 0700), 0);
  if (geteuid() != 0) {  // root writes anyway
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("cannot create " + dir.path + "/test"), std::string::npos)
        << HostNN_GetLastErrorMessage();
  }
}

TEST(OmDumpTest, BAD_CALL_TheRunCapStopsTheDumpWithAClearError) {
  ScratchDir dir("npulens_omdump_");
  hostnn::OmDump dump(dir.path, "m");
  hostnn::OpOutput tensor{"input", "x", hostnn::DType::F32, {1}, false, 1.f, 0, std::vector<uint8_t>(4)};
  std::string error;
  for (size_t run = 0; run < hostnn::kMaxDumpRuns; ++run) ASSERT_TRUE(dump.Write({tensor}, &error)) << error;
  EXPECT_FALSE(dump.Write({tensor}, &error));
  EXPECT_EQ(error,
            "the dump holds 1000 runs (0 MiB); its caps are 1000 runs and 1024 MiB per compilation: run 1000 "
            "not dumped");
  EXPECT_FALSE(dir.Has("m/run1000"));
  // A run larger than the byte cap is refused before anything is written.
  hostnn::OmDump big(dir.path, "big");
  hostnn::OpOutput huge = tensor;
  huge.shape = {int64_t{1} << 28, 2};  // 2 GiB as float32; the bytes are never read
  EXPECT_FALSE(big.Write({huge}, &error));
  EXPECT_NE(error.find("its caps are 1000 runs and 1024 MiB"), std::string::npos) << error;
  EXPECT_FALSE(dir.Has("big"));
}

}  // namespace
}  // namespace hostnn_test
