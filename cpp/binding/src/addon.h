// Exports shared by the Node addon and the OHOS module. Each platform's registration file adds its own
// `loadClassifier` (its arguments converted into a ModelRequest, read through its FileReader) and calls StartLoad.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <string>

#include "load_options.h"
#include "nnrt/device_selector.h"
#include "nnrt/model_loader.h"

namespace npulens::binding {

// Per-env module data. Never freed: it is tiny, and a worker of this env may still point at it while the env is torn
// down.
struct Addon {
  Napi::FunctionReference classifierConstructor;
  // What this platform loads: CANN offline models on OHOS, ONNX on the host runtime (device choice depends on it).
  ModelKind modelKind = ModelKind::kHostOnnx;
  // Optional log sink for load results and failures (OHOS: hilog); called on the JS thread.
  std::function<void(bool error, const std::string& message)> log;
  // The env is going away (process exit, engine or worker teardown): running benchmarks stop at their next run and
  // loads skip their remaining steps, so the worker threads the runtime joins before exiting return promptly.
  std::atomic<bool> stopping{false};
};

// Creates the Addon for `env` and sets `listDevices` on exports.
Addon* InitCommon(Napi::Env env, Napi::Object exports, ModelKind modelKind);

// Sets addon->stopping. Called by the env cleanup hook InitCommon adds and, on Node, by a process 'exit' listener
// (Node joins its worker threads on process.exit() before any cleanup hook runs).
void StopWork(Addon* addon);

// Tests only (Node's injectTestFault): the next TestFault(where) throws the armed kind, so the tests can prove that
// no native exception crosses a worker or N-API boundary. `where`: load, classify, classifyFd, inspect, benchmark.
enum class TestFaultKind { kBadAlloc, kRuntimeError, kUnknown };
Status ArmTestFault(const std::string& where, TestFaultKind kind);
void TestFault(const char* where);

// Loads off the JS thread (LoadModel(request, read), then InferenceSession::Load) and resolves with a Classifier.
// `request` has passed CheckModelRequest.
Napi::Value StartLoad(Napi::Env env, Addon* addon, ModelRequest request, FileReader read, const LoadParams& params);

// Reads the model catalog off the JS thread (ReadModelCatalog) and resolves with ModelCatalogEntry[] (convert.h).
Napi::Value StartListModels(Napi::Env env, std::string manifestPath, std::string target, FileReader read);

}  // namespace npulens::binding
