// The model manifest (docs/manifest.md): parsing, validation, target override merge, labels files.
// Validation errors have code NPULENS_MANIFEST, step "manifest" and name the field path and the file, e.g.
//   manifest: NPULENS_MANIFEST (1003): models[1].input.std[2] must be > 0 (…/models/manifest.json)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor_types.h"

namespace npulens {

enum class Precision { kFp32, kFp16, kInt8 };
enum class OutputKind { kLogits, kProbabilities };

const char* PrecisionName(Precision precision);  // "fp32" | "fp16" | "int8"
const char* OutputKindName(OutputKind kind);     // "logits" | "probabilities"

// What the model's input tensor expects and how to produce it from an image.
struct InputSpec {
  std::string name;  // empty: not checked against the model
  int width = 0;
  int height = 0;
  int channels = 3;
  Layout layout = Layout::kNCHW;
  DType dtype = DType::kFloat32;
  ColorOrder colorOrder = ColorOrder::kRGB;
  float mean[3] = {0, 0, 0};         // pixel units, in colorOrder order
  float std[3] = {1, 1, 1};          // pixel units, > 0
  std::optional<QuantParams> quant;  // present iff dtype is int8/uint8
  float centerCrop = 1.0f;           // (0, 1]
};

struct OutputSpec {
  std::string name;  // empty: not checked
  int classes = 0;
  DType dtype = DType::kFloat32;
  OutputKind kind = OutputKind::kLogits;
  std::optional<QuantParams> quant;  // present iff dtype is int8/uint8
};

// What AIPP (the NPU's image pre-processing unit, CANN Kit) a model file has. kDynamic: the .om was converted with
// a dynamic AIPP insert_op_conf, so the app configures format, crop, colour conversion, resize and normalisation per
// input at run time (HMS_HiAIAippParam_*); kStatic: the conversion fixed them, the model takes one source format;
// kNone: the model takes the pre-processed tensor.
enum class AippMode { kNone, kStatic, kDynamic };
const char* AippModeName(AippMode mode);  // "none" | "static" | "dynamic"

// The guide's limits: AIPP resize outputs 16x16 .. 448x448; max_src_image_size is a uint32.
inline constexpr int kAippResizeMin = 16;
inline constexpr int kAippResizeMax = 448;
inline constexpr int64_t kAippMaxSrcImageSizeMax = 4294967295;

struct AippSpec {
  AippMode mode = AippMode::kNone;
  // Largest source image in bytes the model's dynamic AIPP takes (its insert_op_conf max_src_image_size); 0 when
  // the mode is none (required for dynamic, optional for static).
  uint64_t maxSrcImageSize = 0;
  // Source formats the AIPP takes, each once: "NV21" | "NV12" | "RGBA" | "BGRA" | "RGB" | "BGR" (the PixelFormat
  // names of core/preprocess.h); empty when the mode is none, exactly one for static.
  std::vector<std::string> formats;

  bool Accepts(const std::string& format) const;  // format is listed
};

// Batch profiles: the CANN Kit guide's omg --dynamic_dims takes at most 16 shape gears; a batch is at most 64 images.
inline constexpr size_t kMaxBatchProfiles = 16;
inline constexpr int kMaxBatchSize = 64;

// One file of a model for one runtime, with that target's merged (override applied) input/output/aipp specs.
struct ModelTarget {
  std::string file;    // relative to the manifest's folder (validated: no "..", not absolute)
  std::string sha256;  // lower-case hex, or empty
  InputSpec input;
  OutputSpec output;
  AippSpec aipp;
  // The batch sizes the file takes ("batchSizes": its dynamic-batch gears, e.g. an .om converted with omg
  // --dynamic_dims "1;2;4;8"), ascending and unique, 1..kMaxBatchSize, at most kMaxBatchProfiles; {1} when absent.
  std::vector<int> batchSizes{1};
};

struct ModelEntry {
  std::string id;
  std::string title;
  Precision precision = Precision::kFp32;
  bool pretrained = false;
  bool isDefault = false;  // "default": the model a UI or CLI opens when none is named (at most one per manifest)
  std::string notes;
  std::string labels;                          // relative path or empty
  std::map<std::string, ModelTarget> targets;  // "onnx", "om", ... (at least one)
  InputSpec input;                             // before any target override
  OutputSpec output;
  AippSpec aipp;
};

struct Manifest {
  int version = 1;
  std::string file;       // the manifest path as given (used in messages)
  std::string directory;  // folder that relative paths resolve against ("" = current directory)
  std::vector<ModelEntry> models;

  const ModelEntry* Find(const std::string& id) const;  // nullptr if absent
};

// Parses and validates manifest JSON text. `file` names the manifest in messages and sets `directory`.
Result<Manifest> ParseManifest(const std::string& jsonText, const std::string& file);

// Reads and parses a manifest file (NPULENS_IO error naming the file when it cannot be read).
Result<Manifest> LoadManifestFile(const std::string& path);

// directory + "/" + relative (or just relative when directory is empty).
std::string ResolveManifestPath(const Manifest& manifest, const std::string& relative);

// Validates an InputSpec/OutputSpec built outside a manifest (e.g. from CLI flags). `where` names the source in
// messages ("--size", "input", ...). Same rules as the manifest.
Status ValidateInputSpec(const InputSpec& spec, const std::string& where);
Status ValidateOutputSpec(const OutputSpec& spec, const std::string& where);

// Labels: one per line, '\r\n' or '\n', a final newline optional, no empty lines. When expectedCount > 0 the
// count must match (NPULENS_MANIFEST error naming the file and both counts).
Result<std::vector<std::string>> ParseLabels(const std::string& text, const std::string& file, int expectedCount);
Result<std::vector<std::string>> LoadLabelsFile(const std::string& path, int expectedCount);

}  // namespace npulens
