#include "js_util.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>

namespace npulens::binding {

Napi::Error ToJsError(Napi::Env env, const Status& status) {
  const std::string message = status.ToString();
  Napi::Error error;
  switch (status.kind()) {
    case ErrorKind::kTypeError: error = Napi::TypeError::New(env, message); break;
    case ErrorKind::kRangeError: error = Napi::RangeError::New(env, message); break;
    default: error = Napi::Error::New(env, message); break;
  }
  error.Value().Set("code", Napi::String::New(env, status.codeName()));
  error.Value().Set("step", Napi::String::New(env, status.step()));
  return error;
}

Napi::Value RejectedPromise(Napi::Env env, const Status& status) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(ToJsError(env, status).Value());
  return deferred.Promise();
}

Status CurrentExceptionStatus(const std::string& step) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Status(step, code::kInternal, "out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    return Status(step, code::kInternal, std::string("native exception: ") + e.what());
  } catch (...) {
    return Status(step, code::kInternal, "native exception of an unknown type");
  }
}

Status TypeMismatch(const std::string& step, const std::string& message) {
  return Status(step, code::kInvalidArgument, message);
}

Status OutOfRange(const std::string& step, const std::string& message) {
  return Status(step, code::kOutOfRange, message);
}

namespace {

size_t TypedArrayElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default:  // float64, bigint64, biguint64
      return 8;
  }
}

// Whether napi_get_typedarray_info's `length` counts bytes (OpenHarmony) or elements (Node) on this engine. Asked
// of a 2-element Int16Array made here; every env of the process runs the same engine, so it is probed once.
Status TypedArrayLengthCountsBytes(napi_env env, const std::string& step, bool* countsBytes) {
  enum Probe { kUnknown, kElements, kBytes };
  static std::atomic<Probe> probe{kUnknown};  // JS threads (one per env) may race here: each finds the same answer
  if (probe == kUnknown) {
    void* data = nullptr;
    napi_value buffer = nullptr;
    napi_value array = nullptr;
    napi_typedarray_type type = napi_uint8_array;
    size_t length = 0;
    size_t offset = 0;
    if (napi_create_arraybuffer(env, 4, &data, &buffer) != napi_ok ||
        napi_create_typedarray(env, napi_int16_array, 2, buffer, 0, &array) != napi_ok ||
        napi_get_typedarray_info(env, array, &type, &length, &data, &buffer, &offset) != napi_ok ||
        (length != 2 && length != 4)) {
      if (Napi::Env(env).IsExceptionPending()) Napi::Env(env).GetAndClearPendingException();
      return Status(step, code::kInternal, "napi_get_typedarray_info counts neither elements nor bytes");
    }
    probe = length == 4 ? kBytes : kElements;
  }
  *countsBytes = probe == kBytes;
  return Status::Ok();
}

}  // namespace

Status ReadBytes(Napi::Env env, napi_value value, const std::string& step, const std::string& name, ByteView* out) {
  bool isArrayBuffer = false;
  bool isTypedArray = false;
  napi_is_arraybuffer(env, value, &isArrayBuffer);
  if (isArrayBuffer) {
    void* data = nullptr;
    size_t byteLength = 0;
    if (napi_get_arraybuffer_info(env, value, &data, &byteLength) != napi_ok) {
      return Status(step, code::kInternal, name + ": napi_get_arraybuffer_info failed");
    }
    out->data = static_cast<uint8_t*>(data);
    out->byteLength = byteLength;
    return Status::Ok();
  }
  napi_is_typedarray(env, value, &isTypedArray);
  if (isTypedArray) {
    bool countsBytes = false;
    Status st = TypedArrayLengthCountsBytes(env, step, &countsBytes);
    if (!st.ok()) return st;
    napi_typedarray_type type = napi_uint8_array;
    size_t length = 0;
    void* data = nullptr;
    napi_value arrayBuffer = nullptr;
    size_t byteOffset = 0;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, &arrayBuffer, &byteOffset) != napi_ok) {
      return Status(step, code::kInternal, name + ": napi_get_typedarray_info failed");
    }
    const size_t byteLength = countsBytes ? length : length * TypedArrayElementSize(type);
    // The view must lie inside its buffer; a miscounted length would otherwise read past the end.
    void* bufferData = nullptr;
    size_t bufferBytes = 0;
    if (napi_get_arraybuffer_info(env, arrayBuffer, &bufferData, &bufferBytes) != napi_ok) {
      return Status(step, code::kInternal, name + ": napi_get_arraybuffer_info failed for its buffer");
    }
    if (byteOffset > bufferBytes || byteLength > bufferBytes - byteOffset) {
      return Status(step, code::kInternal,
                    name + ": a view of " + std::to_string(byteLength) + " bytes at offset " +
                        std::to_string(byteOffset) + " exceeds its buffer of " + std::to_string(bufferBytes) +
                        " bytes");
    }
    out->data = static_cast<uint8_t*>(data);  // already points at byteOffset
    out->byteLength = byteLength;
    return Status::Ok();
  }
  return TypeMismatch(step, name + " must be an ArrayBuffer");
}

Status NewArrayBufferCopy(Napi::Env env, const void* data, size_t size, const std::string& step, Napi::Value* out) {
  void* memory = nullptr;
  napi_value buffer = nullptr;
  if (napi_create_arraybuffer(env, size, &memory, &buffer) != napi_ok) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    return Status(step, code::kInternal, "napi_create_arraybuffer(" + std::to_string(size) + " bytes) failed");
  }
  if (size > 0) std::memcpy(memory, data, size);
  *out = Napi::Value(env, buffer);
  return Status::Ok();
}

Status NewFloat32ArrayCopy(Napi::Env env, const std::vector<float>& values, const std::string& step, Napi::Value* out) {
  Napi::Value buffer;
  Status st = NewArrayBufferCopy(env, values.data(), values.size() * sizeof(float), step, &buffer);
  if (!st.ok()) return st;
  napi_value array = nullptr;
  if (napi_create_typedarray(env, napi_float32_array, values.size(), buffer, 0, &array) != napi_ok) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    return Status(step, code::kInternal,
                  "napi_create_typedarray(float32, " + std::to_string(values.size()) + ") failed");
  }
  *out = Napi::Value(env, array);
  return Status::Ok();
}

Status GetProperty(Napi::Object object, const char* key, const std::string& step, Napi::Value* out) {
  Napi::Env env = object.Env();
  Napi::Value value = object.Get(key);
  if (env.IsExceptionPending()) {
    Napi::Error error = env.GetAndClearPendingException();
    return TypeMismatch(step, std::string("reading options.") + key + " threw: " + error.Message());
  }
  *out = value;
  return Status::Ok();
}

Status ToInteger(const Napi::Value& value, const std::string& step, const std::string& name, int64_t min, int64_t max,
                 int64_t* out) {
  if (!value.IsNumber()) return TypeMismatch(step, name + " must be a number");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) {
    return OutOfRange(step, name + " must be an integer, got " + Napi::Value(value).ToString().Utf8Value());
  }
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    return OutOfRange(step, name + " must be within " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                                Napi::Value(value).ToString().Utf8Value());
  }
  *out = static_cast<int64_t>(d);
  return Status::Ok();
}

Status ToNumber(const Napi::Value& value, const std::string& step, const std::string& name, double min, double max,
                double* out) {
  if (!value.IsNumber()) return TypeMismatch(step, name + " must be a number");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max) {
    return OutOfRange(step, name + " must be a finite number within [" + std::to_string(min) + ", " +
                                std::to_string(max) + "], got " + Napi::Value(value).ToString().Utf8Value());
  }
  *out = d;
  return Status::Ok();
}

Status ToString(const Napi::Value& value, const std::string& step, const std::string& name, std::string* out) {
  if (!value.IsString()) return TypeMismatch(step, name + " must be a string");
  *out = value.As<Napi::String>().Utf8Value();
  return Status::Ok();
}

Status ToBool(const Napi::Value& value, const std::string& step, const std::string& name, bool* out) {
  if (!value.IsBoolean()) return TypeMismatch(step, name + " must be a boolean");
  *out = value.As<Napi::Boolean>().Value();
  return Status::Ok();
}

}  // namespace npulens::binding
