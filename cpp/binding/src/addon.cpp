#include "addon.h"

#include <chrono>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>

#include "classifier.h"
#include "convert.h"
#include "js_util.h"
#include "nnrt/device_selector.h"

namespace npulens::binding {

namespace {

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, Addon* addon, ModelRequest request, FileReader read, const LoadParams& params)
      : Napi::AsyncWorker(env, "npulens.load"),
        addon_(addon),
        request_(std::move(request)),
        read_(std::move(read)),
        params_(params),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    Status st = CatchAll("load", [this] { return Load(); });
    if (!st.ok()) Fail(st);
  }

  void OnOK() override {
    Napi::Env env = Env();
    GuardEntry(env, "load", false, [&] {
      Settle();
      return env.Undefined();
    });
    if (env.IsExceptionPending()) Reject(env.GetAndClearPendingException().Value());
  }

  void OnError(const Napi::Error&) override {
    if (addon_->log) addon_->log(true, "load failed: " + status_.ToString());
    Reject(ToJsError(Env(), status_).Value());
  }

 private:
  Status Load() {
    TestFault("load");
    const auto start = std::chrono::steady_clock::now();
    Result<LoadedModel> model = LoadModel(std::move(request_), read_);
    if (!model.ok()) return model.status();
    // Process exit: skip the compilation (nobody will see the result; the runtime joins this thread first).
    if (addon_->stopping) return Status("load", code::kReleased, "the environment is shutting down");
    LoadedModel& m = model.value();
    m.config.devicePolicy = params_.policy;
    m.config.preprocessing = params_.preprocessing;
    m.config.options = params_.options;
    m.config.returnOutput = params_.returnOutput;
    if (params_.batchSize != 0) m.config.batchSize = params_.batchSize;  // InferenceSession::Load checks it
    m.config.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    auto state = std::make_shared<ClassifierState>();
    state->input = m.config.input;
    state->meta = ModelMeta{m.title, m.file, m.config.output.classes, params_.ioMode};
    state->envStopping = &addon_->stopping;
    Result<std::unique_ptr<InferenceSession>> session = InferenceSession::Load(std::move(m.bytes), m.config);
    if (!session.ok()) return session.status();
    state->session = std::move(session).value();
    Result<SessionInfo> info = state->session->Info();
    if (!info.ok()) return info.status();
    state->deviceName = info.value().device.device.name;
    state->preprocessing = info.value().preprocessing;
    state->batchSize = info.value().batchSize;
    if (!info.value().inputs.empty()) {
      state->inputShape = info.value().inputs[0].shape;
      state->inputDType = info.value().inputs[0].dtypeName;
    }
    state_ = std::move(state);
    return Status::Ok();
  }

  void Settle() {
    Napi::Env env = Env();
    Napi::Object classifier = ClassifierWrap::NewInstance(addon_->classifierConstructor, state_);
    if (env.IsExceptionPending() || classifier.IsEmpty()) {
      // Never leave an exception pending in a completion callback (it would be uncaught): reject instead.
      const std::string why = env.IsExceptionPending() ? env.GetAndClearPendingException().Message() : "no object";
      Reject(ToJsError(env, Status("load", code::kInternal, "creating the Classifier failed: " + why)).Value());
      return;
    }
    if (addon_->log) {
      addon_->log(false, "loaded " + state_->meta.file + " on " + state_->deviceName);
    }
    settled_ = true;
    deferred_.Resolve(classifier);
  }

  void Reject(Napi::Value error) {
    if (settled_) return;
    settled_ = true;
    deferred_.Reject(error);
  }

  void Fail(const Status& status) {
    status_ = status;
    SetError(status.ToString());
  }

  Addon* addon_;
  ModelRequest request_;
  FileReader read_;
  LoadParams params_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<ClassifierState> state_;
  Status status_;
  bool settled_ = false;
};

class ListModelsWorker : public Napi::AsyncWorker {
 public:
  ListModelsWorker(Napi::Env env, std::string manifestPath, std::string target, FileReader read)
      : Napi::AsyncWorker(env, "npulens.listModels"),
        manifestPath_(std::move(manifestPath)),
        target_(std::move(target)),
        read_(std::move(read)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    status_ = CatchAll("listModels", [this] {
      Result<std::vector<CatalogEntry>> entries = ReadModelCatalog(manifestPath_, target_, read_);
      if (!entries.ok()) return entries.status();
      entries_ = std::move(entries).value();
      return Status::Ok();
    });
    if (!status_.ok()) SetError(status_.ToString());
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Value entries =
        GuardEntry(env, "listModels", false, [&]() -> Napi::Value { return CatalogToJs(env, entries_); });
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    deferred_.Resolve(entries);
  }

  void OnError(const Napi::Error&) override { deferred_.Reject(ToJsError(Env(), status_).Value()); }

 private:
  std::string manifestPath_;
  std::string target_;
  FileReader read_;
  Napi::Promise::Deferred deferred_;
  std::vector<CatalogEntry> entries_;
  Status status_;
};

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return GuardEntry(env, "listDevices", false, [&]() -> Napi::Value {
    Result<std::vector<DeviceInfo>> devices = DeviceSelector::Enumerate();
    if (!devices.ok()) {
      ToJsError(env, devices.status()).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return DevicesToJs(env, devices.value(), static_cast<Addon*>(info.Data())->modelKind);
  });
}

void StopWorkHook(void* addon) { StopWork(static_cast<Addon*>(addon)); }

std::mutex testFaultMutex;
std::string testFaultWhere;  // empty: nothing armed
TestFaultKind testFaultKind = TestFaultKind::kBadAlloc;
std::atomic<bool> testFaultArmed{false};

}  // namespace

void StopWork(Addon* addon) { addon->stopping = true; }

Status ArmTestFault(const std::string& where, TestFaultKind kind) {
  static const char* const places[] = {"load", "classify", "classifyFd", "inspect", "benchmark"};
  bool known = false;
  for (const char* place : places) known = known || where == place;
  if (!known) {
    return Status("injectTestFault", code::kOutOfRange,
                  "where must be one of 'load', 'classify', 'classifyFd', 'inspect', 'benchmark', got '" + where + "'");
  }
  std::lock_guard<std::mutex> lock(testFaultMutex);
  testFaultWhere = where;
  testFaultKind = kind;
  testFaultArmed = true;
  return Status::Ok();
}

void TestFault(const char* where) {
  if (!testFaultArmed) return;
  TestFaultKind kind;
  {
    std::lock_guard<std::mutex> lock(testFaultMutex);
    if (testFaultWhere != where) return;
    testFaultWhere.clear();
    testFaultArmed = false;
    kind = testFaultKind;
  }
  switch (kind) {
    case TestFaultKind::kBadAlloc: throw std::bad_alloc();
    case TestFaultKind::kRuntimeError: throw std::runtime_error(std::string("test fault at ") + where);
    case TestFaultKind::kUnknown: throw 42;
  }
}

Addon* InitCommon(Napi::Env env, Napi::Object exports, ModelKind modelKind) {
  auto* addon = new Addon();
  addon->modelKind = modelKind;
  addon->classifierConstructor = Napi::Persistent(ClassifierWrap::DefineClass(env));
  exports.Set("listDevices", Napi::Function::New(env, ListDevices, "listDevices", addon));
  // Engine or worker teardown (OpenHarmony runs env cleanup hooks when an ArkTS engine goes away; exported at every
  // API level). Node waits for in-flight async work before it runs them, hence also the 'exit' listener on Node.
  napi_add_env_cleanup_hook(env, StopWorkHook, addon);
  return addon;
}

Napi::Value StartLoad(Napi::Env env, Addon* addon, ModelRequest request, FileReader read, const LoadParams& params) {
  return GuardEntry(env, "loadClassifier", true, [&]() -> Napi::Value {
    auto* worker = new LoadWorker(env, addon, std::move(request), std::move(read), params);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

Napi::Value StartListModels(Napi::Env env, std::string manifestPath, std::string target, FileReader read) {
  return GuardEntry(env, "listModels", true, [&]() -> Napi::Value {
    auto* worker = new ListModelsWorker(env, std::move(manifestPath), std::move(target), std::move(read));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace npulens::binding
