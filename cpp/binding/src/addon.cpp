#include "addon.h"

#include <chrono>
#include <utility>

#include "classifier.h"
#include "convert.h"
#include "js_util.h"
#include "nnrt/device_selector.h"

namespace npulens::binding {

namespace {

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, Addon* addon, std::unique_ptr<ModelSource> source, const LoadParams& params)
      : Napi::AsyncWorker(env, "npulens.load"),
        addon_(addon),
        source_(std::move(source)),
        params_(params),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    const auto start = std::chrono::steady_clock::now();
    Result<LoadedModel> model = source_->Read();
    if (!model.ok()) return Fail(model.status());
    LoadedModel& m = model.value();
    m.config.devicePolicy = params_.policy;
    m.config.options = params_.options;
    m.config.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    auto state = std::make_shared<ClassifierState>();
    state->input = m.config.input;
    state->meta = ModelMeta{m.title, m.file, m.config.output.classes, params_.ioMode};
    Result<std::unique_ptr<InferenceSession>> session = InferenceSession::Load(std::move(m.bytes), m.config);
    if (!session.ok()) return Fail(session.status());
    state->session = std::move(session).value();
    Result<SessionInfo> info = state->session->Info();
    if (!info.ok()) return Fail(info.status());
    state->deviceName = info.value().device.device.name;
    if (!info.value().inputs.empty()) {
      state->inputShape = info.value().inputs[0].shape;
      state->inputDType = info.value().inputs[0].dtypeName;
    }
    state_ = std::move(state);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object classifier = ClassifierWrap::NewInstance(addon_->classifierConstructor, state_);
    if (env.IsExceptionPending() || classifier.IsEmpty()) {
      // Never leave an exception pending in a completion callback (it would be uncaught): reject instead.
      const std::string why = env.IsExceptionPending() ? env.GetAndClearPendingException().Message() : "no object";
      deferred_.Reject(ToJsError(env, Status("load", code::kInternal, "creating the Classifier failed: " + why)).Value());
      return;
    }
    if (addon_->log) {
      addon_->log(false, "loaded " + state_->meta.file + " on " + state_->deviceName);
    }
    deferred_.Resolve(classifier);
  }

  void OnError(const Napi::Error&) override {
    if (addon_->log) addon_->log(true, "load failed: " + status_.ToString());
    deferred_.Reject(ToJsError(Env(), status_).Value());
  }

 private:
  void Fail(const Status& status) {
    status_ = status;
    SetError(status.ToString());
  }

  Addon* addon_;
  std::unique_ptr<ModelSource> source_;
  LoadParams params_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<ClassifierState> state_;
  Status status_;
};

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Result<std::vector<DeviceInfo>> devices = DeviceSelector::Enumerate();
  if (!devices.ok()) {
    ToJsError(env, devices.status()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return DevicesToJs(env, devices.value(), static_cast<Addon*>(info.Data())->modelKind);
}

}  // namespace

Addon* InitCommon(Napi::Env env, Napi::Object exports, ModelKind modelKind) {
  auto* addon = new Addon();
  addon->modelKind = modelKind;
  addon->classifierConstructor = Napi::Persistent(ClassifierWrap::DefineClass(env));
  exports.Set("listDevices", Napi::Function::New(env, ListDevices, "listDevices", addon));
  return addon;
}

Napi::Value StartLoad(Napi::Env env, Addon* addon, std::unique_ptr<ModelSource> source, const LoadParams& params) {
  auto* worker = new LoadWorker(env, addon, std::move(source), params);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace npulens::binding
