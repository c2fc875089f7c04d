// The model loader: a load request (a manifest model, or a model file / its bytes with the caller's pre-processing)
// becomes the model bytes and the SessionConfig that InferenceSession::Load takes. Files are read through a
// FileReader, so the same loader serves files on disk (host tools, tests, the Node addon) and the app's rawfiles
// (the device addon reads them through the ResourceManager). No N-API here: the bindings convert JS arguments into a
// ModelRequest and call CheckModelRequest, then LoadModel off the JS thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/manifest.h"
#include "core/status.h"
#include "nnrt/inference_session.h"

namespace npulens {

struct LoadedModel {
  std::vector<uint8_t> bytes;  // the model file; handed to InferenceSession::Load
  SessionConfig config;        // modelId, precision, input/output, labels (the caller adds policy and options)
  std::string title;
  std::string file;  // the model file as the user knows it (manifest-relative or the given path)
};

// Reads one whole file; `kind` says what it is for (kManifestFile / kModelFile / kLabelsFile: named in errors, its
// size cap). Manifest-relative files arrive resolved against the manifest's folder (ResolveManifestPath).
using FileReader = std::function<Result<std::vector<uint8_t>>(const std::string& path, const FileKind& kind)>;

// Regular files on disk, capped by their kind (ReadFileBytes).
Result<std::vector<uint8_t>> ReadDiskFile(const std::string& path, const FileKind& kind);

// The model manifest at `path`, read through `read` (errors: the reader's, then ParseManifest's naming `path`).
Result<Manifest> ReadManifest(const std::string& path, const FileReader& read);

// What to load. A manifest model when manifestPath is set (the other fields are not used); otherwise a model file
// (modelPath) or its bytes (modelBytes), exactly one of them, described by labelsPath / classes / input / outputKind.
struct ModelRequest {
  std::optional<std::string> manifestPath;
  std::string modelId;
  std::string target = "onnx";  // the manifest target to run: "onnx" on the host, "om" on the device

  std::optional<std::string> modelPath;
  std::optional<std::vector<uint8_t>> modelBytes;  // named "(modelBytes)" in messages
  std::string labelsPath;                          // empty: no labels, `classes` gives the class count
  int classes = 0;                                 // 0: the labels file's line count
  std::optional<InputSpec> input;                  // required for a model file
  OutputKind outputKind = OutputKind::kLogits;
};

// Checks a request's shape before anything is read, so a binding can report it synchronously. Errors at `step`:
// NPULENS_INVALID_ARGUMENT for a missing or doubled field ("options need ..."), ValidateInputSpec's for the input
// (named "options.input"). A manifest request passes: its problems are found when the manifest is read.
Status CheckModelRequest(const ModelRequest& request, const std::string& step);

// Reads the model and its labels (a worker thread's job: it reads files). A manifest model: unknown ids and missing
// targets are NPULENS_MANIFEST errors (step "manifest") naming the manifest and the known ids / targets. An empty
// model file is NPULENS_IO at "io.read". Runs CheckModelRequest first.
Result<LoadedModel> LoadModel(ModelRequest request, const FileReader& read);

// Picks model `modelId` and its `target` from a parsed manifest and reads its model file and labels through `read`.
Result<LoadedModel> ReadManifestModel(const Manifest& manifest, const std::string& modelId, const std::string& target,
                                      const FileReader& read);

// An empty model file is an I/O problem of that file (NPULENS_IO, step "io.read"), reported before compiling.
Status CheckModelBytes(const std::vector<uint8_t>& bytes, const std::string& path);

// One manifest model as a model picker shows it.
struct CatalogEntry {
  std::string id;
  std::string title;
  Precision precision = Precision::kFp32;
  bool pretrained = false;
  bool isDefault = false;
  int inputWidth = 0;  // the model's input (before any target override)
  int inputHeight = 0;
  int classes = 0;
  std::string file;  // the catalog's target's file (manifest-relative), empty when the model has no such target
};

// Every model of the manifest at `manifestPath`, in manifest order, with the file of `target` ("om" on the device).
Result<std::vector<CatalogEntry>> ReadModelCatalog(const std::string& manifestPath, const std::string& target,
                                                   const FileReader& read);

}  // namespace npulens
