// LoadOptions shared by every platform: the device policy, the I/O mode and the compile options. The model itself is
// a ModelRequest (nnrt/model_loader.h) each platform's registration fills from its own arguments.
#pragma once

#include <napi.h>

#include <string>

#include "core/status.h"
#include "nnrt/inference_session.h"

namespace npulens::binding {

// Everything LoadOptions says besides which model.
struct LoadParams {
  DevicePolicy policy = DevicePolicy::kAuto;
  IoMode ioMode = IoMode::kZeroCopy;
  Preprocessing preprocessing = Preprocessing::kAuto;
  CompileOptions options;
  bool returnOutput = false;  // ClassifyResult.output
  int batchSize = 0;          // images per inference; 0: the target's smallest (SessionConfig::batchSize)
};

// Parses LoadOptions' device/ioMode/preprocessing/tuningMode/tuningCacheDir/bandMode/priority/performanceMode/fp16/
// cacheDir/cacheVersion/batchSize/profilingDir/dumpDir/returnOutput (absent = default). Unknown keys are ignored (the
// Node spec object carries its own keys).
Status ParseLoadParams(Napi::Object options, const std::string& step, LoadParams* out);

}  // namespace npulens::binding
