// C++ results -> the JS objects declared in entry/src/main/cpp/types/libentry/Index.d.ts.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "core/stats.h"
#include "nnrt/device_selector.h"
#include "nnrt/inference_session.h"
#include "nnrt/model_loader.h"

namespace npulens::binding {

// What ModelInfo adds to SessionInfo (known from the manifest / the load request).
struct ModelMeta {
  std::string title;
  std::string file;
  int classes = 0;
  IoMode ioMode = IoMode::kZeroCopy;
};

Napi::Object ModelInfoToJs(Napi::Env env, const SessionInfo& info, const ModelMeta& meta);

// ClassifyResult. Empty labels become "#<index>". `bindingBytesIn`: the bytes the binding copied before the engine ran
// (the pixels out of the caller's buffer or fd), added to the engine's cpuBytesIn.
Napi::Object ClassificationToJs(Napi::Env env, const Classification& result, const std::string& device, IoMode mode,
                                size_t bindingBytesIn);

// DeviceInfo[] with the policies that pick each device.
// `kind`: the models this platform loads (OHOS: CANN .om; Node: the host runtime's ONNX), which decides the
// policies that would pick each device ("selectedBy").
Napi::Array DevicesToJs(Napi::Env env, const std::vector<DeviceInfo>& devices, ModelKind kind);

// The manifest as readManifest returns it (Node: ManifestSummary, src/api/native.ts), paths resolved against its
// folder.
Napi::Object ManifestToJs(Napi::Env env, const Manifest& manifest);

// ModelCatalogEntry[]: what listModels returns.
Napi::Array CatalogToJs(Napi::Env env, const std::vector<CatalogEntry>& entries);

// StageTimings -> {preprocessMs, copyInMs, frameCopyMs, inferenceMs, copyOutMs, postprocessMs, totalMs}.
Napi::Object StageTimingsToJs(Napi::Env env, const StageTimings& t);

// LatencyStats -> {min, p50, p90, p99, max, mean, std}.
Napi::Object LatencyToJs(Napi::Env env, const LatencyStats& stats);

}  // namespace npulens::binding
