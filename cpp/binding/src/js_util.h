// JS <-> C++ helpers shared by every binding entry point: errors, buffers and argument parsing.
// Argument problems are Status values (NPULENS_INVALID_ARGUMENT -> TypeError, NPULENS_OUT_OF_RANGE ->
// RangeError) so that sync functions throw them and async functions reject with them through one path.
#pragma once

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace npulens::binding {

// TypeError / RangeError / Error (by status.kind()) whose message is status.ToString(), with `.code` (the code
// name, e.g. "OH_NN_INVALID_FILE") and `.step`.
Napi::Error ToJsError(Napi::Env env, const Status& status);

// A promise already rejected with ToJsError(status).
Napi::Value RejectedPromise(Napi::Env env, const Status& status);

// No C++ exception may cross a libuv worker or an N-API callback (either aborts the process): every worker
// callback and every entry point runs its body through these. Inside a catch block: the exception as a Status,
// NPULENS_INTERNAL at `step` ("out of memory (std::bad_alloc)", "native exception: <what()>", ...).
Status CurrentExceptionStatus(const std::string& step);
// Runs `body` (returns Status); an exception becomes CurrentExceptionStatus(step).
template <typename Body>
Status CatchAll(const std::string& step, Body&& body) {
  try {
    return body();
  } catch (...) {
    return CurrentExceptionStatus(step);
  }
}
// An N-API entry point's body (returns Napi::Value): an exception becomes a thrown JS error, or a rejected promise
// when the function returns promises. A JS exception the body left pending is cleared first.
template <typename Body>
Napi::Value GuardEntry(Napi::Env env, const std::string& step, bool returnsPromise, Body&& body) {
  Status status;
  try {
    return body();
  } catch (...) {
    status = CurrentExceptionStatus(step);
  }
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
  if (returnsPromise) return RejectedPromise(env, status);
  ToJsError(env, status).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Argument errors, step = the function name ("classify", "loadClassifier", ...).
Status TypeMismatch(const std::string& step, const std::string& message);
Status OutOfRange(const std::string& step, const std::string& message);

// Bytes of an ArrayBuffer or a TypedArray (its viewed range), in place. The only place that reads JS buffer
// memory, always through explicit out-pointers for every field: the OHOS napi rejects the null length pointer
// that node-addon-api's ArrayBuffer::Data()/ByteLength() pass, and its napi_get_typedarray_info reports the byte
// length where Node reports the element count (which of the two this engine does is probed once). Never use
// node-addon-api's buffer or typed-array accessors elsewhere.
struct ByteView {
  uint8_t* data = nullptr;
  size_t byteLength = 0;
};
Status ReadBytes(Napi::Env env, napi_value value, const std::string& step, const std::string& name, ByteView* out);

// A fresh ArrayBuffer holding a copy of `size` bytes at `data`. Made with napi_create_arraybuffer, which hands out
// the memory (node-addon-api's ArrayBuffer::New/Float32Array::New read it back through Data()).
Status NewArrayBufferCopy(Napi::Env env, const void* data, size_t size, const std::string& step, Napi::Value* out);
// A fresh Float32Array holding a copy of `values`.
Status NewFloat32ArrayCopy(Napi::Env env, const std::vector<float>& values, const std::string& step, Napi::Value* out);

// Reads options[key]; a throwing getter becomes a TypeError status (the JS exception is cleared).
Status GetProperty(Napi::Object object, const char* key, const std::string& step, Napi::Value* out);

// True for undefined (an absent optional argument or property).
inline bool IsAbsent(const Napi::Value& value) { return value.IsEmpty() || value.IsUndefined(); }

// Reads options[key] and, when it is set, passes it to `parse` (a Status(const Napi::Value&) callable).
template <typename Parse>
Status ParseOption(Napi::Object options, const char* key, const std::string& step, Parse&& parse) {
  Napi::Value value;
  Status st = GetProperty(options, key, step, &value);
  if (!st.ok() || IsAbsent(value)) return st;
  return parse(value);
}

// An integral number in [min, max].
Status ToInteger(const Napi::Value& value, const std::string& step, const std::string& name, int64_t min, int64_t max,
                 int64_t* out);
// A finite number in [min, max].
Status ToNumber(const Napi::Value& value, const std::string& step, const std::string& name, double min, double max,
                double* out);
Status ToString(const Napi::Value& value, const std::string& step, const std::string& name, std::string* out);
Status ToBool(const Napi::Value& value, const std::string& step, const std::string& name, bool* out);

// One of the listed strings, mapped to its value.
template <typename T>
Status ToEnum(const Napi::Value& value, const std::string& step, const std::string& name,
              std::initializer_list<std::pair<const char*, T>> choices, T* out) {
  std::string text;
  Status st = ToString(value, step, name, &text);
  if (!st.ok()) return st;
  std::string allowed;
  for (const auto& [key, mapped] : choices) {
    if (text == key) {
      *out = mapped;
      return Status::Ok();
    }
    allowed += allowed.empty() ? "'" : ", '";
    allowed += key;
    allowed += "'";
  }
  return OutOfRange(step, name + " must be one of " + allowed + ", got '" + text + "'");
}

}  // namespace npulens::binding
