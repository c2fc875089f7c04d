#include "nnrt/model_loader.h"

#include <utility>

namespace npulens {

namespace {

std::string AsText(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

// A model file with the caller's pre-processing: the id is the file name without ".onnx"; the class count comes
// from the labels file when there is one.
Result<LoadedModel> ReadModelFile(ModelRequest request, const FileReader& read) {
  LoadedModel m;
  m.file = request.modelPath ? *request.modelPath : "(modelBytes)";
  const size_t slash = m.file.find_last_of('/');
  m.title = slash == std::string::npos ? m.file : m.file.substr(slash + 1);
  std::string id = m.title;
  if (id.size() > 5 && id.compare(id.size() - 5, 5, ".onnx") == 0) id.resize(id.size() - 5);
  m.config.modelId = id;
  m.config.input = *request.input;
  m.config.output.kind = request.outputKind;
  m.config.output.classes = request.classes;
  if (!request.labelsPath.empty()) {
    Result<std::vector<uint8_t>> text = read(request.labelsPath, kLabelsFile);
    if (!text.ok()) return text.status();
    Result<std::vector<std::string>> labels = ParseLabels(AsText(text.value()), request.labelsPath, request.classes);
    if (!labels.ok()) return labels.status();
    m.config.labels = std::move(labels).value();
    m.config.output.classes = static_cast<int>(m.config.labels.size());
  }
  if (request.modelBytes) {
    m.bytes = std::move(*request.modelBytes);
  } else {
    Result<std::vector<uint8_t>> bytes = read(m.file, kModelFile);
    if (!bytes.ok()) return bytes.status();
    m.bytes = std::move(bytes).value();
  }
  Status st = CheckModelBytes(m.bytes, m.file);
  if (!st.ok()) return st;
  return m;
}

}  // namespace

Result<std::vector<uint8_t>> ReadDiskFile(const std::string& path, const FileKind& kind) {
  return ReadFileBytes(path, kind);
}

Result<Manifest> ReadManifest(const std::string& path, const FileReader& read) {
  Result<std::vector<uint8_t>> text = read(path, kManifestFile);
  if (!text.ok()) return text.status();
  return ParseManifest(AsText(text.value()), path);
}

Status CheckModelRequest(const ModelRequest& request, const std::string& step) {
  if (request.manifestPath) return Status::Ok();
  if (request.modelPath.has_value() == request.modelBytes.has_value()) {
    return Status(step, code::kInvalidArgument,
                  "options need rawfileDir + modelId, or one of modelPath / modelBytes + input");
  }
  if (request.labelsPath.empty() && request.classes == 0) {
    return Status(step, code::kInvalidArgument,
                  "a model file needs options.labelsPath or options.classes (its class count)");
  }
  if (!request.input) {
    return Status(step, code::kInvalidArgument, "options.input must be an object {width, height, ...}");
  }
  Status st = ValidateInputSpec(*request.input, "options.input");
  return st.ok() ? st : Status(step, st.code(), st.message());
}

Result<LoadedModel> LoadModel(ModelRequest request, const FileReader& read) {
  if (request.manifestPath) {
    Result<Manifest> manifest = ReadManifest(*request.manifestPath, read);
    if (!manifest.ok()) return manifest.status();
    return ReadManifestModel(manifest.value(), request.modelId, request.target, read);
  }
  Status st = CheckModelRequest(request, "load");
  if (!st.ok()) return st;
  return ReadModelFile(std::move(request), read);
}

Status CheckModelBytes(const std::vector<uint8_t>& bytes, const std::string& path) {
  if (bytes.empty()) return Status("io.read", code::kIo, path + ": the model file is empty");
  return Status::Ok();
}

Result<LoadedModel> ReadManifestModel(const Manifest& manifest, const std::string& modelId, const std::string& target,
                                      const FileReader& read) {
  const ModelEntry* entry = manifest.Find(modelId);
  if (entry == nullptr) {
    std::string known;
    for (const ModelEntry& m : manifest.models) known += (known.empty() ? "" : ", ") + m.id;
    return Status(
        "manifest", code::kManifest,
        "no model '" + modelId + "' (known: " + (known.empty() ? "none" : known) + ") (" + manifest.file + ")");
  }
  auto it = entry->targets.find(target);
  if (it == entry->targets.end()) {
    std::string have;
    for (const auto& [name, t] : entry->targets) have += (have.empty() ? "" : ", ") + name;
    return Status(
        "manifest", code::kManifest,
        "model '" + modelId + "' has no '" + target + "' target (it has: " + have + ") (" + manifest.file + ")");
  }
  const ModelTarget& t = it->second;
  LoadedModel model;
  model.title = entry->title;
  model.file = t.file;
  model.config.modelId = entry->id;
  model.config.precision = entry->precision;
  model.config.input = t.input;
  model.config.output = t.output;
  model.config.aipp = t.aipp;  // the target's AIPP decides the pre-processing ('auto') and bounds the AIPP path
  model.config.batchSizes = t.batchSizes;
  model.config.batchSize = t.batchSizes.front();  // the smallest, unless the caller asks for another
  if (!entry->labels.empty()) {
    const std::string labelsPath = ResolveManifestPath(manifest, entry->labels);
    Result<std::vector<uint8_t>> text = read(labelsPath, kLabelsFile);
    if (!text.ok()) return text.status();
    Result<std::vector<std::string>> labels = ParseLabels(AsText(text.value()), labelsPath, t.output.classes);
    if (!labels.ok()) return labels.status();
    model.config.labels = std::move(labels).value();
  }
  const std::string modelPath = ResolveManifestPath(manifest, t.file);
  Result<std::vector<uint8_t>> bytes = read(modelPath, kModelFile);
  if (!bytes.ok()) return bytes.status();
  Status st = CheckModelBytes(bytes.value(), modelPath);
  if (!st.ok()) return st;
  model.bytes = std::move(bytes).value();
  return model;
}

Result<std::vector<CatalogEntry>> ReadModelCatalog(const std::string& manifestPath, const std::string& target,
                                                   const FileReader& read) {
  Result<Manifest> manifest = ReadManifest(manifestPath, read);
  if (!manifest.ok()) return manifest.status();
  std::vector<CatalogEntry> entries;
  for (const ModelEntry& m : manifest.value().models) {
    CatalogEntry e;
    e.id = m.id;
    e.title = m.title;
    e.precision = m.precision;
    e.pretrained = m.pretrained;
    e.isDefault = m.isDefault;
    e.inputWidth = m.input.width;
    e.inputHeight = m.input.height;
    e.classes = m.output.classes;
    auto it = m.targets.find(target);
    if (it != m.targets.end()) e.file = it->second.file;
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace npulens
