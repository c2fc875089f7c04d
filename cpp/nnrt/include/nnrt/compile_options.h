// Compilation options applied between SetDevice and Build. Each one set is applied with its return code checked
// and recorded in an OptionReport (accepted, or rejected with the NNRt code); nothing is silently dropped.
// Rejected options do not stop the load (the device may not support e.g. priority), except the CANN tuning
// pair: a tuning mode needs its cache dir (checked before any NNRt call: NPULENS_INVALID_ARGUMENT, step
// "compile.options.tuning_mode"), and if either half is rejected the load fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace npulens {

enum class TuningMode { kUnset = 0, kAuto = 1, kHeter = 2 };         // HiAI_TuningMode
enum class BandMode { kUnset = 0, kLow = 1, kNormal = 2, kHigh = 3 };  // HiAI_BandMode
enum class PerformanceMode { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3, kExtreme = 4 };  // OH_NN_PerformanceMode
enum class Priority { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3 };                       // OH_NN_Priority

struct CompileOptions {
  TuningMode tuningMode = TuningMode::kUnset;  // AUTO/HETER require tuningCacheDir (the app's files dir)
  std::string tuningCacheDir;
  BandMode bandMode = BandMode::kUnset;        // kUnset: not applied
  std::optional<PerformanceMode> performanceMode;
  std::optional<Priority> priority;
  std::optional<bool> enableFloat16;
  std::string cacheDir;                        // NNRt compilation cache (OH_NNCompilation_SetCache); empty: off
  uint32_t cacheVersion = 1;
  bool checkCompatibility = true;              // HMS_HiAICompatibility_CheckFromBuffer before Build
};

// One applied option: e.g. {"band_mode", "NORMAL", true, 0, "OH_NN_SUCCESS"}.
struct OptionReport {
  std::string option;  // tuning_mode, tuning_cache_dir, band_mode, performance_mode, priority, float16, cache
  std::string value;
  bool accepted = false;
  int code = 0;
  std::string codeName;
  std::string detail;  // the runtime's explanation when rejected (host build), else ""
};

const char* TuningModeName(TuningMode mode);            // "UNSET" | "AUTO" | "HETER"
const char* BandModeName(BandMode mode);                // "UNSET" | "LOW" | "NORMAL" | "HIGH"
const char* PerformanceModeName(PerformanceMode mode);  // "NONE" | "LOW" | "MEDIUM" | "HIGH" | "EXTREME"
const char* PriorityName(Priority priority);            // "NONE" | "LOW" | "MEDIUM" | "HIGH"

}  // namespace npulens
