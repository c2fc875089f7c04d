// Compilation options set between SetDevice and Build. On the device the setters only record a value; Build
// applies them and fails as a whole when the device does not support one. Every option set ends in an
// OptionReport: applied, or refused with the NNRt code (when set, or by Build). No optional option (cache, fp16,
// performance mode, priority, band mode) can make a load fail: a refused one is left out and the model is built
// without it. The CANN tuning pair is required: a tuning mode needs its cache dir (checked before any NNRt call:
// NPULENS_INVALID_ARGUMENT, step "compile.options.tuning_mode"), and the load fails if either half is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace npulens {

enum class TuningMode { kUnset = 0, kAuto = 1, kHeter = 2 };                               // HiAI_TuningMode
enum class BandMode { kUnset = 0, kLow = 1, kNormal = 2, kHigh = 3 };                      // HiAI_BandMode
enum class PerformanceMode { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3, kExtreme = 4 };  // OH_NN_PerformanceMode
enum class Priority { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3 };                       // OH_NN_Priority

struct CompileOptions {
  TuningMode tuningMode = TuningMode::kUnset;  // AUTO/HETER require tuningCacheDir (the app's files dir)
  std::string tuningCacheDir;
  BandMode bandMode = BandMode::kUnset;  // kUnset: not applied
  std::optional<PerformanceMode> performanceMode;
  std::optional<Priority> priority;
  std::optional<bool> enableFloat16;
  std::string cacheDir;  // NNRt compilation cache (OH_NNCompilation_SetCache); empty: off
  uint32_t cacheVersion = 1;
  bool checkCompatibility = true;  // HMS_HiAICompatibility_CheckFromBuffer before Build
  // HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_PROFILING, dir): the runtime writes its profile files there (an existing
  // directory, checked at Load). Optional: CANN Kit 5.1.0(18), looked up at run time; on an older system it is reported
  // refused ("om_options", OH_NN_UNSUPPORTED) and the model loads without it. Empty: off.
  std::string profilingDir;
  // HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_DUMP, dir): the runtime dumps each inference's tensors there (the host
  // runtime: <dir>/<model>/run<N>/index.json + one float32 file per tensor). Optional and looked up at run time as
  // profilingDir. Not with profilingDir: SetOmOptions takes one HiAI_OmType per compilation (a second call replaces the
  // first), so one of the two would be silently dropped. Empty: off.
  std::string dumpDir;
};

// One option's outcome: e.g. {"band_mode", "NORMAL", true, 0, "OH_NN_SUCCESS"}; `accepted` = applied in the
// compilation the session runs on.
struct OptionReport {
  // tuning_mode, tuning_cache_dir, band_mode, performance_mode, priority, float16, cache, om_options
  std::string option;
  std::string value;
  bool accepted = false;
  int code = 0;
  std::string codeName;
  // Why it was refused: "refused when set[: …]" or "OH_NNCompilation_Build failed with it[: …]" (the runtime's
  // explanation on the host build); "" when applied.
  std::string detail;
};

const char* TuningModeName(TuningMode mode);            // "UNSET" | "AUTO" | "HETER"
const char* BandModeName(BandMode mode);                // "UNSET" | "LOW" | "NORMAL" | "HIGH"
const char* PerformanceModeName(PerformanceMode mode);  // "NONE" | "LOW" | "MEDIUM" | "HIGH" | "EXTREME"
const char* PriorityName(Priority priority);            // "NONE" | "LOW" | "MEDIUM" | "HIGH"

}  // namespace npulens
