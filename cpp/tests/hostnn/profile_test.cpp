// Per-op profiling (HostNN_SetProfiling, HostNN_GetExecutorProfile): every op of the plan is one timed step, the
// steps' times account for the run, and a plan built without profiling is the plan of today.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "synthetic_models.h"
#include "test_util.h"

namespace hostnn_test {
namespace {

// Profiling on for the Builds of one scope.
struct ProfilingOn {
  ProfilingOn() { HostNN_SetProfiling(true); }
  ~ProfilingOn() { HostNN_SetProfiling(false); }
};

// The op lines of a description ("xnnpack int8: Conv 'c1' ..."), without its "threads:" / "profiling:" header lines.
std::vector<std::string> OpLines(const std::string& describe) {
  std::vector<std::string> lines;
  std::istringstream in(describe);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("threads: ", 0) != 0 && line.rfind("profiling: ", 0) != 0) lines.push_back(line);
  return lines;
}

void ExpectProfileCoversTheRuns(bool int8) {
  Executor e;
  {
    ProfilingOn on;
    std::string err;
    ASSERT_EQ(BuildModel(MobileNetV2Onnx(int8), &e, &err), OH_NN_SUCCESS) << err;
  }
  const std::vector<std::string> lines = OpLines(HostNN_DescribeExecutor(e.get()));
  Tensors t = MakeTensors(e.get());
  auto in = t.InPtrs(), out = t.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  ASSERT_EQ(HostNN_ResetExecutorProfile(e.get()), OH_NN_SUCCESS);  // the first run (XNNPACK's setup) not counted

  constexpr int kRuns = 10;
  double wallMs = 0;
  for (int r = 0; r < kRuns; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
    wallMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  const HostNN_OpProfile* ops = nullptr;
  size_t count = 0, runs = 0;
  ASSERT_EQ(HostNN_GetExecutorProfile(e.get(), &ops, &count, &runs), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  EXPECT_EQ(runs, static_cast<size_t>(kRuns));
  // Every op of the plan once, in plan order, as the description names it, each timed.
  ASSERT_EQ(count, lines.size());
  double sumMs = 0;
  long long convMacs = 0;
  for (size_t i = 0; i < count; ++i) {
    const std::string label = ops[i].label, backend = ops[i].backend;
    EXPECT_EQ(lines[i].rfind(std::string(ops[i].backend).substr(0, backend.find(" (")) + ": " + label, 0), 0u)
        << "op " << i << ": profile '" << backend << ": " << label << "', plan '" << lines[i] << "'";
    EXPECT_GT(ops[i].totalMs, 0) << label;
    EXPECT_FALSE(std::string(ops[i].outputShape).empty()) << label;
    if (label.rfind("Conv ", 0) == 0) {
      EXPECT_GT(ops[i].macs, 0) << label;
      convMacs += ops[i].macs;
    }
    sumMs += ops[i].totalMs;
  }
  // MobileNetV2-1.0-224: 0.30 G multiply-accumulates, nearly all in its convolutions.
  EXPECT_GT(convMacs, 290'000'000);
  EXPECT_LT(convMacs, 310'000'000);
  // The steps are the run but for its input transpose and output copy (and the API's checks): about all of it.
  EXPECT_LE(sumMs, wallMs);
  EXPECT_GE(sumMs, 0.8 * wallMs) << "steps " << sumMs << " ms of " << wallMs << " ms";
}

TEST(ProfileTest, EveryOpOfTheFp32PlanIsOneTimedStepAndTheStepsMakeTheRun) { ExpectProfileCoversTheRuns(false); }

TEST(ProfileTest, EveryOpOfTheInt8PlanIsOneTimedStepAndTheStepsMakeTheRun) { ExpectProfileCoversTheRuns(true); }

TEST(ProfileTest, ProfilingOffLeavesThePlanAsWithout) {
  const std::string model = MobileNetV2Onnx(true);
  Executor plain, profiled, after;
  ASSERT_EQ(BuildModel(model, &plain), OH_NN_SUCCESS);
  {
    ProfilingOn on;
    ASSERT_EQ(BuildModel(model, &profiled), OH_NN_SUCCESS);
  }
  ASSERT_EQ(BuildModel(model, &after), OH_NN_SUCCESS);
  const std::string describe = HostNN_DescribeExecutor(plain.get());
  EXPECT_EQ(describe.find("profiling"), std::string::npos) << describe;
  EXPECT_NE(std::string(HostNN_DescribeExecutor(profiled.get())).find("\nprofiling: one step per op"),
            std::string::npos);
  EXPECT_EQ(HostNN_DescribeExecutor(after.get()), describe);
  const HostNN_OpProfile* ops = nullptr;
  size_t count = 0, runs = 0;
  EXPECT_EQ(HostNN_GetExecutorProfile(after.get(), &ops, &count, &runs), OH_NN_OPERATION_FORBIDDEN);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(),
               "GetExecutorProfile: the executor was built without profiling (HostNN_SetProfiling(true) before Build)");
  EXPECT_EQ(HostNN_ResetExecutorProfile(after.get()), OH_NN_OPERATION_FORBIDDEN);
}

TEST(ProfileTest, BAD_CALL_ProfileOfANullOrReleasedExecutor) {
  const HostNN_OpProfile* ops = nullptr;
  size_t count = 0, runs = 0;
  EXPECT_EQ(HostNN_GetExecutorProfile(nullptr, &ops, &count, &runs), OH_NN_INVALID_PARAMETER);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "GetExecutorProfile: NULL argument");
  EXPECT_EQ(HostNN_ResetExecutorProfile(nullptr), OH_NN_INVALID_PARAMETER);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "ResetExecutorProfile: executor is NULL");

  ProfilingOn on;
  Executor e;
  ASSERT_EQ(BuildModel(TinyModel(), &e), OH_NN_SUCCESS);
  EXPECT_EQ(HostNN_GetExecutorProfile(e.get(), nullptr, &count, &runs), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HostNN_GetExecutorProfile(e.get(), &ops, nullptr, &runs), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HostNN_GetExecutorProfile(e.get(), &ops, &count, nullptr), OH_NN_INVALID_PARAMETER);
  ASSERT_EQ(HostNN_GetExecutorProfile(e.get(), &ops, &count, &runs), OH_NN_SUCCESS);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(runs, 0u);
  // Released: OH_NNExecutor_Destroy sets the caller's pointer to NULL.
  OH_NNExecutor* raw = e.release();
  OH_NNExecutor_Destroy(&raw);
  ASSERT_EQ(raw, nullptr);
  EXPECT_EQ(HostNN_GetExecutorProfile(raw, &ops, &count, &runs), OH_NN_INVALID_PARAMETER);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "GetExecutorProfile: NULL argument");
}

}  // namespace
}  // namespace hostnn_test
