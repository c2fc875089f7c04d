// Node registration (NODE_API_MODULE) and the host-only exports: loading from files on disk, reading a manifest,
// and the host runtime's thread count / test devices. The device twin is ohos/register_ohos.cpp.
#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "classifier.h"
#include "core/file_io.h"
#include "core/manifest.h"
#include "hostnn/hostnn.h"
#include "js_util.h"
#include "model_source.h"

namespace npulens::binding {
namespace {

// The host runs a manifest model's "onnx" target.
constexpr char kHostTarget[] = "onnx";

// A manifest model from a rawfile directory on disk.
class ManifestFileSource : public ModelSource {
 public:
  ManifestFileSource(std::string manifestPath, std::string modelId)
      : manifestPath_(std::move(manifestPath)), modelId_(std::move(modelId)) {}

  Result<LoadedModel> Read() override {
    Result<Manifest> manifest = LoadManifestFile(manifestPath_);
    if (!manifest.ok()) return manifest.status();
    return ReadManifestModel(manifest.value(), modelId_, kHostTarget,
                             [](const std::string& path, const FileKind& kind) { return ReadFileBytes(path, kind); });
  }

 private:
  std::string manifestPath_;
  std::string modelId_;
};

// A model file (or its bytes) with pre-processing from the caller; the class count comes from the labels file or
// `classes`.
class ModelFileSource : public ModelSource {
 public:
  // `bytes` given: the model comes from memory and `modelPath` only names it in messages.
  ModelFileSource(std::string modelPath, std::optional<std::vector<uint8_t>> bytes, std::string labelsPath, int classes,
                  InputSpec input, OutputKind kind)
      : modelPath_(std::move(modelPath)), bytes_(std::move(bytes)), labelsPath_(std::move(labelsPath)), classes_(classes),
        input_(input), kind_(kind) {}

  Result<LoadedModel> Read() override {
    LoadedModel m;
    m.file = modelPath_;
    const size_t slash = modelPath_.find_last_of('/');
    m.title = slash == std::string::npos ? modelPath_ : modelPath_.substr(slash + 1);
    std::string id = m.title;
    if (id.size() > 5 && id.compare(id.size() - 5, 5, ".onnx") == 0) id.resize(id.size() - 5);
    m.config.modelId = id;
    m.config.input = input_;
    m.config.output.kind = kind_;
    m.config.output.classes = classes_;
    if (!labelsPath_.empty()) {
      Result<std::vector<std::string>> labels = LoadLabelsFile(labelsPath_, classes_);
      if (!labels.ok()) return labels.status();
      m.config.labels = std::move(labels).value();
      m.config.output.classes = static_cast<int>(m.config.labels.size());
    }
    if (bytes_) {
      m.bytes = std::move(*bytes_);
    } else {
      Result<std::vector<uint8_t>> bytes = ReadFileBytes(modelPath_);
      if (!bytes.ok()) return bytes.status();
      m.bytes = std::move(bytes).value();
    }
    Status st = CheckModelBytes(m.bytes, modelPath_);
    if (!st.ok()) return st;
    return m;
  }

 private:
  std::string modelPath_;
  std::optional<std::vector<uint8_t>> bytes_;
  std::string labelsPath_;
  int classes_;
  InputSpec input_;
  OutputKind kind_;
};

Status ParseNumberTriple(Napi::Object input, const char* key, const std::string& step, bool positive, float out[3]) {
  return ParseOption(input, key, step, [&](const Napi::Value& v) {
    const std::string name = std::string("input.") + key;
    if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) {
      return TypeMismatch(step, name + " must be an array of 3 numbers");
    }
    Napi::Array array = v.As<Napi::Array>();
    for (uint32_t i = 0; i < 3; ++i) {
      const std::string element = name + "[" + std::to_string(i) + "]";
      Napi::Value item = array.Get(i);
      if (v.Env().IsExceptionPending()) {  // an accessor on the element threw: a coded TypeError like GetProperty's
        return TypeMismatch(step, "reading " + element + " threw: " + v.Env().GetAndClearPendingException().Message());
      }
      double d = 0;
      Status st = ToNumber(item, step, element, positive ? 1e-12 : -1e9, 1e9, &d);
      if (!st.ok()) return st;
      out[i] = static_cast<float>(d);
    }
    return Status::Ok();
  });
}

Status ParseInputSpec(const Napi::Value& value, const std::string& step, InputSpec* spec) {
  if (!value.IsObject()) return TypeMismatch(step, "options.input must be an object {width, height, ...}");
  Napi::Object input = value.As<Napi::Object>();
  Napi::Value v;
  int64_t width = 0, height = 0;
  Status st = GetProperty(input, "width", step, &v);
  if (st.ok()) st = ToInteger(v, step, "input.width", 1, 4096, &width);
  if (st.ok()) st = GetProperty(input, "height", step, &v);
  if (st.ok()) st = ToInteger(v, step, "input.height", 1, 4096, &height);
  if (!st.ok()) return st;
  spec->width = static_cast<int>(width);
  spec->height = static_cast<int>(height);
  st = ParseOption(input, "layout", step, [&](const Napi::Value& x) {
    return ToEnum<Layout>(x, step, "input.layout", {{"NCHW", Layout::kNCHW}, {"NHWC", Layout::kNHWC}}, &spec->layout);
  });
  if (st.ok()) {
    st = ParseOption(input, "colorOrder", step, [&](const Napi::Value& x) {
      return ToEnum<ColorOrder>(x, step, "input.colorOrder", {{"RGB", ColorOrder::kRGB}, {"BGR", ColorOrder::kBGR}},
                                &spec->colorOrder);
    });
  }
  if (st.ok()) st = ParseNumberTriple(input, "mean", step, false, spec->mean);
  if (st.ok()) st = ParseNumberTriple(input, "std", step, true, spec->std);
  if (st.ok()) {
    st = ParseOption(input, "centerCrop", step, [&](const Napi::Value& x) {
      double crop = 1;
      Status s = ToNumber(x, step, "input.centerCrop", 1e-6, 1, &crop);
      spec->centerCrop = static_cast<float>(crop);
      return s;
    });
  }
  if (!st.ok()) return st;
  st = ValidateInputSpec(*spec, "options.input");
  return st.ok() ? st : Status(step, st.code(), st.message());
}

Status ParseSpec(Napi::Object spec, const std::string& step, std::unique_ptr<ModelSource>* source) {
  Napi::Value manifestPath, modelId, modelPath, modelBytes;
  Status st = GetProperty(spec, "manifestPath", step, &manifestPath);
  if (st.ok()) st = GetProperty(spec, "modelId", step, &modelId);
  if (st.ok()) st = GetProperty(spec, "modelPath", step, &modelPath);
  if (st.ok()) st = GetProperty(spec, "modelBytes", step, &modelBytes);
  if (!st.ok()) return st;
  if (!IsAbsent(manifestPath)) {
    std::string path, id;
    st = ToString(manifestPath, step, "options.manifestPath", &path);
    if (st.ok()) st = ToString(modelId, step, "options.modelId", &id);
    if (!st.ok()) return st;
    *source = std::make_unique<ManifestFileSource>(path, id);
    return Status::Ok();
  }
  if (IsAbsent(modelPath) == IsAbsent(modelBytes)) {
    return TypeMismatch(step, "options need rawfileDir + modelId, or one of modelPath / modelBytes + input");
  }
  std::string path = "(modelBytes)";
  std::optional<std::vector<uint8_t>> bytes;
  if (!IsAbsent(modelPath)) {
    st = ToString(modelPath, step, "options.modelPath", &path);
  } else {
    // InferenceSession::Load owns its model bytes (NNRt keeps the pointer until the compilation is destroyed),
    // so the caller's buffer is copied once here.
    ByteView view;
    st = ReadBytes(spec.Env(), modelBytes, step, "options.modelBytes", &view);
    if (st.ok()) bytes.emplace(view.data, view.data + view.byteLength);
  }
  if (!st.ok()) return st;
  std::string labels;
  int64_t classes = 0;
  InputSpec input;
  OutputKind kind = OutputKind::kLogits;
  st = ParseOption(spec, "labelsPath", step, [&](const Napi::Value& v) { return ToString(v, step, "options.labelsPath", &labels); });
  if (st.ok()) {
    st = ParseOption(spec, "classes", step, [&](const Napi::Value& v) {
      return ToInteger(v, step, "options.classes", 1, 1 << 24, &classes);
    });
  }
  if (!st.ok()) return st;
  if (labels.empty() && classes == 0) {
    return TypeMismatch(step, "a model file needs options.labelsPath or options.classes (its class count)");
  }
  Napi::Value v;
  st = GetProperty(spec, "input", step, &v);
  if (st.ok()) st = ParseInputSpec(v, step, &input);
  if (st.ok()) {
    st = ParseOption(spec, "outputKind", step, [&](const Napi::Value& x) {
      return ToEnum<OutputKind>(x, step, "options.outputKind",
                                {{"logits", OutputKind::kLogits}, {"probabilities", OutputKind::kProbabilities}}, &kind);
    });
  }
  if (!st.ok()) return st;
  *source = std::make_unique<ModelFileSource>(path, std::move(bytes), labels, static_cast<int>(classes), input, kind);
  return Status::Ok();
}

Napi::Value ParseAndLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "loadClassifier";
  auto* addon = static_cast<Addon*>(info.Data());
  if (!info[0].IsObject()) return RejectedPromise(env, TypeMismatch(step, "options must be an object"));
  Napi::Object spec = info[0].As<Napi::Object>();
  std::unique_ptr<ModelSource> source;
  Status st = ParseSpec(spec, step, &source);
  LoadParams params;
  if (st.ok()) st = ParseLoadParams(spec, step, &params);
  if (!st.ok()) return RejectedPromise(env, st);
  return StartLoad(env, addon, std::move(source), params);
}

Napi::Value ReadManifestObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  Status st = ToString(info[0], "readManifest", "manifestPath", &path);
  Result<Manifest> manifest = st.ok() ? LoadManifestFile(path) : Result<Manifest>(st);
  if (!manifest.ok()) {
    ToJsError(env, manifest.status()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const Manifest& m = manifest.value();
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

// Tests only: the next time `where` (load, classify, classifyFd, inspect, benchmark) runs on a worker thread it throws
// `kind` ('bad_alloc', 'runtime_error', 'unknown'): no native exception may cross a worker or N-API boundary.
Napi::Value InjectTestFault(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "injectTestFault";
  std::string where;
  TestFaultKind kind = TestFaultKind::kBadAlloc;
  Status st = ToString(info[0], step, "where", &where);
  if (st.ok()) {
    st = ToEnum<TestFaultKind>(info[1], step, "kind",
                               {{"bad_alloc", TestFaultKind::kBadAlloc}, {"runtime_error", TestFaultKind::kRuntimeError},
                                {"unknown", TestFaultKind::kUnknown}},
                               &kind);
  }
  if (st.ok()) st = ArmTestFault(where, kind);
  if (!st.ok()) ToJsError(env, st).ThrowAsJavaScriptException();
  return env.Undefined();
}

// process.exit() joins libuv's worker threads before any env cleanup hook runs: a running benchmark would keep the
// process alive forever. The 'exit' event comes first, so a listener stops this env's work (StopWork).
void StopWorkOnProcessExit(Napi::Env env, Addon* addon) {
  Napi::Value process = env.Global().Get("process");
  if (!process.IsObject()) return;
  Napi::Value on = process.As<Napi::Object>().Get("on");
  if (!on.IsFunction()) return;
  Napi::Function stop = Napi::Function::New(
      env, [](const Napi::CallbackInfo& info) { StopWork(static_cast<Addon*>(info.Data())); }, "npulensStopWork", addon);
  on.As<Napi::Function>().Call(process, {Napi::String::New(env, "exit"), stop});
}

// profile: {cache, float16, performanceMode, priority, tuning, bandMode, omOptions, offlineModels: boolean;
// buildDelayMs: integer}, every field optional (absent: HostNN_DefaultTestDeviceProfile()'s value).
Status ParseTestDeviceProfile(const Napi::Value& value, const std::string& step, HostNN_TestDeviceProfile* profile) {
  if (!value.IsObject()) return TypeMismatch(step, "profile must be an object");
  Napi::Object object = value.As<Napi::Object>();
  const std::pair<const char*, bool*> flags[] = {
      {"cache", &profile->cache},         {"float16", &profile->float16},
      {"performanceMode", &profile->performanceMode}, {"priority", &profile->priority},
      {"tuning", &profile->tuning},       {"bandMode", &profile->bandMode},
      {"omOptions", &profile->omOptions}, {"offlineModels", &profile->offlineModels}};
  for (const auto& [key, field] : flags) {
    Status st = ParseOption(object, key, step, [&, key = key, field = field](const Napi::Value& v) {
      return ToBool(v, step, std::string("profile.") + key, field);
    });
    if (!st.ok()) return st;
  }
  return ParseOption(object, "buildDelayMs", step, [&](const Napi::Value& v) {
    int64_t ms = 0;
    Status st = ToInteger(v, step, "profile.buildDelayMs", 0, 600000, &ms);
    profile->buildDelayMs = static_cast<unsigned>(ms);
    return st;
  });
}

Napi::Value RegisterTestDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "registerTestDevice";
  std::string name;
  OH_NN_DeviceType type = OH_NN_OTHERS;
  HostNN_TestDeviceProfile profile = HostNN_DefaultTestDeviceProfile();
  Status st = ToString(info[0], step, "name", &name);
  if (st.ok()) {
    st = ToEnum<OH_NN_DeviceType>(info[1], step, "type",
                                  {{"cpu", OH_NN_CPU}, {"gpu", OH_NN_GPU}, {"accelerator", OH_NN_ACCELERATOR},
                                   {"other", OH_NN_OTHERS}},
                                  &type);
  }
  if (st.ok() && !IsAbsent(info[2])) st = ParseTestDeviceProfile(info[2], step, &profile);
  if (!st.ok()) {
    ToJsError(env, st).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  HostNN_RegisterTestDeviceWithProfile(name.c_str(), type, &profile);
  return env.Undefined();
}

Napi::Value ResetTestDevices(const Napi::CallbackInfo& info) {
  HostNN_ResetTestDevices();
  return info.Env().Undefined();
}

Napi::Value SetThreadCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t threads = 0;
  Status st = ToInteger(info[0], "setThreadCount", "threads", 0, 1024, &threads);
  if (!st.ok()) {
    ToJsError(env, st).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  HostNN_SetThreadCount(static_cast<int>(threads));
  return env.Undefined();
}

// Tests only: native classifiers alive (each owns a session); release() must bring it back down without GC.
Napi::Value NativeClassifierCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ClassifierState::LiveCount()));
}

using Entry = Napi::Value (*)(const Napi::CallbackInfo& info);

// An exported function's N-API callback: no C++ exception crosses it (GuardEntry).
template <Entry entry, const char* name, bool returnsPromise>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  return GuardEntry(info.Env(), name, returnsPromise, [&] { return entry(info); });
}

template <Entry entry, const char* name, bool returnsPromise = false>
void Export(Napi::Env env, Napi::Object exports, void* data = nullptr) {
  exports.Set(name, Napi::Function::New(env, Guarded<entry, name, returnsPromise>, name, data));
}

constexpr char kLoadClassifier[] = "loadClassifier";
constexpr char kReadManifest[] = "readManifest";
constexpr char kRegisterTestDevice[] = "registerTestDevice";
constexpr char kResetTestDevices[] = "resetTestDevices";
constexpr char kSetThreadCount[] = "setThreadCount";
constexpr char kNativeClassifierCount[] = "nativeClassifierCount";
constexpr char kInjectTestFault[] = "injectTestFault";

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Addon* addon = InitCommon(env, exports, ModelKind::kHostOnnx);
  StopWorkOnProcessExit(env, addon);
  Export<ParseAndLoad, kLoadClassifier, true>(env, exports, addon);
  Export<ReadManifestObject, kReadManifest>(env, exports);
  Export<RegisterTestDevice, kRegisterTestDevice>(env, exports);
  Export<ResetTestDevices, kResetTestDevices>(env, exports);
  Export<SetThreadCount, kSetThreadCount>(env, exports);
  Export<NativeClassifierCount, kNativeClassifierCount>(env, exports);
  Export<InjectTestFault, kInjectTestFault>(env, exports);
  return exports;
}

}  // namespace
}  // namespace npulens::binding

// NODE_API_MODULE pastes the function name into identifiers: it must be unqualified.
static Napi::Object InitNpulensAddon(Napi::Env env, Napi::Object exports) {
  return npulens::binding::Init(env, exports);
}
NODE_API_MODULE(npulens, InitNpulensAddon)
