// The JS Classifier object (Index.d.ts `Classifier`): argument checks on the JS thread, the work on libuv worker
// threads through a per-classifier JobQueue, results and errors converted back on the JS thread.
//
// Lifetime: ClassifierState owns the InferenceSession and is shared by the JS object and its running job.
// release() marks the state released and rejects queued jobs at once; the session itself is released when no job
// is running (right away, or when the running job settles), so release() never blocks the JS thread and never
// pulls the session from under a running NNRt call. The object's finalizer (GC) only lets queued work drain and
// then frees the session: a safety net, not the way to free models.
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
  std::unique_ptr<InferenceSession> session;
  InputSpec input;                  // for inspect(): the same pre-processing the session runs
  std::vector<int32_t> inputShape;  // of the model's input tensor
  std::string inputDType;
  std::string deviceName;
  ModelMeta meta;
  std::atomic<bool> cancelBenchmark{false};

  // JS thread only.
  JobQueue queue;
  bool released = false;  // release() was called: every new call rejects
  bool orphaned = false;  // the JS object was garbage-collected

  // Called by every job after settling its promise (JS thread).
  void JobFinished();
  // Frees the session now if no job runs (else JobFinished does it).
  void ReleaseSessionWhenIdle();
};

class ClassifierWrap : public Napi::ObjectWrap<ClassifierWrap> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object NewInstance(Napi::FunctionReference& constructor, std::shared_ptr<ClassifierState> state);

  explicit ClassifierWrap(const Napi::CallbackInfo& info);
  ~ClassifierWrap() override;

 private:
  Napi::Value GetInfo(const Napi::CallbackInfo& info);
  Napi::Value Classify(const Napi::CallbackInfo& info);
  Napi::Value ClassifyFd(const Napi::CallbackInfo& info);
  Napi::Value Inspect(const Napi::CallbackInfo& info);
  Napi::Value Benchmark(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);

  // NPULENS_RELEASED (or a TypeError for an object not made by loadClassifier) when the call cannot run.
  Status CheckUsable(const std::string& step) const;

  std::shared_ptr<ClassifierState> state_;
  Napi::ObjectReference info_;  // the ModelInfo object, built once
};

}  // namespace npulens::binding
