// Node registration (NODE_API_MODULE) and the host-only exports: loading from files on disk (the engine's model
// loader over ReadDiskFile), reading a manifest, and the host runtime's thread count / test devices. The device twin
// is ohos/register_ohos.cpp.
#include <napi.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "addon.h"
#include "benchmark_plan.h"
#include "classifier.h"
#include "convert.h"
#include "core/file_io.h"
#include "core/limits.h"
#include "core/manifest.h"
#include "hostnn/hostnn.h"
#include "js_util.h"
#include "load_options.h"
#include "nnrt/model_loader.h"

namespace npulens::binding {
namespace {

// The host runs a manifest model's "onnx" target.
constexpr char kHostTarget[] = "onnx";

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

// options.input (an object) -> InputSpec; CheckModelRequest validates the result.
Status ToInputSpec(Napi::Object input, const std::string& step, InputSpec* spec) {
  Napi::Value v;
  int64_t width = 0, height = 0;
  Status st = GetProperty(input, "width", step, &v);
  if (st.ok()) st = ToInteger(v, step, "input.width", 1, kModelInputSideMax, &width);
  if (st.ok()) st = GetProperty(input, "height", step, &v);
  if (st.ok()) st = ToInteger(v, step, "input.height", 1, kModelInputSideMax, &height);
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
  return st;
}

// The spec object -> ModelRequest: each field's JS type and range. CheckModelRequest then checks the combination.
Status ToModelRequest(Napi::Object spec, const std::string& step, ModelRequest* request) {
  Napi::Value manifestPath, modelId, modelPath, modelBytes;
  Status st = GetProperty(spec, "manifestPath", step, &manifestPath);
  if (st.ok()) st = GetProperty(spec, "modelId", step, &modelId);
  if (st.ok()) st = GetProperty(spec, "modelPath", step, &modelPath);
  if (st.ok()) st = GetProperty(spec, "modelBytes", step, &modelBytes);
  if (!st.ok()) return st;
  request->target = kHostTarget;
  if (!IsAbsent(manifestPath)) {
    request->manifestPath.emplace();
    st = ToString(manifestPath, step, "options.manifestPath", &*request->manifestPath);
    return st.ok() ? ToString(modelId, step, "options.modelId", &request->modelId) : st;
  }
  if (!IsAbsent(modelPath)) {
    request->modelPath.emplace();
    st = ToString(modelPath, step, "options.modelPath", &*request->modelPath);
  }
  if (st.ok() && !IsAbsent(modelBytes)) {
    // InferenceSession::Load owns its model bytes (NNRt keeps the pointer until the compilation is destroyed),
    // so the caller's buffer is copied once here.
    ByteView view;
    st = ReadBytes(spec.Env(), modelBytes, step, "options.modelBytes", &view);
    if (st.ok()) request->modelBytes.emplace(view.data, view.data + view.byteLength);
  }
  if (st.ok()) {
    st = ParseOption(spec, "labelsPath", step, [&](const Napi::Value& v) {
      return ToString(v, step, "options.labelsPath", &request->labelsPath);
    });
  }
  if (st.ok()) {
    st = ParseOption(spec, "classes", step, [&](const Napi::Value& v) {
      int64_t classes = 0;
      Status s = ToInteger(v, step, "options.classes", 1, 1 << 24, &classes);
      request->classes = static_cast<int>(classes);
      return s;
    });
  }
  if (st.ok()) {
    // Not an object: left unset, and CheckModelRequest says what options.input must be.
    st = ParseOption(spec, "input", step, [&](const Napi::Value& v) {
      if (!v.IsObject()) return Status::Ok();
      request->input.emplace();
      return ToInputSpec(v.As<Napi::Object>(), step, &*request->input);
    });
  }
  if (st.ok()) {
    st = ParseOption(spec, "outputKind", step, [&](const Napi::Value& x) {
      return ToEnum<OutputKind>(x, step, "options.outputKind",
                                {{"logits", OutputKind::kLogits}, {"probabilities", OutputKind::kProbabilities}},
                                &request->outputKind);
    });
  }
  return st;
}

Napi::Value ParseAndLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "loadClassifier";
  auto* addon = static_cast<Addon*>(info.Data());
  if (!info[0].IsObject()) return RejectedPromise(env, TypeMismatch(step, "options must be an object"));
  Napi::Object spec = info[0].As<Napi::Object>();
  ModelRequest request;
  Status st = ToModelRequest(spec, step, &request);
  if (st.ok()) st = CheckModelRequest(request, step);
  LoadParams params;
  if (st.ok()) st = ParseLoadParams(spec, step, &params);
  if (!st.ok()) return RejectedPromise(env, st);
  return StartLoad(env, addon, std::move(request), ReadDiskFile, params);
}

Napi::Value ReadManifestObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  Status st = ToString(info[0], "readManifest", "manifestPath", &path);
  Result<Manifest> manifest = st.ok() ? ReadManifest(path, ReadDiskFile) : Result<Manifest>(st);
  if (!manifest.ok()) {
    ToJsError(env, manifest.status()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return ManifestToJs(env, manifest.value());
}

// listModels(manifestPath): the catalog with each model's "onnx" file, read off the JS thread.
Napi::Value ListModels(const Napi::CallbackInfo& info) {
  std::string path;
  Status st = ToString(info[0], "listModels", "manifestPath", &path);
  if (!st.ok()) return RejectedPromise(info.Env(), st);
  return StartListModels(info.Env(), path, kHostTarget, ReadDiskFile);
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
                               {{"bad_alloc", TestFaultKind::kBadAlloc},
                                {"runtime_error", TestFaultKind::kRuntimeError},
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
      env, [](const Napi::CallbackInfo& info) { StopWork(static_cast<Addon*>(info.Data())); }, "npulensStopWork",
      addon);
  on.As<Napi::Function>().Call(process, {Napi::String::New(env, "exit"), stop});
}

// profile: {cache, float16, performanceMode, priority, tuning, bandMode, omOptions, offlineModels: boolean;
// buildDelayMs: integer}, every field optional (absent: HostNN_DefaultTestDeviceProfile()'s value).
Status ParseTestDeviceProfile(const Napi::Value& value, const std::string& step, HostNN_TestDeviceProfile* profile) {
  if (!value.IsObject()) return TypeMismatch(step, "profile must be an object");
  Napi::Object object = value.As<Napi::Object>();
  const std::pair<const char*, bool*> flags[] = {{"cache", &profile->cache},
                                                 {"float16", &profile->float16},
                                                 {"performanceMode", &profile->performanceMode},
                                                 {"priority", &profile->priority},
                                                 {"tuning", &profile->tuning},
                                                 {"bandMode", &profile->bandMode},
                                                 {"omOptions", &profile->omOptions},
                                                 {"offlineModels", &profile->offlineModels}};
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
    st = ToEnum<OH_NN_DeviceType>(
        info[1], step, "type",
        {{"cpu", OH_NN_CPU}, {"gpu", OH_NN_GPU}, {"accelerator", OH_NN_ACCELERATOR}, {"other", OH_NN_OTHERS}}, &type);
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

// Host only (tests, the CLI): a memfd holding a copy of `bytes`, the host's stand-in for the device memory a camera
// frame lives in on the phone; sealed against shrinking (F_SEAL_SHRINK) unless `sealed` is false, so classifyFd on
// the AIPP path may hand it to the runtime to map. The caller owns the returned fd (fs.closeSync).
Napi::Value CreateMemfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "createMemfd";
  ByteView bytes;
  bool sealed = true;
  Status st = ReadBytes(env, info[0], step, "bytes", &bytes);
  if (st.ok() && !IsAbsent(info[1])) st = ToBool(info[1], step, "sealed", &sealed);
  UniqueFd fd(st.ok() ? memfd_create("npulens-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1);
  if (st.ok() && fd.get() < 0) st = Status(step, code::kIo, std::string("memfd_create: ") + std::strerror(errno));
  for (size_t done = 0; st.ok() && done < bytes.byteLength;) {
    const ssize_t n = write(fd.get(), bytes.data + done, bytes.byteLength - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) st = Status(step, code::kIo, std::string("write: ") + std::strerror(errno));
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (st.ok() && sealed && fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
    st = Status(step, code::kIo, std::string("F_ADD_SEALS: ") + std::strerror(errno));
  }
  if (!st.ok()) {
    ToJsError(env, st).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, fd.Release());
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
constexpr char kListModels[] = "listModels";
constexpr char kRegisterTestDevice[] = "registerTestDevice";
constexpr char kResetTestDevices[] = "resetTestDevices";
constexpr char kSetThreadCount[] = "setThreadCount";
constexpr char kNativeClassifierCount[] = "nativeClassifierCount";
constexpr char kInjectTestFault[] = "injectTestFault";
constexpr char kCreateBenchmarkPlan[] = "createBenchmarkPlan";
constexpr char kLatencyStats[] = "latencyStats";
constexpr char kCreateMemfd[] = "createMemfd";

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Addon* addon = InitCommon(env, exports, ModelKind::kHostOnnx);
  StopWorkOnProcessExit(env, addon);
  Export<ParseAndLoad, kLoadClassifier, true>(env, exports, addon);
  Export<ReadManifestObject, kReadManifest>(env, exports);
  Export<ListModels, kListModels, true>(env, exports);
  Export<RegisterTestDevice, kRegisterTestDevice>(env, exports);
  Export<ResetTestDevices, kResetTestDevices>(env, exports);
  Export<SetThreadCount, kSetThreadCount>(env, exports);
  Export<NativeClassifierCount, kNativeClassifierCount>(env, exports);
  Export<InjectTestFault, kInjectTestFault>(env, exports);
  Export<CreateBenchmarkPlan, kCreateBenchmarkPlan>(env, exports);
  Export<LatencyStatsOf, kLatencyStats>(env, exports);
  Export<CreateMemfd, kCreateMemfd>(env, exports);
  return exports;
}

}  // namespace
}  // namespace npulens::binding

// NODE_API_MODULE pastes the function name into identifiers: it must be unqualified.
static Napi::Object InitNpulensAddon(Napi::Env env, Napi::Object exports) {
  return npulens::binding::Init(env, exports);
}
NODE_API_MODULE(npulens, InitNpulensAddon)
