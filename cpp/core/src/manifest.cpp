// Manifest parsing. Internally a failed check throws ManifestError (path + text); the public functions catch it
// and return a Status, so no exception leaves cpp/core.
#include "core/manifest.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/limits.h"

namespace npulens {
namespace {

using Json = nlohmann::json;

struct ManifestError {
  std::string text;  // "models[1].input.std[2] must be > 0"
};

[[noreturn]] void Fail(const std::string& path, const std::string& text) { throw ManifestError{path + " " + text}; }

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

const char* TypeName(const Json& j) { return j.type_name(); }

void RequireObject(const Json& j, const std::string& path) {
  if (!j.is_object()) Fail(path, std::string("must be an object (got ") + TypeName(j) + ")");
}

void RejectUnknownKeys(const Json& j, const std::string& path, const std::set<std::string>& known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (known.count(it.key()) == 0) Fail(path + "." + it.key(), "is not a known field");
  }
}

// A field looked up in an override object first, then in the base object (target override merge).
struct Field {
  const Json* value = nullptr;
  std::string path;
  bool fromOverride = false;  // found in (or, when absent, looked up last in) the override object
};

class MergedObject {
 public:
  MergedObject(const Json& base, std::string basePath, const Json* over, std::string overPath)
      : base_(base), basePath_(std::move(basePath)), over_(over), overPath_(std::move(overPath)) {}

  Field Get(const std::string& key) const {
    if (over_ != nullptr && over_->contains(key)) return {&(*over_)[key], overPath_ + "." + key, true};
    if (base_.contains(key)) return {&base_[key], basePath_ + "." + key, false};
    return {nullptr, (over_ != nullptr ? overPath_ : basePath_) + "." + key, over_ != nullptr};
  }
  Field Require(const std::string& key, const std::string& why = "is required") const {
    Field f = Get(key);
    if (f.value == nullptr) Fail(f.path, why);
    return f;
  }

 private:
  const Json& base_;
  std::string basePath_;
  const Json* over_;
  std::string overPath_;
};

std::string GetString(const Field& f) {
  if (!f.value->is_string()) Fail(f.path, std::string("must be a string (got ") + TypeName(*f.value) + ")");
  return f.value->get<std::string>();
}

int64_t GetInteger(const Field& f, int64_t lo, int64_t hi) {
  const Json& j = *f.value;
  int64_t v;
  if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > static_cast<uint64_t>(hi)) Fail(f.path, "must be ≤ " + std::to_string(hi));
    v = static_cast<int64_t>(j.get<uint64_t>());
  } else if (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>() &&
             std::fabs(j.get<double>()) < 9e15) {
    v = static_cast<int64_t>(j.get<double>());
  } else {
    Fail(f.path, std::string("must be an integer (got ") + (j.is_number() ? j.dump() : TypeName(j)) + ")");
  }
  if (v < lo) Fail(f.path, "must be ≥ " + std::to_string(lo) + " (got " + std::to_string(v) + ")");
  if (v > hi) Fail(f.path, "must be ≤ " + std::to_string(hi) + " (got " + std::to_string(v) + ")");
  return v;
}

double GetNumber(const Json& j, const std::string& path) {
  if (!j.is_number()) Fail(path, std::string("must be a number (got ") + TypeName(j) + ")");
  const double v = j.get<double>();
  if (!std::isfinite(v)) Fail(path, "must be finite");
  return v;
}

bool GetBool(const Field& f) {
  if (!f.value->is_boolean()) Fail(f.path, std::string("must be true or false (got ") + TypeName(*f.value) + ")");
  return f.value->get<bool>();
}

template <typename Enum, size_t N>
Enum GetEnum(const Field& f, const std::pair<const char*, Enum> (&choices)[N]) {
  const std::string s = GetString(f);
  std::string list;
  for (const auto& c : choices) {
    if (s == c.first) return c.second;
    list += (list.empty() ? "" : " | ") + Quote(c.first);
  }
  Fail(f.path, "must be " + list + " (got " + Quote(s) + ")");
}

constexpr std::pair<const char*, DType> kDTypes[] = {
    {"float32", DType::kFloat32}, {"float16", DType::kFloat16}, {"int8", DType::kInt8}, {"uint8", DType::kUint8}};
constexpr std::pair<const char*, Layout> kLayouts[] = {{"NCHW", Layout::kNCHW}, {"NHWC", Layout::kNHWC}};
constexpr std::pair<const char*, ColorOrder> kOrders[] = {{"RGB", ColorOrder::kRGB}, {"BGR", ColorOrder::kBGR}};
constexpr std::pair<const char*, Precision> kPrecisions[] = {
    {"fp32", Precision::kFp32}, {"fp16", Precision::kFp16}, {"int8", Precision::kInt8}};
constexpr std::pair<const char*, OutputKind> kKinds[] = {{"logits", OutputKind::kLogits},
                                                         {"probabilities", OutputKind::kProbabilities}};
constexpr std::pair<const char*, int> kResizeModes[] = {{"bilinear", 0}};
constexpr std::pair<const char*, AippMode> kAippModes[] = {
    {"none", AippMode::kNone}, {"static", AippMode::kStatic}, {"dynamic", AippMode::kDynamic}};
// The source formats an AIPP input may declare: PixelFormatName of core/preprocess.h, plus BGR for models converted
// for a BGR888 source.
constexpr const char* kAippFormats[] = {"NV21", "NV12", "RGBA", "BGRA", "RGB", "BGR"};

bool IsQuantized(DType d) { return d == DType::kInt8 || d == DType::kUint8; }

void CheckQuant(const QuantParams& q, DType dtype, const std::string& path) {
  if (!(q.scale > 0) || !std::isfinite(q.scale)) Fail(path + ".scale", "must be > 0");
  const int32_t lo = dtype == DType::kInt8 ? -128 : 0;
  const int32_t hi = dtype == DType::kInt8 ? 127 : 255;
  if (q.zeroPoint < lo || q.zeroPoint > hi) {
    Fail(path + ".zeroPoint", "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for " +
                                  DTypeName(dtype) + " (got " + std::to_string(q.zeroPoint) + ")");
  }
}

// quant is required iff dtype is int8/uint8.
std::optional<QuantParams> ParseQuant(const MergedObject& obj, DType dtype, const Field& dtypeField) {
  Field f = obj.Get("quant");
  if (!IsQuantized(dtype)) {
    if (f.value != nullptr)
      Fail(f.path, std::string("is only allowed when dtype is int8 or uint8 (") + dtypeField.path + " is " +
                       DTypeName(dtype) + ")");
    return std::nullopt;
  }
  if (f.value == nullptr) {
    Fail(f.path, std::string("is required when dtype is ") + DTypeName(dtype) + " (" + dtypeField.path + ")");
  }
  RequireObject(*f.value, f.path);
  RejectUnknownKeys(*f.value, f.path, {"scale", "zeroPoint"});
  MergedObject q(*f.value, f.path, nullptr, "");
  QuantParams params;
  params.scale = static_cast<float>(GetNumber(*q.Require("scale").value, f.path + ".scale"));
  params.zeroPoint = static_cast<int32_t>(GetInteger(q.Require("zeroPoint"), -1000000, 1000000));
  CheckQuant(params, dtype, f.path);
  return params;
}

void ParseTriple(const Field& f, float out[3], bool positive) {
  if (!f.value->is_array()) Fail(f.path, std::string("must be an array of 3 numbers (got ") + TypeName(*f.value) + ")");
  if (f.value->size() != 3) Fail(f.path, "must have 3 entries (got " + std::to_string(f.value->size()) + ")");
  for (size_t i = 0; i < 3; ++i) {
    const std::string path = f.path + "[" + std::to_string(i) + "]";
    const double v = GetNumber((*f.value)[i], path);
    if (positive && !(v > 0)) Fail(path, "must be > 0");
    out[i] = static_cast<float>(v);
  }
}

const std::set<std::string> kInputKeys = {"name",       "width", "height", "channels", "layout", "dtype",
                                          "colorOrder", "mean",  "std",    "quant",    "resize", "centerCrop"};
const std::set<std::string> kOutputKeys = {"name", "classes", "dtype", "kind", "quant"};
const std::set<std::string> kAippKeys = {"mode", "maxSrcImageSize", "formats"};

// `input` is the same target's merged input: dynamic AIPP resizes to it, within the guide's 16..448.
AippSpec ParseAipp(const MergedObject& obj, const InputSpec& input) {
  AippSpec aipp;
  const Field modeField = obj.Get("mode");
  if (modeField.value != nullptr) aipp.mode = GetEnum(modeField, kAippModes);
  const Field sizeField = obj.Get("maxSrcImageSize");
  const Field formatsField = obj.Get("formats");
  if (aipp.mode == AippMode::kNone) {
    // A target that turns AIPP off drops what it would inherit; the same fields beside "none" are a mistake.
    for (const Field* f : {&sizeField, &formatsField}) {
      if (f->value != nullptr && f->fromOverride == modeField.fromOverride) {
        Fail(f->path, "is only allowed when mode is \"static\" or \"dynamic\" (" + modeField.path + " is " +
                          (modeField.value != nullptr ? "\"none\")" : "absent: \"none\")"));
      }
    }
    return aipp;
  }
  const bool dynamic = aipp.mode == AippMode::kDynamic;
  if (sizeField.value != nullptr) {
    aipp.maxSrcImageSize = static_cast<uint64_t>(GetInteger(sizeField, 1, kAippMaxSrcImageSizeMax));
  } else if (dynamic) {
    Fail(sizeField.path, "is required when mode is \"dynamic\" (the model's max_src_image_size in bytes)");
  }
  if (formatsField.value == nullptr) {
    Fail(formatsField.path, std::string("is required when mode is ") + Quote(AippModeName(aipp.mode)));
  }
  const Json& list = *formatsField.value;
  if (!list.is_array())
    Fail(formatsField.path, std::string("must be an array of strings (got ") + TypeName(list) + ")");
  if (list.empty()) Fail(formatsField.path, "must list at least one format");
  if (!dynamic && list.size() != 1) {
    Fail(formatsField.path, "must list exactly one format when mode is \"static\" (the conversion fixed it; got " +
                                std::to_string(list.size()) + ")");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const Field item{&list[i], formatsField.path + "[" + std::to_string(i) + "]", formatsField.fromOverride};
    const std::string name = GetString(item);
    bool known = false;
    std::string choices;
    for (const char* f : kAippFormats) {
      known = known || name == f;
      choices += (choices.empty() ? "" : " | ") + Quote(f);
    }
    if (!known) Fail(item.path, "must be " + choices + " (got " + Quote(name) + ")");
    if (aipp.Accepts(name)) Fail(item.path, Quote(name) + " is listed twice");
    aipp.formats.push_back(name);
  }
  if (dynamic && (input.width < kAippResizeMin || input.width > kAippResizeMax || input.height < kAippResizeMin ||
                  input.height > kAippResizeMax)) {
    Fail(modeField.path, "is \"dynamic\", but AIPP resizes to " + std::to_string(kAippResizeMin) + ".." +
                             std::to_string(kAippResizeMax) + " per side and the input is " +
                             std::to_string(input.width) + "x" + std::to_string(input.height));
  }
  return aipp;
}

InputSpec ParseInput(const MergedObject& obj) {
  InputSpec in;
  if (Field f = obj.Get("name"); f.value != nullptr) in.name = GetString(f);
  in.width = static_cast<int>(GetInteger(obj.Require("width"), 1, kModelInputSideMax));
  in.height = static_cast<int>(GetInteger(obj.Require("height"), 1, kModelInputSideMax));
  if (Field f = obj.Get("channels"); f.value != nullptr) in.channels = static_cast<int>(GetInteger(f, 3, 3));
  in.layout = GetEnum(obj.Require("layout"), kLayouts);
  const Field dtypeField = obj.Require("dtype");
  in.dtype = GetEnum(dtypeField, kDTypes);
  in.colorOrder = GetEnum(obj.Require("colorOrder"), kOrders);
  ParseTriple(obj.Require("mean"), in.mean, false);
  ParseTriple(obj.Require("std"), in.std, true);
  in.quant = ParseQuant(obj, in.dtype, dtypeField);
  if (Field f = obj.Get("resize"); f.value != nullptr) GetEnum(f, kResizeModes);
  if (Field f = obj.Get("centerCrop"); f.value != nullptr) {
    const double c = GetNumber(*f.value, f.path);
    if (!(c > 0 && c <= 1)) Fail(f.path, "must be in (0, 1] (got " + f.value->dump() + ")");
    in.centerCrop = static_cast<float>(c);
  }
  return in;
}

OutputSpec ParseOutput(const MergedObject& obj) {
  OutputSpec out;
  if (Field f = obj.Get("name"); f.value != nullptr) out.name = GetString(f);
  out.classes = static_cast<int>(GetInteger(obj.Require("classes"), 1, 1 << 24));
  const Field dtypeField = obj.Require("dtype");
  out.dtype = GetEnum(dtypeField, kDTypes);
  out.kind = GetEnum(obj.Require("kind"), kKinds);
  out.quant = ParseQuant(obj, out.dtype, dtypeField);
  return out;
}

void CheckRelativePath(const std::string& p, const std::string& path) {
  if (p.empty()) Fail(path, "must not be empty");
  if (p.find('\0') != std::string::npos) Fail(path, "must not contain NUL");
  if (p[0] == '/' || p[0] == '\\') Fail(path, "must be relative to the manifest's folder (got " + Quote(p) + ")");
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find_first_of("/\\", start);
    if (end == std::string::npos) end = p.size();
    if (p.compare(start, end - start, "..") == 0) Fail(path, "must not contain '..' (got " + Quote(p) + ")");
    start = end + 1;
  }
}

bool IsValidId(const std::string& id) {
  auto lowerDigit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (id.empty() || !lowerDigit(id[0])) return false;
  for (char c : id) {
    if (!lowerDigit(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// A target's "batchSizes": the dynamic-batch gears of its file, ascending and unique (a gear is chosen by the
// input's shape, so each must be distinct), at most the guide's 16 profiles (omg --dynamic_dims).
std::vector<int> ParseBatchSizes(const Field& f) {
  if (!f.value->is_array())
    Fail(f.path, std::string("must be an array of batch sizes (got ") + TypeName(*f.value) + ")");
  if (f.value->empty()) Fail(f.path, "must list at least one batch size");
  if (f.value->size() > kMaxBatchProfiles)
    Fail(f.path, "lists " + std::to_string(f.value->size()) + " batch sizes; at most " +
                     std::to_string(kMaxBatchProfiles) + " profiles (omg --dynamic_dims)");
  std::vector<int> sizes;
  for (size_t i = 0; i < f.value->size(); ++i) {
    const Field item{&(*f.value)[i], f.path + "[" + std::to_string(i) + "]"};
    const int v = static_cast<int>(GetInteger(item, 1, kMaxBatchSize));
    if (!sizes.empty() && v <= sizes.back())
      Fail(item.path,
           "must be greater than the previous batch size " + std::to_string(sizes.back()) + " (ascending, each once)");
    sizes.push_back(v);
  }
  return sizes;
}

ModelEntry ParseModel(const Json& m, const std::string& path) {
  RequireObject(m, path);
  RejectUnknownKeys(
      m, path,
      {"id", "title", "precision", "pretrained", "default", "notes", "labels", "targets", "input", "output", "aipp"});
  MergedObject obj(m, path, nullptr, "");
  ModelEntry e;
  Field idField = obj.Require("id");
  e.id = GetString(idField);
  if (!IsValidId(e.id)) Fail(idField.path, "must match [a-z0-9][a-z0-9._-]* (got " + Quote(e.id) + ")");
  e.title = GetString(obj.Require("title"));
  if (e.title.empty()) Fail(path + ".title", "must not be empty");
  e.precision = GetEnum(obj.Require("precision"), kPrecisions);
  e.pretrained = GetBool(obj.Require("pretrained"));
  if (Field f = obj.Get("default"); f.value != nullptr) e.isDefault = GetBool(f);
  if (Field f = obj.Get("notes"); f.value != nullptr) e.notes = GetString(f);
  if (Field f = obj.Get("labels"); f.value != nullptr) {
    e.labels = GetString(f);
    CheckRelativePath(e.labels, f.path);
  }

  Field inField = obj.Require("input");
  RequireObject(*inField.value, inField.path);
  RejectUnknownKeys(*inField.value, inField.path, kInputKeys);
  e.input = ParseInput(MergedObject(*inField.value, inField.path, nullptr, ""));
  Field outField = obj.Require("output");
  RequireObject(*outField.value, outField.path);
  RejectUnknownKeys(*outField.value, outField.path, kOutputKeys);
  e.output = ParseOutput(MergedObject(*outField.value, outField.path, nullptr, ""));
  static const Json kNoAipp = Json::object();
  const Json* aippBase = &kNoAipp;
  const std::string aippPath = path + ".aipp";
  if (Field f = obj.Get("aipp"); f.value != nullptr) {
    RequireObject(*f.value, f.path);
    RejectUnknownKeys(*f.value, f.path, kAippKeys);
    aippBase = f.value;
  }
  e.aipp = ParseAipp(MergedObject(*aippBase, aippPath, nullptr, ""), e.input);

  Field targetsField = obj.Require("targets");
  RequireObject(*targetsField.value, targetsField.path);
  if (targetsField.value->empty()) Fail(targetsField.path, "must list at least one target (\"onnx\" or \"om\")");
  for (auto it = targetsField.value->begin(); it != targetsField.value->end(); ++it) {
    const std::string tpath = targetsField.path + "." + it.key();
    if (it.key() != "onnx" && it.key() != "om") Fail(tpath, "is not a known target (\"onnx\" | \"om\")");
    const Json& t = it.value();
    RequireObject(t, tpath);
    RejectUnknownKeys(t, tpath, {"file", "sha256", "input", "output", "aipp", "batchSizes"});
    MergedObject tobj(t, tpath, nullptr, "");
    ModelTarget target;
    Field fileField = tobj.Require("file");
    target.file = GetString(fileField);
    CheckRelativePath(target.file, fileField.path);
    if (Field f = tobj.Get("sha256"); f.value != nullptr) {
      target.sha256 = GetString(f);
      if (!IsSha256(target.sha256)) Fail(f.path, "must be 64 hexadecimal digits");
    }
    const Json* inOver = nullptr;
    if (Field f = tobj.Get("input"); f.value != nullptr) {
      RequireObject(*f.value, f.path);
      RejectUnknownKeys(*f.value, f.path, kInputKeys);
      inOver = f.value;
    }
    const Json* outOver = nullptr;
    if (Field f = tobj.Get("output"); f.value != nullptr) {
      RequireObject(*f.value, f.path);
      RejectUnknownKeys(*f.value, f.path, kOutputKeys);
      outOver = f.value;
    }
    const Json* aippOver = nullptr;
    if (Field f = tobj.Get("aipp"); f.value != nullptr) {
      RequireObject(*f.value, f.path);
      RejectUnknownKeys(*f.value, f.path, kAippKeys);
      aippOver = f.value;
    }
    target.input = ParseInput(MergedObject(*inField.value, inField.path, inOver, tpath + ".input"));
    target.output = ParseOutput(MergedObject(*outField.value, outField.path, outOver, tpath + ".output"));
    target.aipp = ParseAipp(MergedObject(*aippBase, aippPath, aippOver, tpath + ".aipp"), target.input);
    if (Field f = tobj.Get("batchSizes"); f.value != nullptr) target.batchSizes = ParseBatchSizes(f);
    e.targets.emplace(it.key(), std::move(target));
  }
  return e;
}

std::string DirectoryOf(const std::string& file) {
  const size_t slash = file.find_last_of('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : file.substr(0, slash);
}

Status ManifestStatus(const std::string& text, const std::string& file) {
  return Status("manifest", code::kManifest, text + " (" + file + ")");
}

}  // namespace

const char* PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFp32: return "fp32";
    case Precision::kFp16: return "fp16";
    case Precision::kInt8: return "int8";
  }
  return "?";
}

const char* OutputKindName(OutputKind k) { return k == OutputKind::kLogits ? "logits" : "probabilities"; }

const char* AippModeName(AippMode mode) {
  switch (mode) {
    case AippMode::kNone: return "none";
    case AippMode::kStatic: return "static";
    case AippMode::kDynamic: return "dynamic";
  }
  return "?";
}

bool AippSpec::Accepts(const std::string& format) const {
  for (const std::string& f : formats) {
    if (f == format) return true;
  }
  return false;
}

const ModelEntry* Manifest::Find(const std::string& id) const {
  for (const ModelEntry& m : models) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

Result<Manifest> ParseManifest(const std::string& jsonText, const std::string& file) {
  Json root;
  try {
    root = Json::parse(jsonText);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number too large for a double
    return ManifestStatus(std::string("is not valid JSON: ") + e.what(), file);
  }
  try {
    Manifest manifest;
    manifest.file = file;
    manifest.directory = DirectoryOf(file);
    RequireObject(root, "(root)");
    RejectUnknownKeys(root, "(root)", {"version", "models", "$schema"});
    MergedObject obj(root, "", nullptr, "");
    manifest.version = static_cast<int>(GetInteger(obj.Require("version"), 1, 1));
    Field modelsField = obj.Require("models");
    if (!modelsField.value->is_array())
      Fail("models", std::string("must be an array (got ") + TypeName(*modelsField.value) + ")");
    if (modelsField.value->empty()) Fail("models", "must list at least one model");
    for (size_t i = 0; i < modelsField.value->size(); ++i) {
      const std::string path = "models[" + std::to_string(i) + "]";
      ModelEntry entry = ParseModel((*modelsField.value)[i], path);
      for (size_t j = 0; j < manifest.models.size(); ++j) {
        if (manifest.models[j].id == entry.id) {
          Fail(path + ".id", Quote(entry.id) + " duplicates models[" + std::to_string(j) + "].id");
        }
        if (entry.isDefault && manifest.models[j].isDefault) {
          Fail(path + ".default", "is true, but models[" + std::to_string(j) + "] is already the default");
        }
      }
      manifest.models.push_back(std::move(entry));
    }
    return manifest;
  } catch (const ManifestError& e) {
    std::string text = e.text;
    if (text.compare(0, 1, ".") == 0) text.erase(0, 1);  // top-level fields have no parent path
    return ManifestStatus(text, file);
  } catch (const Json::exception& e) {  // defensive: a json accessor we did not guard
    return ManifestStatus(std::string("unexpected JSON structure: ") + e.what(), file);
  }
}

Result<Manifest> LoadManifestFile(const std::string& path) {
  Result<std::string> text = ReadFileText(path, kManifestFile);
  if (!text.ok()) return text.status();
  return ParseManifest(text.value(), path);
}

std::string ResolveManifestPath(const Manifest& manifest, const std::string& relative) {
  if (manifest.directory.empty()) return relative;
  if (manifest.directory == "/") return "/" + relative;
  return manifest.directory + "/" + relative;
}

Status ValidateInputSpec(const InputSpec& s, const std::string& where) {
  auto bad = [&](const std::string& text) { return Status("input.spec", code::kOutOfRange, where + ": " + text); };
  if (s.width < 1 || s.width > kModelInputSideMax || s.height < 1 || s.height > kModelInputSideMax) {
    return bad("size " + std::to_string(s.width) + "x" + std::to_string(s.height) + " must be within 1.." +
               std::to_string(kModelInputSideMax));
  }
  if (s.channels != 3) return bad("channels must be 3 (got " + std::to_string(s.channels) + ")");
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(s.mean[c])) return bad("mean[" + std::to_string(c) + "] must be finite");
    if (!(s.std[c] > 0) || !std::isfinite(s.std[c])) return bad("std[" + std::to_string(c) + "] must be > 0");
  }
  if (!(s.centerCrop > 0 && s.centerCrop <= 1)) return bad("centerCrop must be in (0, 1]");
  if (IsQuantized(s.dtype) != s.quant.has_value()) {
    return Status("input.spec", code::kInvalidArgument,
                  where + ": quant is required iff dtype is int8/uint8 (dtype " + DTypeName(s.dtype) + ")");
  }
  if (s.quant) {
    try {
      CheckQuant(*s.quant, s.dtype, "quant");
    } catch (const ManifestError& e) {
      return bad(e.text);
    }
  }
  return Status::Ok();
}

Status ValidateOutputSpec(const OutputSpec& s, const std::string& where) {
  if (s.classes < 1 || s.classes > (1 << 24)) {
    return Status("output.spec", code::kOutOfRange, where + ": classes must be within 1..16777216");
  }
  if (IsQuantized(s.dtype) != s.quant.has_value()) {
    return Status("output.spec", code::kInvalidArgument,
                  where + ": quant is required iff dtype is int8/uint8 (dtype " + DTypeName(s.dtype) + ")");
  }
  if (s.quant) {
    try {
      CheckQuant(*s.quant, s.dtype, "quant");
    } catch (const ManifestError& e) {
      return Status("output.spec", code::kOutOfRange, where + ": " + e.text);
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseLabels(const std::string& text, const std::string& file, int expectedCount) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      return Status("labels", code::kManifest,
                    "line " + std::to_string(labels.size() + 1) + " is empty (" + file + ")");
    }
    labels.push_back(std::move(line));
    start = end + 1;
  }
  if (labels.empty()) return Status("labels", code::kManifest, "no labels (" + file + ")");
  if (expectedCount > 0 && static_cast<int>(labels.size()) != expectedCount) {
    return Status("labels", code::kManifest,
                  std::to_string(labels.size()) + " labels but the output has " + std::to_string(expectedCount) +
                      " classes (" + file + ")");
  }
  return labels;
}

Result<std::vector<std::string>> LoadLabelsFile(const std::string& path, int expectedCount) {
  Result<std::string> text = ReadFileText(path, kLabelsFile);
  if (!text.ok()) return text.status();
  return ParseLabels(text.value(), path, expectedCount);
}

}  // namespace npulens
