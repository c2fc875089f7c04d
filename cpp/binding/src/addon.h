// Exports shared by the Node addon and the OHOS module. Each platform's registration file adds its own
// `loadClassifier` (argument parsing into a ModelSource) and calls StartLoad.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "model_source.h"
#include "nnrt/device_selector.h"

namespace npulens::binding {

// Per-env module data. Kept for the env's lifetime on purpose (never freed): it is tiny, and napi instance-data
// and env-cleanup hooks are not reliably available on every OHOS version.
struct Addon {
  Napi::FunctionReference classifierConstructor;
  // What this platform loads: CANN offline models on OHOS, ONNX on the host runtime (device choice depends on it).
  ModelKind modelKind = ModelKind::kHostOnnx;
  // Optional log sink for load results and failures (OHOS: hilog); called on the JS thread.
  std::function<void(bool error, const std::string& message)> log;
};

// Creates the Addon for `env` and sets `listDevices` on exports.
Addon* InitCommon(Napi::Env env, Napi::Object exports, ModelKind modelKind);

// Loads off the JS thread (source->Read(), then InferenceSession::Load) and resolves with a Classifier.
Napi::Value StartLoad(Napi::Env env, Addon* addon, std::unique_ptr<ModelSource> source, const LoadParams& params);

}  // namespace npulens::binding
