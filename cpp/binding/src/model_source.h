// Where a model comes from, and the load options shared by every platform. The platform registration parses its
// own arguments into a ModelSource (Node: files on disk; OHOS: rawfile through the ResourceManager); everything
// after that is common.
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/manifest.h"
#include "core/status.h"
#include "nnrt/inference_session.h"

namespace npulens::binding {

struct LoadedModel {
  std::vector<uint8_t> bytes;  // the model file; handed to InferenceSession::Load
  SessionConfig config;        // modelId, precision, input/output, labels (policy and options come from LoadParams)
  std::string title;
  std::string file;            // the model file as the user knows it (manifest-relative or the given path)
};

class ModelSource {
 public:
  virtual ~ModelSource() = default;
  // Runs on a worker thread: reads the model bytes and whatever describes its pre/post-processing.
  virtual Result<LoadedModel> Read() = 0;
};

// Reads one file named relative to the manifest's folder (as ResolveManifestPath returns it); `kind` says what it
// is for (kModelFile / kLabelsFile: named in errors, its size cap).
using FileReader = std::function<Result<std::vector<uint8_t>>(const std::string& path, const FileKind& kind)>;

// An empty model file is an I/O problem of that file (NPULENS_IO, step "io.read"), reported before compiling.
Status CheckModelBytes(const std::vector<uint8_t>& bytes, const std::string& path);

// Picks model `modelId` and its `target` ("onnx" on the host, "om" on the device) from a manifest and reads the
// model file and labels through `read`. Unknown ids and missing targets are NPULENS_MANIFEST errors (step
// "manifest") naming the manifest file and the known ids / targets.
Result<LoadedModel> ReadManifestModel(const Manifest& manifest, const std::string& modelId, const std::string& target,
                                      const FileReader& read);

// Everything LoadOptions says besides which model.
struct LoadParams {
  DevicePolicy policy = DevicePolicy::kAuto;
  IoMode ioMode = IoMode::kZeroCopy;
  CompileOptions options;
};

// Parses LoadOptions' device/ioMode/tuningMode/tuningCacheDir/bandMode/priority/performanceMode/fp16/cacheDir/
// cacheVersion (absent = default). Unknown keys are ignored (the Node spec object carries its own keys).
Status ParseLoadParams(Napi::Object options, const std::string& step, LoadParams* out);

}  // namespace npulens::binding
