#include "convert.h"

namespace npulens::binding {

namespace {

Napi::Object DeviceRefToJs(Napi::Env env, const DeviceInfo& device) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", device.name);
  o.Set("type", DeviceTypeName(device.type));
  return o;
}

Napi::Array TensorsToJs(Napi::Env env, const std::vector<TensorInfo>& tensors) {
  Napi::Array array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", t.name);
    Napi::Array shape = Napi::Array::New(env, t.shape.size());
    for (size_t d = 0; d < t.shape.size(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, t.shape[d]));
    o.Set("shape", shape);
    o.Set("dtype", t.dtypeName);
    o.Set("format", t.formatName);
    o.Set("byteLength", Napi::Number::New(env, static_cast<double>(t.byteSize)));
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

// A class's label: its line of the labels file, or "#<index>" for a model without labels.
std::string ClassLabel(const std::string& label, size_t index) {
  return label.empty() ? "#" + std::to_string(index) : label;
}

}  // namespace

Napi::Object ModelInfoToJs(Napi::Env env, const SessionInfo& info, const ModelMeta& meta) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("modelId", info.modelId);
  o.Set("title", meta.title);
  o.Set("precision", PrecisionName(info.precision));
  o.Set("file", meta.file);
  o.Set("device", DeviceRefToJs(env, info.device.device));
  o.Set("policy", DevicePolicyName(info.device.policy));
  o.Set("selection", info.device.reason);
  Napi::Array seen = Napi::Array::New(env, info.device.seen.size());
  for (size_t i = 0; i < info.device.seen.size(); ++i) {
    seen.Set(static_cast<uint32_t>(i), DeviceRefToJs(env, info.device.seen[i]));
  }
  o.Set("devicesSeen", seen);
  o.Set("inputs", TensorsToJs(env, info.inputs));
  o.Set("outputs", TensorsToJs(env, info.outputs));
  o.Set("outputKind", OutputKindName(info.outputKind));
  o.Set("classes", Napi::Number::New(env, meta.classes));
  Napi::Array labels = Napi::Array::New(env, static_cast<size_t>(meta.classes));
  for (int i = 0; i < meta.classes; ++i) {
    const size_t k = static_cast<size_t>(i);
    labels.Set(static_cast<uint32_t>(i), ClassLabel(k < info.labels.size() ? info.labels[k] : std::string(), k));
  }
  o.Set("labels", labels);
  o.Set("threads", Napi::Number::New(env, info.threads));
  o.Set("loadMs", Napi::Number::New(env, info.loadMs));
  o.Set("compileMs", Napi::Number::New(env, info.compileMs));
  Napi::Array options = Napi::Array::New(env, info.options.size());
  for (size_t i = 0; i < info.options.size(); ++i) {
    const OptionReport& r = info.options[i];
    Napi::Object opt = Napi::Object::New(env);
    opt.Set("name", r.option);
    opt.Set("value", r.value);
    opt.Set("accepted", Napi::Boolean::New(env, r.accepted));
    opt.Set("code", r.codeName);
    opt.Set("detail", r.detail);
    options.Set(static_cast<uint32_t>(i), opt);
  }
  o.Set("options", options);
  o.Set("compatibility", info.compatibility);
  o.Set("ioMode", IoModeName(meta.ioMode));
  o.Set("preprocessing", PreprocessingName(info.preprocessing));
  o.Set("preprocessingReason", info.preprocessingReason);
  Napi::Object aipp = Napi::Object::New(env);
  aipp.Set("mode", AippModeName(info.aipp.mode));
  aipp.Set("maxSrcImageSize", Napi::Number::New(env, static_cast<double>(info.aipp.maxSrcImageSize)));
  Napi::Array formats = Napi::Array::New(env, info.aipp.formats.size());
  for (size_t i = 0; i < info.aipp.formats.size(); ++i) formats.Set(static_cast<uint32_t>(i), info.aipp.formats[i]);
  aipp.Set("formats", formats);
  o.Set("aipp", aipp);
  Napi::Array batchSizes = Napi::Array::New(env, info.batchSizes.size());
  for (size_t i = 0; i < info.batchSizes.size(); ++i) {
    batchSizes.Set(static_cast<uint32_t>(i), Napi::Number::New(env, info.batchSizes[i]));
  }
  o.Set("batchSizes", batchSizes);
  o.Set("batchSize", Napi::Number::New(env, info.batchSize));
  return o;
}

Napi::Object ClassificationToJs(Napi::Env env, const Classification& result, const std::string& device, IoMode mode,
                                size_t bindingBytesIn) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array top = Napi::Array::New(env, result.top.size());
  for (size_t i = 0; i < result.top.size(); ++i) {
    const Prediction& p = result.top[i];
    Napi::Object e = Napi::Object::New(env);
    e.Set("rank", Napi::Number::New(env, p.rank));
    e.Set("index", Napi::Number::New(env, static_cast<double>(p.index)));
    e.Set("label", ClassLabel(p.label, p.index));
    e.Set("score", Napi::Number::New(env, p.score));
    top.Set(static_cast<uint32_t>(i), e);
  }
  o.Set("top", top);
  const StageTimings& t = result.timings;
  Napi::Object timings = StageTimingsToJs(env, t);
  timings.Set("cpuBytesIn", Napi::Number::New(env, static_cast<double>(t.cpuBytesIn + bindingBytesIn)));
  o.Set("timings", timings);
  o.Set("device", device);
  o.Set("ioMode", IoModeName(mode));
  if (result.aippFeed != AippFeed::kNone) o.Set("aippSource", AippFeedName(result.aippFeed));
  if (result.aippFeed == AippFeed::kCpuResized) o.Set("aippSourceReason", result.aippFeedReason);
  if (!result.output.empty()) {  // LoadOptions.returnOutput
    Napi::Array output = Napi::Array::New(env, result.output.size());
    for (size_t i = 0; i < result.output.size(); ++i) {
      output.Set(static_cast<uint32_t>(i), Napi::Number::New(env, result.output[i]));
    }
    o.Set("output", output);
  }
  return o;
}

Napi::Array DevicesToJs(Napi::Env env, const std::vector<DeviceInfo>& devices, ModelKind kind) {
  Napi::Array array = Napi::Array::New(env, devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    Napi::Object o = DeviceRefToJs(env, devices[i]);
    const std::vector<DevicePolicy> selectedBy = DeviceSelector::PoliciesChoosing(devices, i, kind);
    Napi::Array by = Napi::Array::New(env, selectedBy.size());
    for (size_t k = 0; k < selectedBy.size(); ++k) by.Set(static_cast<uint32_t>(k), DevicePolicyName(selectedBy[k]));
    o.Set("selectedBy", by);
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

Napi::Object ManifestToJs(Napi::Env env, const Manifest& m) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("file", m.file);
  out.Set("directory", m.directory);
  Napi::Array models = Napi::Array::New(env, m.models.size());
  for (size_t i = 0; i < m.models.size(); ++i) {
    const ModelEntry& e = m.models[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", e.id);
    o.Set("title", e.title);
    o.Set("precision", PrecisionName(e.precision));
    o.Set("pretrained", Napi::Boolean::New(env, e.pretrained));
    o.Set("default", Napi::Boolean::New(env, e.isDefault));
    o.Set("notes", e.notes);
    o.Set("labelsPath", e.labels.empty() ? std::string() : ResolveManifestPath(m, e.labels));
    o.Set("inputWidth", Napi::Number::New(env, e.input.width));
    o.Set("inputHeight", Napi::Number::New(env, e.input.height));
    o.Set("centerCrop", Napi::Number::New(env, e.input.centerCrop));
    o.Set("classes", Napi::Number::New(env, e.output.classes));
    Napi::Array targets = Napi::Array::New(env, e.targets.size());
    uint32_t k = 0;
    for (const auto& [name, t] : e.targets) {
      Napi::Object to = Napi::Object::New(env);
      to.Set("name", name);
      to.Set("file", t.file);
      to.Set("path", ResolveManifestPath(m, t.file));
      to.Set("sha256", t.sha256);
      targets.Set(k++, to);
    }
    o.Set("targets", targets);
    models.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("models", models);
  return out;
}

Napi::Array CatalogToJs(Napi::Env env, const std::vector<CatalogEntry>& entries) {
  Napi::Array array = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const CatalogEntry& e = entries[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", e.id);
    o.Set("title", e.title);
    o.Set("precision", PrecisionName(e.precision));
    o.Set("pretrained", Napi::Boolean::New(env, e.pretrained));
    o.Set("isDefault", Napi::Boolean::New(env, e.isDefault));
    o.Set("inputWidth", Napi::Number::New(env, e.inputWidth));
    o.Set("inputHeight", Napi::Number::New(env, e.inputHeight));
    o.Set("classes", Napi::Number::New(env, e.classes));
    o.Set("file", e.file);
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

Napi::Object StageTimingsToJs(Napi::Env env, const StageTimings& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("preprocessMs", Napi::Number::New(env, t.preprocessMs));
  o.Set("copyInMs", Napi::Number::New(env, t.copyInMs));
  o.Set("frameCopyMs", Napi::Number::New(env, t.frameCopyMs));
  o.Set("inferenceMs", Napi::Number::New(env, t.inferenceMs));
  o.Set("copyOutMs", Napi::Number::New(env, t.copyOutMs));
  o.Set("postprocessMs", Napi::Number::New(env, t.postprocessMs));
  o.Set("totalMs", Napi::Number::New(env, t.totalMs));
  return o;
}

Napi::Object LatencyToJs(Napi::Env env, const LatencyStats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("min", Napi::Number::New(env, s.minMs));
  o.Set("p50", Napi::Number::New(env, s.p50Ms));
  o.Set("p90", Napi::Number::New(env, s.p90Ms));
  o.Set("p99", Napi::Number::New(env, s.p99Ms));
  o.Set("max", Napi::Number::New(env, s.maxMs));
  o.Set("mean", Napi::Number::New(env, s.meanMs));
  o.Set("std", Napi::Number::New(env, s.stdMs));
  return o;
}

}  // namespace npulens::binding
