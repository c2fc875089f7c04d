// The JS Classifier object (Index.d.ts `Classifier`): argument checks on the JS thread, the work on libuv worker
// threads through a per-classifier JobQueue, results and errors converted back on the JS thread.
//
// Lifetime, the same on Node's and on OpenHarmony's N-API (cpp/binding/README.md): the JS object wraps a tiny
// handle holding a shared ClassifierState, which owns the InferenceSession and is also held by the running job.
// release() rejects queued jobs at once and drops the handle's state, so the session is freed as soon as no job
// runs (right away, or when the running job settles): never by garbage collection, and never under a running
// NNRt call. A released object keeps only its `info` (plain JS data) and the empty handle. The wrap has no
// reference (on OHOS a wrap reference is strong and the object could never be collected), so the handle is freed
// when the object is collected; an object collected unreleased drops its state the same way.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convert.h"
#include "job_queue.h"
#include "nnrt/inference_session.h"

namespace npulens::binding {

struct ClassifierState {
  ClassifierState();
  ~ClassifierState();
  ClassifierState(const ClassifierState&) = delete;
  ClassifierState& operator=(const ClassifierState&) = delete;
  // How many exist (each owns one InferenceSession); a Node-only test hook reads it to prove release() frees them.
  static size_t LiveCount();

  std::unique_ptr<InferenceSession> session;
  InputSpec input;                  // for inspect(): the same pre-processing the session runs
  std::vector<int32_t> inputShape;  // of the model's input tensor
  std::string inputDType;
  std::string deviceName;
  Preprocessing preprocessing = Preprocessing::kCpu;  // resolved at load (SessionInfo::preprocessing)
  int batchSize = 1;                                  // images per inference (SessionInfo::batchSize)
  ModelMeta meta;
  std::atomic<bool> cancelBenchmark{false};
  // Addon::stopping of the env that loaded it (the Addon is never freed): its exit stops a running benchmark too.
  const std::atomic<bool>* envStopping = nullptr;
  JobQueue queue;  // JS thread only

  bool StopBenchmark() const { return cancelBenchmark || (envStopping != nullptr && *envStopping); }
};

// The Classifier class. Not a Napi::ObjectWrap: ObjectWrap relies on Node's N-API (a weak wrap reference, and
// napi_remove_wrap(…, NULL) when its constructor throws), which on OHOS leaks every object and frees a failed one
// twice.
class ClassifierWrap {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // A Classifier over `state`; empty with a pending exception when it cannot be made.
  static Napi::Object NewInstance(Napi::FunctionReference& constructor, std::shared_ptr<ClassifierState> state);
};

}  // namespace npulens::binding
