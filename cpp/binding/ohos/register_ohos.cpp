// OHOS registration of libentry.so (napi_module_register, nm_modname "entry": `import npulens from 'libentry.so'`)
// and the device loadClassifier(resourceManager, options) / listModels(resourceManager): the manifest, model ("om"
// target) and labels come from rawfile models/ through the ResourceManager, read by the engine's model loader. The
// Node twin is node/register_node.cpp.
#include <napi.h>

#include <memory>
#include <string>
#include <utility>

#include "addon.h"
#include "core/manifest.h"
#include "hilog_sink.h"
#include "js_util.h"
#include "load_options.h"
#include "nnrt/model_loader.h"
#include "rawfile_reader.h"

namespace npulens::binding {
namespace {

constexpr char kManifestRawfile[] = "models/manifest.json";
// CANN Kit offline models on HIAI_F.
constexpr char kDeviceTarget[] = "om";

// Rawfiles are entries of the app's own package (no special files, sizes fixed at build time): no caps.
FileReader RawfileReader(std::shared_ptr<ResourceManagerOwner> resources) {
  return [resources = std::move(resources)](const std::string& path, const FileKind&) { return resources->Read(path); };
}

Napi::Value ParseAndLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "loadClassifier";
  auto* addon = static_cast<Addon*>(info.Data());
  if (!info[0].IsObject()) return RejectedPromise(env, TypeMismatch(step, "resourceManager must be an object"));
  if (!info[1].IsObject()) return RejectedPromise(env, TypeMismatch(step, "options must be an object"));
  Napi::Object options = info[1].As<Napi::Object>();
  Napi::Value idValue;
  ModelRequest request;
  request.manifestPath = kManifestRawfile;
  request.target = kDeviceTarget;
  Status st = GetProperty(options, "modelId", step, &idValue);
  if (st.ok()) st = ToString(idValue, step, "options.modelId", &request.modelId);
  LoadParams params;
  if (st.ok()) st = ParseLoadParams(options, step, &params);
  if (!st.ok()) return RejectedPromise(env, st);
  Result<std::shared_ptr<ResourceManagerOwner>> resources = ResourceManagerOwner::FromJs(env, info[0], step);
  if (!resources.ok()) return RejectedPromise(env, resources.status());
  return StartLoad(env, addon, std::move(request), RawfileReader(std::move(resources).value()), params);
}

// listModels(resourceManager): the bundled catalog (rawfile models/manifest.json) with each model's "om" file.
Napi::Value ParseAndList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    return RejectedPromise(env, TypeMismatch("listModels", "resourceManager must be an object"));
  }
  Result<std::shared_ptr<ResourceManagerOwner>> resources = ResourceManagerOwner::FromJs(env, info[0], "listModels");
  if (!resources.ok()) return RejectedPromise(env, resources.status());
  return StartListModels(env, kManifestRawfile, kDeviceTarget, RawfileReader(std::move(resources).value()));
}

Napi::Value LoadClassifier(const Napi::CallbackInfo& info) {
  return GuardEntry(info.Env(), "loadClassifier", true, [&] { return ParseAndLoad(info); });
}

Napi::Value ListModels(const Napi::CallbackInfo& info) {
  return GuardEntry(info.Env(), "listModels", true, [&] { return ParseAndList(info); });
}

Napi::Object InitEntry(Napi::Env env, Napi::Object exports) {
  Addon* addon = InitCommon(env, exports, ModelKind::kCannOffline);
  addon->log = LogToHilog;
  exports.Set("loadClassifier", Napi::Function::New(env, LoadClassifier, "loadClassifier", addon));
  exports.Set("listModels", Napi::Function::New(env, ListModels, "listModels"));
  return exports;
}

napi_value RegisterEntry(napi_env env, napi_value exports) { return Napi::RegisterModule(env, exports, InitEntry); }

napi_module entryModule = {
    1,              // nm_version
    0,              // nm_flags
    nullptr,        // nm_filename
    RegisterEntry,  // nm_register_func
    "entry",        // nm_modname: matches libentry.so
    nullptr,        // nm_priv
    {nullptr},      // reserved
};

}  // namespace
}  // namespace npulens::binding

extern "C" __attribute__((constructor)) void RegisterNpuLensEntryModule(void) {
  napi_module_register(&npulens::binding::entryModule);
}
