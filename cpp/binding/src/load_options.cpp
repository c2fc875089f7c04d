#include "load_options.h"

#include <cstdint>
#include <functional>
#include <utility>

#include "js_util.h"

namespace npulens::binding {

Status ParseLoadParams(Napi::Object options, const std::string& step, LoadParams* out) {
  CompileOptions& o = out->options;
  Priority priority = Priority::kNone;
  PerformanceMode performance = PerformanceMode::kNone;
  bool fp16 = false;
  int64_t cacheVersion = o.cacheVersion;
  int64_t batchSize = 0;  // absent: the target's smallest
  const std::pair<const char*, std::function<Status(const Napi::Value&)>> parsers[] = {
      {"device",
       [&](const Napi::Value& v) {
         return ToEnum<DevicePolicy>(
             v, step, "options.device",
             {{"auto", DevicePolicy::kAuto}, {"npu", DevicePolicy::kNpu}, {"cpu", DevicePolicy::kCpu}}, &out->policy);
       }},
      {"ioMode",
       [&](const Napi::Value& v) {
         return ToEnum<IoMode>(v, step, "options.ioMode", {{"zero-copy", IoMode::kZeroCopy}, {"copy", IoMode::kCopy}},
                               &out->ioMode);
       }},
      {"preprocessing",
       [&](const Napi::Value& v) {
         return ToEnum<Preprocessing>(
             v, step, "options.preprocessing",
             {{"auto", Preprocessing::kAuto}, {"cpu", Preprocessing::kCpu}, {"aipp", Preprocessing::kAipp}},
             &out->preprocessing);
       }},
      {"tuningMode",
       [&](const Napi::Value& v) {
         return ToEnum<TuningMode>(
             v, step, "options.tuningMode",
             {{"off", TuningMode::kUnset}, {"auto", TuningMode::kAuto}, {"heter", TuningMode::kHeter}}, &o.tuningMode);
       }},
      {"tuningCacheDir",
       [&](const Napi::Value& v) { return ToString(v, step, "options.tuningCacheDir", &o.tuningCacheDir); }},
      {"bandMode",
       [&](const Napi::Value& v) {
         return ToEnum<BandMode>(v, step, "options.bandMode",
                                 {{"unset", BandMode::kUnset},
                                  {"low", BandMode::kLow},
                                  {"normal", BandMode::kNormal},
                                  {"high", BandMode::kHigh}},
                                 &o.bandMode);
       }},
      {"priority",
       [&](const Napi::Value& v) {
         return ToEnum<Priority>(v, step, "options.priority",
                                 {{"none", Priority::kNone},
                                  {"low", Priority::kLow},
                                  {"medium", Priority::kMedium},
                                  {"high", Priority::kHigh}},
                                 &priority);
       }},
      {"performanceMode",
       [&](const Napi::Value& v) {
         return ToEnum<PerformanceMode>(v, step, "options.performanceMode",
                                        {{"none", PerformanceMode::kNone},
                                         {"low", PerformanceMode::kLow},
                                         {"medium", PerformanceMode::kMedium},
                                         {"high", PerformanceMode::kHigh},
                                         {"extreme", PerformanceMode::kExtreme}},
                                        &performance);
       }},
      {"fp16", [&](const Napi::Value& v) { return ToBool(v, step, "options.fp16", &fp16); }},
      {"batchSize",
       [&](const Napi::Value& v) { return ToInteger(v, step, "options.batchSize", 1, kMaxBatchSize, &batchSize); }},
      {"cacheDir", [&](const Napi::Value& v) { return ToString(v, step, "options.cacheDir", &o.cacheDir); }},
      {"cacheVersion",
       [&](const Napi::Value& v) { return ToInteger(v, step, "options.cacheVersion", 0, UINT32_MAX, &cacheVersion); }},
      {"profilingDir",
       [&](const Napi::Value& v) { return ToString(v, step, "options.profilingDir", &o.profilingDir); }},
      {"dumpDir", [&](const Napi::Value& v) { return ToString(v, step, "options.dumpDir", &o.dumpDir); }},
      {"returnOutput",
       [&](const Napi::Value& v) { return ToBool(v, step, "options.returnOutput", &out->returnOutput); }},
  };
  for (const auto& [key, parse] : parsers) {
    Status st = ParseOption(options, key, step, parse);
    if (!st.ok()) return st;
  }
  if (o.tuningMode != TuningMode::kUnset && o.tuningCacheDir.empty()) {
    return TypeMismatch(step, "options.tuningCacheDir is required with tuningMode '" +
                                  std::string(o.tuningMode == TuningMode::kAuto ? "auto" : "heter") + "'");
  }
  if (!o.profilingDir.empty() && !o.dumpDir.empty()) {
    return TypeMismatch(step,
                        "options.profilingDir and options.dumpDir cannot be combined: "
                        "HMS_HiAIOptions_SetOmOptions takes one HiAI_OmType per compilation");
  }
  // 'none' / false mean "do not set the option", so the device is never asked about it.
  if (priority != Priority::kNone) o.priority = priority;
  if (performance != PerformanceMode::kNone) o.performanceMode = performance;
  if (fp16) o.enableFloat16 = true;
  o.cacheVersion = static_cast<uint32_t>(cacheVersion);
  out->batchSize = static_cast<int>(batchSize);
  return Status::Ok();
}

}  // namespace npulens::binding
