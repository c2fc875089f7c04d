#include "nnrt/compile_options.h"

namespace npulens {

const char* TuningModeName(TuningMode m) {
  switch (m) {
    case TuningMode::kUnset: return "UNSET";
    case TuningMode::kAuto: return "AUTO";
    case TuningMode::kHeter: return "HETER";
  }
  return "?";
}

const char* BandModeName(BandMode m) {
  switch (m) {
    case BandMode::kUnset: return "UNSET";
    case BandMode::kLow: return "LOW";
    case BandMode::kNormal: return "NORMAL";
    case BandMode::kHigh: return "HIGH";
  }
  return "?";
}

const char* PerformanceModeName(PerformanceMode m) {
  switch (m) {
    case PerformanceMode::kNone: return "NONE";
    case PerformanceMode::kLow: return "LOW";
    case PerformanceMode::kMedium: return "MEDIUM";
    case PerformanceMode::kHigh: return "HIGH";
    case PerformanceMode::kExtreme: return "EXTREME";
  }
  return "?";
}

const char* PriorityName(Priority p) {
  switch (p) {
    case Priority::kNone: return "NONE";
    case Priority::kLow: return "LOW";
    case Priority::kMedium: return "MEDIUM";
    case Priority::kHigh: return "HIGH";
  }
  return "?";
}

}  // namespace npulens
