// Per-op profiling (HostNN_SetProfiling, HostNN_GetExecutorProfile): every op of the plan is one timed step, the
// steps' times account for the run, and a plan built without profiling is the plan of today.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "CANNKit/hiai_options.h"
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
    if (line.rfind("threads: ", 0) != 0 && line.rfind("tensors: ", 0) != 0 && line.rfind("profiling: ", 0) != 0)
      lines.push_back(line);
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

// HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_PROFILING, dir): the dir is taken at Build (the load phase), every RunSync
// of the executors adds its per-op times, and the executor's Destroy writes <model>_op.csv and <model>_model.csv, as
// the device's runtime writes its *_op.csv and *_model.csv.
std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::vector<std::string>> CsvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(ProfileTest, OmOptionsProfilingWritesTheOpAndModelCsvOfEveryRunAtExecutorDestroy) {
  ScratchDir dir("npulens_omprofile_");
  ASSERT_FALSE(dir.path.empty());
  const std::string model = TwoOpModel();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_TRUE(c);
  {
    std::string borrowed = dir.path;  // the caller's string, gone after Build: the runtime took the dir at load
    ASSERT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), HIAI_OM_TYPE_PROFILING, borrowed.c_str()), OH_NN_SUCCESS);
    ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  }
  Executor e(OH_NNExecutor_Construct(c.get()));
  ASSERT_TRUE(e);
  c.reset();  // as the engine does: the executor keeps what it needs
  Tensors t = MakeTensors(e.get());
  auto in = t.InPtrs(), out = t.OutPtrs();
  constexpr int kRuns = 3;
  for (int r = 0; r < kRuns; ++r)
    ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  EXPECT_FALSE(dir.Has("test_op.csv"));  // written when the executor goes
  e.reset();

  const auto ops = CsvRows(ReadText(dir.path + "/test_op.csv"));
  ASSERT_EQ(ops.size(), 3u) << ReadText(dir.path + "/test_op.csv");
  EXPECT_EQ(ops[0], (std::vector<std::string>{"index", "op", "type", "name", "backend", "output_shape", "macs", "calls",
                                              "total_ms", "avg_ms", "min_ms"}));
  const std::vector<std::pair<std::string, std::string>> expected{{"Relu", "relu"}, {"Sigmoid", "sig"}};
  double sumMs = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::vector<std::string>& row = ops[i + 1];
    ASSERT_EQ(row.size(), 11u);
    EXPECT_EQ(row[0], std::to_string(i));
    EXPECT_EQ(row[1], expected[i].first + " '" + expected[i].second + "'");
    EXPECT_EQ(row[2], expected[i].first);
    EXPECT_EQ(row[3], expected[i].second);
    EXPECT_FALSE(row[4].empty());
    EXPECT_EQ(row[5], "1x2x3x3");
    EXPECT_EQ(row[7], std::to_string(kRuns));
    const double total = std::stod(row[8]), avg = std::stod(row[9]), fastest = std::stod(row[10]);
    EXPECT_GT(total, 0) << row[1];
    EXPECT_NEAR(avg, total / kRuns, 1e-3);
    EXPECT_LE(fastest, avg + 1e-4);
    sumMs += total;
  }
  const auto summary = CsvRows(ReadText(dir.path + "/test_model.csv"));
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0], (std::vector<std::string>{"model", "ops", "runs", "total_ms", "avg_ms"}));
  ASSERT_EQ(summary[1].size(), 5u);
  EXPECT_EQ(summary[1][0], "test");
  EXPECT_EQ(summary[1][1], "2");
  EXPECT_EQ(summary[1][2], std::to_string(kRuns));
  EXPECT_NEAR(std::stod(summary[1][3]), sumMs, 1e-3);
}

TEST(ProfileTest, WithoutOmProfilingNoProfileIsWrittenAndThePlanIsAsWithout) {
  ScratchDir dir("npulens_omprofile_");
  const std::string model = TwoOpModel();
  Executor plain;
  ASSERT_EQ(BuildModel(model, &plain), OH_NN_SUCCESS);
  for (HiAI_OmType type : {HIAI_OM_TYPE_OFF}) {  // DUMP writes its own files: om_dump_test.cpp
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    ASSERT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), type, dir.path.c_str()), OH_NN_SUCCESS);
    ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
    Executor e(OH_NNExecutor_Construct(c.get()));
    EXPECT_STREQ(HostNN_DescribeExecutor(e.get()), HostNN_DescribeExecutor(plain.get())) << type;
    Tensors t = MakeTensors(e.get());
    auto in = t.InPtrs(), out = t.OutPtrs();
    ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
    e.reset();
    EXPECT_FALSE(dir.Has("test_op.csv")) << type;
    EXPECT_FALSE(dir.Has("test_model.csv")) << type;
  }
}

// dlsym on the device: SetOmOptions is there from API 18 on (the host's default is the newest system).
TEST(ProfileTest, SetOmOptionsIsFoundFromApi18On) {
  void* const setOmOptions = reinterpret_cast<void*>(&HMS_HiAIOptions_SetOmOptions);
  EXPECT_EQ(HostNN_LookupCannSymbol("HMS_HiAIOptions_SetOmOptions"), setOmOptions);
  HostNN_SetSystemApiLevel(17);
  EXPECT_EQ(HostNN_LookupCannSymbol("HMS_HiAIOptions_SetOmOptions"), nullptr);
  HostNN_SetSystemApiLevel(18);
  EXPECT_EQ(HostNN_LookupCannSymbol("HMS_HiAIOptions_SetOmOptions"), setOmOptions);
  HostNN_SetSystemApiLevel(0);
  EXPECT_EQ(HostNN_LookupCannSymbol("HMS_HiAIOptions_SetOmOptions"), setOmOptions);
  EXPECT_EQ(HostNN_LookupCannSymbol("HMS_HiAIOptions_NoSuchOption"), nullptr);
  EXPECT_EQ(HostNN_LookupCannSymbol(nullptr), nullptr);
}

TEST(ProfileTest, BAD_CALL_OmProfilingDirGoneBeforeTheExecutorIsDestroyed) {
  ScratchDir dir("npulens_omprofile_");
  const std::string model = TwoOpModel();
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  ASSERT_EQ(HMS_HiAIOptions_SetOmOptions(c.get(), HIAI_OM_TYPE_PROFILING, dir.path.c_str()), OH_NN_SUCCESS);
  ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  OH_NNExecutor* e = OH_NNExecutor_Construct(c.get());
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(rmdir(dir.path.c_str()), 0);
  OH_NNExecutor_Destroy(&e);  // no return code: the executor goes, the failure is the last error's text
  EXPECT_EQ(e, nullptr);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("could not write the profile " + dir.path + "/test_op.csv"),
            std::string::npos)
      << HostNN_GetLastErrorMessage();
}

}  // namespace
}  // namespace hostnn_test
