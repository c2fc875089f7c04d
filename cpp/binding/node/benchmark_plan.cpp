#include "benchmark_plan.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmark_worker.h"
#include "convert.h"
#include "core/benchmark_runner.h"
#include "js_util.h"

namespace npulens::binding {

namespace {

// The plan behind one JS plan object. Each of the object's functions holds it (node-addon-api frees a function's
// callable with the function), release() frees the plan itself at once.
struct PlanHolder {
  std::unique_ptr<BenchmarkPlan> plan;
};

Status Released(const std::string& step) { return Status(step, code::kReleased, "the benchmark plan was released"); }

// One method of the plan object: `body(plan)` returns its value; errors are thrown as coded JS errors.
template <typename Body>
Napi::Function Method(Napi::Env env, const char* name, std::shared_ptr<PlanHolder> holder, Body body) {
  return Napi::Function::New(
      env,
      [holder, body, name](const Napi::CallbackInfo& info) -> Napi::Value {
        return GuardEntry(info.Env(), name, false, [&]() -> Napi::Value {
          if (!holder->plan) {
            ToJsError(info.Env(), Released(name)).ThrowAsJavaScriptException();
            return info.Env().Undefined();
          }
          return body(info, *holder->plan);
        });
      },
      name);
}

Napi::Value Throw(Napi::Env env, const Status& st) {
  ToJsError(env, st).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Value CreateBenchmarkPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "createBenchmarkPlan";
  BenchmarkParams params;
  if (!IsAbsent(info[0])) {
    if (!info[0].IsObject()) return Throw(env, TypeMismatch(step, "options must be an object"));
    Status st = ParseBenchmarkParams(info[0].As<Napi::Object>(), step, &params);
    if (!st.ok()) return Throw(env, st);
  }
  Result<std::unique_ptr<BenchmarkPlan>> created = BenchmarkPlan::Create(params);
  if (!created.ok()) return Throw(env, created.status());
  auto holder = std::make_shared<PlanHolder>();
  holder->plan = std::move(created.value());

  Napi::Object o = Napi::Object::New(env);
  o.Set("next", Method(env, "next", holder, [](const Napi::CallbackInfo& i, BenchmarkPlan& plan) -> Napi::Value {
          return Napi::String::New(i.Env(), BenchmarkPhaseName(plan.Next()));
        }));
  o.Set("record", Method(env, "record", holder, [](const Napi::CallbackInfo& i, BenchmarkPlan& plan) -> Napi::Value {
          if (!i[0].IsNumber()) return Throw(i.Env(), TypeMismatch("benchmark.record", "ms must be a number"));
          Status st = plan.Record(i[0].As<Napi::Number>().DoubleValue());
          return st.ok() ? i.Env().Undefined() : Throw(i.Env(), st);
        }));
  o.Set("cancel", Method(env, "cancel", holder, [](const Napi::CallbackInfo& i, BenchmarkPlan& plan) -> Napi::Value {
          plan.Cancel();
          return i.Env().Undefined();
        }));
  o.Set("result", Method(env, "result", holder, [](const Napi::CallbackInfo& i, BenchmarkPlan& plan) -> Napi::Value {
          Result<BenchmarkResult> r = plan.Finish();
          return r.ok() ? Napi::Value(BenchmarkResultToJs(i.Env(), r.value())) : Throw(i.Env(), r.status());
        }));
  // release() is harmless on a released plan: not a Method (which refuses a released plan).
  o.Set("release", Napi::Function::New(
                       env,
                       [holder](const Napi::CallbackInfo& i) -> Napi::Value {
                         holder->plan.reset();
                         return i.Env().Undefined();
                       },
                       "release"));
  return o;
}

Napi::Value LatencyStatsOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "latencyStats";
  if (!info[0].IsArray()) return Throw(env, TypeMismatch(step, "samplesMs must be an array of numbers"));
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<double> samples;
  samples.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) return Throw(env, TypeMismatch(step, "samplesMs[" + std::to_string(k) + "] is not a number"));
    samples.push_back(v.As<Napi::Number>().DoubleValue());
  }
  Result<LatencyStats> stats = ComputeLatencyStats(std::move(samples));
  if (!stats.ok()) return Throw(env, Status(step, stats.status().code(), stats.status().message()));
  return LatencyToJs(env, stats.value());
}

}  // namespace npulens::binding
