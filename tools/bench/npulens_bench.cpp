// npulens_bench: a manifest model's inference latency on the host NN runtime, measured by the one benchmark runner
// (nnrt/session_benchmark.h) through the engine (InferenceSession), as `npulens bench` measures it in Node and the
// app on the phone. Prints the CLI's table; --json writes the shared benchmark report (npulens-benchmark/2,
// tools/bench/benchmark-report.schema.json). A benchmark: it reports figures, it asserts nothing about speed.
// --profile RUNS: after the benchmark, a second build of the model with per-op profiling (HostNN_SetProfiling) runs
// RUNS more times and prints each op's time (its fastest run and its mean), share, GMAC/s and, with --peak (a
// npulens_peak --json report), its share of the core's peak; the report gets the table as "profile".
// --source FORMAT:WxH (as `npulens classify --frame`) times the whole way from a synthetic source frame of that size
// and format to the result instead (nnrt/session_benchmark.h BenchmarkSource), per path: CPU pre-processing + copy, CPU
// pre-processing zero-copy (each
// --mode), and with --preprocessing aipp the AIPP path with the frame copied into the AIPP tensor and with the frame in
// a shrink-sealed memfd (ClassifyFd). Each row: end-to-end latency, each stage's median, the bytes the CPU touched
// before inference and the share of end to end that is not inference. --rounds N runs every path N times, the paths
// alternating within each round (a noisy, shared machine loads every path alike). A path the model refuses (e.g. a
// source over the target's AIPP maxSrcImageSize) is a "refused" row with the engine's error; the others still run,
// and the exit code is 1.
//
//   npulens_bench --model ID [--manifest FILE] [--threads N] [--iterations N] [--warmup N] [--duration S]
//                 [--mode zero-copy|copy|both] [--profile RUNS [--peak FILE]] [--json FILE|-]
//                 [--source nv21|nv12|rgba|bgra|rgb:WxH [--preprocessing cpu|aipp|both] [--rounds N]]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_cli.h"
#include "core/benchmark_runner.h"
#include "core/limits.h"
#include "hostnn/hostnn.h"
#include "nnrt/model_loader.h"
#include "nnrt/session_benchmark.h"
#include "nnrt_handles.h"

namespace npulens {
namespace {

constexpr char kUsage[] =
    "usage: npulens_bench --model ID [--manifest FILE] [--threads N] [--iterations N] [--warmup N] [--duration S]\n"
    "                     [--mode zero-copy|copy|both] [--profile RUNS [--peak FILE]] [--json FILE|-]\n"
    "                     [--source nv21|nv12|rgba|bgra|rgb:WxH [--preprocessing cpu|aipp|both] [--rounds N]]\n"
    "  --manifest  default entry/src/main/resources/rawfile/models/manifest.json (the bundled models)\n"
    "  --threads   host runtime threads (default: $NPULENS_THREADS, else every CPU)\n"
    "  --profile   per-op times over RUNS runs of a second build with one step per op (after 2 warm-up runs)\n"
    "  --peak      npulens_peak --json report: each op's GMAC/s as a share of the int8 or fp32 peak\n"
    "  --source    time source frame -> result (synthetic frame of that size and format) per path, not the model "
    "alone\n"
    "  --preprocessing  with --source: cpu (copy / zero-copy per --mode, default both), aipp (frame copied into the\n"
    "              AIPP tensor, and an fd-backed frame), both (default: aipp only where the target declares it)\n"
    "  --rounds    with --source: every path N times, alternating (default 1)\n";

struct Options {
  std::string manifest = "entry/src/main/resources/rawfile/models/manifest.json";
  std::string modelId;
  int threads = 0;
  BenchmarkParams params;
  std::vector<IoMode> modes = {IoMode::kZeroCopy};
  std::string json;
  int64_t profileRuns = 0;  // 0: no profile
  std::string peak;
  bool hasSource = false;
  SourceFrameSpec source;
  std::string preprocessing;  // "" (both where available), "cpu", "aipp", "both"
  bool modeSet = false;
  int64_t rounds = 1;
};

constexpr ToolUsage kTool{"npulens_bench", kUsage};

// "nv21:1920x1080" → the source, or a usage error.
SourceFrameSpec ParseSource(const std::string& text) {
  const size_t colon = text.find(':'), x = text.find('x', colon == std::string::npos ? 0 : colon);
  const auto bad = [&]() {
    UsageError(kTool, "--source must be FORMAT:WxH with FORMAT nv21, nv12, rgba, bgra or rgb (got '" + text + "')");
  };
  if (x == std::string::npos || colon == std::string::npos) bad();
  SourceFrameSpec spec;
  const std::string f = text.substr(0, colon), w = text.substr(colon + 1, x - colon - 1), h = text.substr(x + 1);
  spec.width = static_cast<int>(NumberArg(kTool, "--source width", w.c_str(), 1, kImageSideMax, true));
  spec.height = static_cast<int>(NumberArg(kTool, "--source height", h.c_str(), 1, kImageSideMax, true));
  const std::pair<const char*, PixelFormat> formats[] = {{"nv21", PixelFormat::kNV21},
                                                         {"nv12", PixelFormat::kNV12},
                                                         {"rgba", PixelFormat::kRGBA8},
                                                         {"bgra", PixelFormat::kBGRA8},
                                                         {"rgb", PixelFormat::kRGB8}};
  bool known = false;
  for (const auto& [name, format] : formats) {
    if (f == name) spec.format = format, known = true;
  }
  if (!known) bad();
  if (IsYuv420sp(spec.format) && (spec.width % 2 != 0 || spec.height % 2 != 0)) {
    UsageError(kTool, "--source " + text + ": NV21 / NV12 frames need even sides");
  }
  return spec;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool iterationsSet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = FlagValue(kTool, argc, argv, &i);
    if (a == "--model") {
      o.modelId = v;
    } else if (a == "--manifest") {
      o.manifest = v;
    } else if (a == "--threads") {
      o.threads = static_cast<int>(NumberArg(kTool, a, v, 1, kHostThreadsMax, true));
    } else if (a == "--iterations") {
      o.params.iterations = static_cast<int64_t>(NumberArg(kTool, a, v, 1, kBenchmarkIterationsMax, true));
      iterationsSet = true;
    } else if (a == "--warmup") {
      o.params.warmupRuns = static_cast<int64_t>(NumberArg(kTool, a, v, 0, kBenchmarkWarmupMax, true));
    } else if (a == "--duration") {
      o.params.maxDurationMs = NumberArg(kTool, a, v, 0, kBenchmarkDurationMaxMs / 1000, false) * 1000;
      if (o.params.maxDurationMs <= 0) UsageError(kTool, "--duration must be > 0");
    } else if (a == "--mode") {
      o.modeSet = true;
      const std::string m = v;
      if (m == "both") {
        o.modes = {IoMode::kZeroCopy, IoMode::kCopy};
      } else if (m == "zero-copy" || m == "copy") {
        o.modes = {m == "copy" ? IoMode::kCopy : IoMode::kZeroCopy};
      } else {
        UsageError(kTool, "--mode must be zero-copy, copy or both (got '" + m + "')");
      }
    } else if (a == "--json") {
      o.json = v;
    } else if (a == "--profile") {
      o.profileRuns = static_cast<int64_t>(NumberArg(kTool, a, v, 1, kBenchmarkIterationsMax, true));
    } else if (a == "--peak") {
      o.peak = v;
    } else if (a == "--source") {
      o.source = ParseSource(v);
      o.hasSource = true;
    } else if (a == "--preprocessing") {
      o.preprocessing = v;
      if (o.preprocessing != "cpu" && o.preprocessing != "aipp" && o.preprocessing != "both") {
        UsageError(kTool, "--preprocessing must be cpu, aipp or both (got '" + o.preprocessing + "')");
      }
    } else if (a == "--rounds") {
      o.rounds = static_cast<int64_t>(NumberArg(kTool, a, v, 1, 1000, true));
    } else {
      UsageError(kTool, "unknown option '" + a + "'");
    }
  }
  if (o.modelId.empty()) UsageError(kTool, "--model is required");
  if (!o.peak.empty() && o.profileRuns == 0) UsageError(kTool, "--peak needs --profile");
  if (!o.hasSource && (!o.preprocessing.empty() || o.rounds != 1)) {
    UsageError(kTool, "--preprocessing and --rounds need --source");
  }
  if (o.hasSource && o.profileRuns > 0) UsageError(kTool, "--profile times the model alone: not with --source");
  if (o.hasSource && !o.modeSet) o.modes = {IoMode::kCopy, IoMode::kZeroCopy};
  // As the CLI: a duration alone runs until the duration ends.
  if (!iterationsSet && o.params.maxDurationMs > 0) o.params.iterations = kBenchmarkIterationsMax;
  return o;
}

std::string Ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.3f" : v < 100 ? "%.2f" : "%.1f", v);
  return buf;
}

struct Run {
  IoMode mode;
  BenchmarkResult result;
};

// One run of the report (schema definitions/run) from the runner's result.
nlohmann::json RunJson(const LoadedModel& model, const SessionInfo& info, IoMode mode, const BenchmarkResult& r) {
  nlohmann::json windows = nlohmann::json::array();
  for (double w : r.windowP50Ms) windows.push_back(Round3(w));
  nlohmann::json samples = nlohmann::json::array();
  for (double s : r.samplesMs) samples.push_back(Round3(s));
  return {{"role", "baseline"},
          {"modelId", model.config.modelId},
          {"precision", PrecisionName(model.config.precision)},
          {"computePrecision", PrecisionName(model.config.precision)},
          {"devicePolicy", DevicePolicyName(info.device.policy)},
          {"device", info.device.device.name},
          {"deviceType", DeviceTypeName(info.device.device.type)},
          {"selection", info.device.reason},
          {"mode", IoModeName(mode)},
          {"loadMs", Round3(info.loadMs)},
          {"compileColdMs", Round3(info.compileMs)},
          {"compileCachedMs", nullptr},
          {"compilationCache", "off"},
          {"compilationCacheRefusedWith", nullptr},
          {"firstRunMs", Round3(r.firstRunMs)},
          {"iterations", r.samplesMs.size()},
          {"warmup", r.warmupRuns},
          {"latencyMs",
           {{"min", Round3(r.latency.minMs)},
            {"p50", Round3(r.latency.p50Ms)},
            {"p90", Round3(r.latency.p90Ms)},
            {"p99", Round3(r.latency.p99Ms)},
            {"max", Round3(r.latency.maxMs)},
            {"mean", Round3(r.latency.meanMs)},
            {"std", Round3(r.latency.stdMs)}}},
          {"throughputPerSec", Round3(r.latency.throughputPerSec)},
          {"windowP50Ms", windows},
          {"driftLastOverFirst", Round3(r.drift)},
          {"memoryDeltaKb", nullptr},
          {"valid", r.valid},
          {"speedupVsBaseline", 1},
          {"cancelled", r.cancelled},
          {"error", ""},
          {"samplesMs", samples}};
}

nlohmann::json ReportHeader(const Options& o, const std::string& started) {
  nlohmann::json doc;
  doc["format"] = "npulens-benchmark/2";
  doc["producer"] = "npulens_bench";
  doc["startedAt"] = started;
  doc["device"] = HostDeviceJson();
  doc["config"] = {{"runLength", o.params.maxDurationMs > 0 ? "duration" : "iterations"},
                   {"iterations", o.params.iterations},
                   {"durationSec", o.params.maxDurationMs / 1000},
                   {"warmup", o.params.warmupRuns},
                   {"threads", HostNN_GetThreadCount()}};
  return doc;
}

void AddRss(nlohmann::json* doc) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  (*doc)["peakRssMb"] = Round3(static_cast<double>(usage.ru_maxrss) / 1024);
}

nlohmann::json ReportJson(const Options& o, const LoadedModel& model, const SessionInfo& info,
                          const std::string& started, const std::vector<Run>& runs) {
  nlohmann::json doc = ReportHeader(o, started);
  nlohmann::json list = nlohmann::json::array();
  for (const Run& run : runs) list.push_back(RunJson(model, info, run.mode, run.result));
  doc["runs"] = list;
  AddRss(&doc);
  return doc;
}

// ---- per-op profile ----------------------------------------------------------------------------------------------

// The core's int8 dot-product and fp32 FMA peaks (GMAC/s) from a npulens_peak --json report.
struct Peak {
  double int8 = 0, fp32 = 0;
};

bool ReadPeak(const std::string& path, Peak* peak, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read --peak " + path;
    return false;
  }
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  const auto gmac = [&](const char* kind) {
    const nlohmann::json* v = doc.is_object() && doc.contains("peak") ? &doc["peak"] : nullptr;
    if (!v || !v->is_object() || !v->contains(kind) || !(*v)[kind].is_object()) return 0.0;
    const nlohmann::json& g = (*v)[kind].value("gmacPerSec", nlohmann::json());
    return g.is_number() ? g.get<double>() : 0.0;
  };
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != "npulens-peak/1") {
    *error = "--peak " + path + " is not a npulens_peak report (format npulens-peak/1)";
    return false;
  }
  peak->int8 = gmac("int8");
  peak->fp32 = gmac("fp32");
  if (!(peak->int8 > 0) || !(peak->fp32 > 0)) {
    *error = "--peak " + path + " has no positive peak.int8.gmacPerSec and peak.fp32.gmacPerSec";
    return false;
  }
  return true;
}

struct OpRow {
  std::string label, backend, shape;
  long long macs = 0;
  double minMs = 0, meanMs = 0;
};

struct Profile {
  std::vector<OpRow> ops;  // slowest first (by the fastest run)
  size_t runs = 0;
  double runMinMs = 0;  // fastest whole run of the profiled build (RunSync)
};

std::string HostError(const char* step, OH_NN_ReturnCode rc) {
  return std::string("profile: ") + step + " failed (" + std::to_string(static_cast<int>(rc)) +
         "): " + HostNN_GetLastErrorMessage();
}

// Builds the model again with profiling on (one plan step per op) and runs it: 2 warm-up runs, then `runs` timed.
bool ProfileModel(const std::vector<uint8_t>& bytes, int64_t runs, Profile* profile, std::string* error) {
  HostNN_SetProfiling(true);
  CompilationHandle compilation(OH_NNCompilation_ConstructWithOfflineModelBuffer(bytes.data(), bytes.size()));
  const OH_NN_ReturnCode built = compilation ? OH_NNCompilation_Build(compilation.get()) : OH_NN_FAILED;
  HostNN_SetProfiling(false);
  if (built != OH_NN_SUCCESS) {
    *error = HostError("Build", built);
    return false;
  }
  ExecutorHandle executor(OH_NNExecutor_Construct(compilation.get()));
  size_t inCount = 0, outCount = 0;
  if (!executor || OH_NNExecutor_GetInputCount(executor.get(), &inCount) != OH_NN_SUCCESS ||
      OH_NNExecutor_GetOutputCount(executor.get(), &outCount) != OH_NN_SUCCESS) {
    *error = HostError("Executor_Construct", OH_NN_FAILED);
    return false;
  }
  std::vector<TensorHandle> tensors;  // inputs, then outputs (zero-filled: the time does not depend on the data)
  std::vector<NN_Tensor*> in, out;
  for (size_t i = 0; i < inCount + outCount; ++i) {
    TensorDescHandle desc(i < inCount ? OH_NNExecutor_CreateInputTensorDesc(executor.get(), i)
                                      : OH_NNExecutor_CreateOutputTensorDesc(executor.get(), i - inCount));
    tensors.emplace_back(desc ? OH_NNTensor_Create(0, desc.get()) : nullptr);
    size_t size = 0;
    if (!tensors.back() || OH_NNTensor_GetSize(tensors.back().get(), &size) != OH_NN_SUCCESS) {
      *error = HostError("Tensor_Create", OH_NN_FAILED);
      return false;
    }
    std::memset(OH_NNTensor_GetDataBuffer(tensors.back().get()), 0, size);
    (i < inCount ? in : out).push_back(tensors.back().get());
  }
  const auto run = [&] { return OH_NNExecutor_RunSync(executor.get(), in.data(), in.size(), out.data(), out.size()); };
  for (int w = 0; w < 2; ++w)
    if (OH_NN_ReturnCode rc = run()) {
      *error = HostError("RunSync", rc);
      return false;
    }
  HostNN_ResetExecutorProfile(executor.get());
  for (int64_t r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    if (OH_NN_ReturnCode rc = run()) {
      *error = HostError("RunSync", rc);
      return false;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    profile->runMinMs = r == 0 ? ms : std::min(profile->runMinMs, ms);
  }
  const HostNN_OpProfile* ops = nullptr;
  size_t count = 0;
  if (OH_NN_ReturnCode rc = HostNN_GetExecutorProfile(executor.get(), &ops, &count, &profile->runs)) {
    *error = HostError("GetExecutorProfile", rc);
    return false;
  }
  for (size_t i = 0; i < count; ++i)
    profile->ops.push_back({ops[i].label, ops[i].backend, ops[i].outputShape, ops[i].macs, ops[i].minMs,
                            ops[i].totalMs / static_cast<double>(std::max<size_t>(profile->runs, 1))});
  std::stable_sort(profile->ops.begin(), profile->ops.end(),
                   [](const OpRow& a, const OpRow& b) { return a.minMs > b.minMs; });
  return true;
}

// GMAC/s of an op's fastest run (0: no MAC count) and its share of the peak of its kind (0: no --peak).
double OpGmacs(const OpRow& op) { return op.macs > 0 && op.minMs > 0 ? op.macs / (op.minMs * 1e6) : 0; }
double OpPeakShare(const OpRow& op, const Peak& peak) {
  const bool int8 = op.backend.find("int8") != std::string::npos;
  const double p = int8 ? peak.int8 : peak.fp32;
  return p > 0 ? OpGmacs(op) / p : 0;
}

nlohmann::json ProfileJson(const Profile& profile, const Peak& peak) {
  nlohmann::json list = nlohmann::json::array();
  for (const OpRow& op : profile.ops) {
    nlohmann::json row = {{"op", op.label},
                          {"backend", op.backend},
                          {"outputShape", op.shape},
                          {"macs", op.macs},
                          {"minMs", Round3(op.minMs)},
                          {"meanMs", Round3(op.meanMs)},
                          {"gmacPerSec", Round3(OpGmacs(op))},
                          {"runs", profile.runs}};
    row["peakShare"] = peak.int8 > 0 && op.macs > 0 ? nlohmann::json(Round3(OpPeakShare(op, peak))) : nullptr;
    list.push_back(row);
  }
  return list;
}

std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

void PrintProfile(const Profile& profile, const Peak& peak) {
  double sumMin = 0;
  for (const OpRow& op : profile.ops) sumMin += op.minMs;
  std::printf(
      "\nper-op profile: %zu ops, %zu runs of a build with one plan step per op (no XNNPACK runtime spans two\n"
      "ops, so XNNPACK's fusion and scheduling differ slightly from the plan timed above); fastest run %s ms,\n"
      "sum of the ops' fastest runs %s ms; %% and cum%% of that sum, GMAC/s of the op's fastest run%s\n",
      profile.ops.size(), profile.runs, Ms(profile.runMinMs).c_str(), Ms(sumMin).c_str(),
      peak.int8 > 0 ? ", peak% of the core's int8 or fp32 peak (--peak)" : "");
  std::printf("%8s %8s %6s %6s %8s %6s  %-28s %-16s %s\n", "min ms", "mean ms", "%", "cum%", "GMAC/s", "peak%",
              "backend", "output", "op");
  double cum = 0;
  for (const OpRow& op : profile.ops) {
    cum += op.minMs;
    const double gmacs = OpGmacs(op);
    std::printf("%8.3f %8.3f %6.1f %6.1f %8s %6s  %-28s %-16s %s\n", op.minMs, op.meanMs,
                sumMin > 0 ? 100 * op.minMs / sumMin : 0.0, sumMin > 0 ? 100 * cum / sumMin : 0.0,
                gmacs > 0 ? Fixed1(gmacs).c_str() : "-",
                gmacs > 0 && peak.int8 > 0 ? Fixed1(100 * OpPeakShare(op, peak)).c_str() : "-", op.backend.c_str(),
                op.shape.c_str(), op.label.c_str());
  }
}

void PrintTable(const LoadedModel& model, const SessionInfo& info, const BenchmarkParams& params,
                const std::vector<Run>& runs) {
  std::printf("model: %s (%s, %s)\n", model.config.modelId.c_str(), PrecisionName(model.config.precision),
              model.file.c_str());
  std::printf("device: %s (%s) — %s, %d threads\n", info.device.device.name.c_str(),
              DeviceTypeName(info.device.device.type), info.device.reason.c_str(), HostNN_GetThreadCount());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("load %s ms, compile %s ms, first run %s ms, warm-up %lld, peak RSS %.1f MB\n", Ms(info.loadMs).c_str(),
              Ms(info.compileMs).c_str(), Ms(runs.front().result.firstRunMs).c_str(),
              static_cast<long long>(params.warmupRuns), static_cast<double>(usage.ru_maxrss) / 1024);
  std::printf("%-22s %6s %8s %8s %8s %8s %8s %8s %8s %8s\n", "mode", "runs", "min", "p50", "p90", "p99", "max", "mean",
              "std", "inf/s");
  for (const Run& run : runs) {
    const LatencyStats& l = run.result.latency;
    const std::string mode = std::string(IoModeName(run.mode)) + (run.result.cancelled ? " (cancelled)" : "");
    std::printf("%-22s %6zu %8s %8s %8s %8s %8s %8s %8s %8.1f\n", mode.c_str(), run.result.samplesMs.size(),
                Ms(l.minMs).c_str(), Ms(l.p50Ms).c_str(), Ms(l.p90Ms).c_str(), Ms(l.p99Ms).c_str(), Ms(l.maxMs).c_str(),
                Ms(l.meanMs).c_str(), Ms(l.stdMs).c_str(), l.throughputPerSec);
  }
  std::printf("latency in ms per run: RunSync, plus the input/output memcpy in copy mode\n");
}

// ---- source → result, per path ----------------------------------------------------------------------------------

struct SourcePath {
  InferenceSession* session;
  IoMode mode;
  FrameStore store;
};

struct SourceRow {
  IoMode mode;
  Preprocessing preprocessing;
  SourceBenchmarkResult result;
  std::string error;  // the path's failure (e.g. a source over the AIPP limit); the other paths still run
};

// The source rows of the report: each run as npulens_bench reports a model run, plus what the source benchmark adds.
nlohmann::json SourceRunJson(const LoadedModel& model, const SessionInfo& info, const SourceFrameSpec& source,
                             const SourceRow& row) {
  const SourceBenchmarkResult& r = row.result;
  nlohmann::json run = RunJson(model, info, row.mode, r.run);
  run["role"] = "source";
  run["error"] = row.error;
  run["path"] = r.path;
  run["preprocessing"] = PreprocessingName(row.preprocessing);
  run["source"] = {{"width", source.width},
                   {"height", source.height},
                   {"format", PixelFormatName(source.format)},
                   {"bytes", r.sourceBytes}};
  run["stagesP50Ms"] = {{"preprocess", Round3(r.p50.preprocessMs)},
                        {"frameCopy", Round3(r.p50.frameCopyMs)},
                        {"copyIn", Round3(r.p50.copyInMs)},
                        {"inference", Round3(r.p50.inferenceMs)},
                        {"copyOut", Round3(r.p50.copyOutMs)},
                        {"postprocess", Round3(r.p50.postprocessMs)},
                        {"total", Round3(r.p50.totalMs)}};
  run["cpuBytesIn"] = r.cpuBytesIn;
  run["nonInferenceFraction"] = std::round(r.nonInferenceFraction * 10000) / 10000;
  return run;
}

std::string Bytes(size_t v) {
  char buf[32];
  if (v >= 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.2f MB", static_cast<double>(v) / 1e6);
  } else if (v >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(v) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%zu B", v);
  }
  return buf;
}

void PrintSourceTable(const LoadedModel& model, const SourceFrameSpec& source, size_t sourceBytes,
                      const std::vector<std::pair<std::string, std::string>>& sessions,
                      const std::vector<SourceRow>& rows) {
  std::printf("model: %s (%s, %s), %d threads\n", model.config.modelId.c_str(), PrecisionName(model.config.precision),
              model.file.c_str(), HostNN_GetThreadCount());
  std::printf("source: %dx%d %s, %s (synthetic)\n", source.width, source.height, PixelFormatName(source.format),
              Bytes(sourceBytes).c_str());
  for (const auto& [name, reason] : sessions) std::printf("%s: %s\n", name.c_str(), reason.c_str());
  std::printf("%-18s %5s %8s %8s %8s %8s %8s %8s %8s %8s %11s %7s\n", "path", "runs", "e2e p50", "p90", "pre",
              "frame cp", "copy in", "infer", "copy out", "post", "CPU bytes", "non-inf");
  for (const SourceRow& row : rows) {
    const SourceBenchmarkResult& r = row.result;
    if (!row.error.empty()) {
      std::printf("%-18s refused: %s\n", r.path.c_str(), row.error.c_str());
      continue;
    }
    std::printf("%-18s %5zu %8s %8s %8s %8s %8s %8s %8s %8s %11s %6.1f%%\n",
                (r.path + (r.run.cancelled ? " (cancelled)" : "")).c_str(), r.run.samplesMs.size(),
                Ms(r.run.latency.p50Ms).c_str(), Ms(r.run.latency.p90Ms).c_str(), Ms(r.p50.preprocessMs).c_str(),
                Ms(r.p50.frameCopyMs).c_str(), Ms(r.p50.copyInMs).c_str(), Ms(r.p50.inferenceMs).c_str(),
                Ms(r.p50.copyOutMs).c_str(), Ms(r.p50.postprocessMs).c_str(), Bytes(r.cpuBytesIn).c_str(),
                100 * r.nonInferenceFraction);
  }
  std::printf(
      "ms: end to end (the session's totalMs, source frame -> top-1) and each stage's median; CPU bytes: read or\n"
      "written by the CPU before inference per run; non-inf: median share of end to end that is not inference (the\n"
      "host runs the AIPP emulation inside inference, as the NPU runs AIPP inside its run)\n");
}

// Reads the manifest model --model names: its bytes and config (device policy auto, loadMs = the read). Prints the
// error and returns false when it cannot.
bool ReadBenchModel(const Options& o, LoadedModel* model) {
  ModelRequest request;
  request.manifestPath = o.manifest;
  request.modelId = o.modelId;
  const auto t0 = std::chrono::steady_clock::now();
  Result<LoadedModel> read = LoadModel(request, ReadDiskFile);
  if (!read.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", read.status().ToString().c_str());
    return false;
  }
  *model = std::move(read.value());
  model->config.devicePolicy = DevicePolicy::kAuto;
  model->config.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

// A session over the model's bytes (moved into it) with `config`, and its info. Prints the error and returns false
// when either fails.
bool LoadBenchSession(LoadedModel* model, const SessionConfig& config, std::unique_ptr<InferenceSession>* session,
                      SessionInfo* info) {
  Result<std::unique_ptr<InferenceSession>> loaded = InferenceSession::Load(std::move(model->bytes), config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", loaded.status().ToString().c_str());
    return false;
  }
  Result<SessionInfo> read = loaded.value()->Info();
  if (!read.ok()) {
    std::fprintf(stderr, "npulens_bench: %s\n", read.status().ToString().c_str());
    return false;
  }
  *session = std::move(loaded.value());
  *info = std::move(read.value());
  return true;
}

int SourceMain(const Options& o) {
  const std::string started = IsoNow();
  const bool wantCpu = o.preprocessing != "aipp";
  const bool wantAipp = o.preprocessing == "aipp" || o.preprocessing == "both";
  const bool aippIfDeclared = o.preprocessing.empty();
  // Each path's session: loaded with its pre-processing (the other's load is independent).
  std::vector<std::unique_ptr<InferenceSession>> sessions;
  std::vector<std::pair<std::string, std::string>> reasons;
  std::vector<SourcePath> paths;
  std::vector<Preprocessing> pathPre;
  LoadedModel shown;
  SessionInfo shownInfo;
  for (Preprocessing pre : {Preprocessing::kCpu, Preprocessing::kAipp}) {
    if (pre == Preprocessing::kCpu ? !wantCpu : !wantAipp && !aippIfDeclared) continue;
    LoadedModel model;
    if (!ReadBenchModel(o, &model)) return 1;
    // Without --preprocessing, the AIPP paths only where the target declares dynamic AIPP.
    if (pre == Preprocessing::kAipp && aippIfDeclared && model.config.aipp.mode != AippMode::kDynamic) {
      reasons.emplace_back("aipp", "not measured: the target declares no dynamic AIPP (manifest aipp.mode)");
      continue;
    }
    SessionConfig config = model.config;
    config.preprocessing = pre;
    std::unique_ptr<InferenceSession> session;
    SessionInfo info;
    if (!LoadBenchSession(&model, config, &session, &info)) return 1;
    reasons.emplace_back(PreprocessingName(pre), info.preprocessingReason);
    InferenceSession* s = session.get();
    if (pre == Preprocessing::kCpu) {
      for (IoMode mode : o.modes) paths.push_back({s, mode, FrameStore::kMemory});
    } else {
      paths.push_back({s, IoMode::kZeroCopy, FrameStore::kMemory});
      paths.push_back({s, IoMode::kZeroCopy, FrameStore::kFd});
    }
    pathPre.resize(paths.size(), pre);
    shown = std::move(model);
    shownInfo = info;
    sessions.push_back(std::move(session));
  }
  const size_t frameBytes = RowBytes(o.source.format, o.source.width) * RowCount(o.source.format, o.source.height);
  std::vector<SourceRow> rows;
  bool failed = false;
  for (int64_t round = 0; round < o.rounds; ++round) {
    for (size_t i = 0; i < paths.size(); ++i) {
      const SourcePath& p = paths[i];
      Result<SourceBenchmarkResult> r = BenchmarkSource(*p.session, o.source, p.store, o.params, p.mode, nullptr);
      SourceRow row{p.mode, pathPre[i], {}, ""};
      if (r.ok()) {
        row.result = std::move(r.value());
      } else {
        row.result.path = SourcePathName(pathPre[i], p.mode, p.store);
        row.result.sourceBytes = frameBytes;
        row.error = r.status().ToString();
        failed = true;
      }
      rows.push_back(std::move(row));
    }
  }
  nlohmann::json doc = ReportHeader(o, started);
  nlohmann::json list = nlohmann::json::array();
  for (const SourceRow& row : rows) list.push_back(SourceRunJson(shown, shownInfo, o.source, row));
  doc["runs"] = list;
  AddRss(&doc);
  if (o.json != "-") PrintSourceTable(shown, o.source, frameBytes, reasons, rows);
  // A refused path is in the table and the report; the exit code says so.
  const int written = o.json.empty() ? 0 : WriteReport("npulens_bench", o.json, doc);
  return failed ? 1 : written;
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  if (o.threads > 0) HostNN_SetThreadCount(o.threads);
  if (o.hasSource) return SourceMain(o);
  Peak peak;
  std::string error;
  if (!o.peak.empty() && !ReadPeak(o.peak, &peak, &error)) {
    std::fprintf(stderr, "npulens_bench: %s\n", error.c_str());
    return 1;
  }
  const std::string started = IsoNow();
  LoadedModel model;
  if (!ReadBenchModel(o, &model)) return 1;
  const std::vector<uint8_t> bytes = o.profileRuns > 0 ? model.bytes : std::vector<uint8_t>();
  const SessionConfig config = model.config;
  std::unique_ptr<InferenceSession> session;
  SessionInfo info;
  if (!LoadBenchSession(&model, config, &session, &info)) return 1;
  std::vector<Run> runs;
  for (IoMode mode : o.modes) {
    Result<BenchmarkResult> r = BenchmarkSession(*session, config.input, o.params, mode, nullptr);
    if (!r.ok()) {
      std::fprintf(stderr, "npulens_bench: %s\n", r.status().ToString().c_str());
      return 1;
    }
    runs.push_back({mode, std::move(r.value())});
  }
  nlohmann::json doc = ReportJson(o, model, info, started, runs);
  if (o.json != "-") PrintTable(model, info, o.params, runs);
  if (o.profileRuns > 0) {
    Profile profile;
    if (!ProfileModel(bytes, o.profileRuns, &profile, &error)) {
      std::fprintf(stderr, "npulens_bench: %s\n", error.c_str());
      return 1;
    }
    doc["profile"] = ProfileJson(profile, peak);
    if (o.json != "-") PrintProfile(profile, peak);
  }
  return o.json.empty() ? 0 : WriteReport("npulens_bench", o.json, doc);
}

}  // namespace
}  // namespace npulens

int main(int argc, char** argv) { return npulens::Main(argc, argv); }
