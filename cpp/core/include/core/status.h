// Status: the one error type of the native layer. Every failure carries the step that failed (e.g.
// "compile.build"), a numeric code with its name, and a human message, so that a single line such as
//   compile.build: OH_NN_INVALID_FILE (6): model is not an offline model
// says what failed and where. Codes 0..14 are the NNRt OH_NN_ReturnCode values (kept as plain ints here:
// cpp/core must not include NNRt headers; cpp/nnrt static_asserts that they equal the real enum); codes from
// 1000 up are NpuLens' own, for failures that do not come from NNRt.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace npulens {

namespace code {
// NNRt OH_NN_ReturnCode values (neural_network_runtime_type.h).
constexpr int kNnSuccess = 0;
constexpr int kNnFailed = 1;
constexpr int kNnInvalidParameter = 2;
constexpr int kNnMemoryError = 3;
constexpr int kNnOperationForbidden = 4;
constexpr int kNnNullPtr = 5;
constexpr int kNnInvalidFile = 6;
constexpr int kNnUnavalidableDevice = 7;  // sic: the SDK's deprecated spelling
constexpr int kNnInvalidPath = 8;
constexpr int kNnTimeout = 9;
constexpr int kNnUnsupported = 10;
constexpr int kNnConnectionException = 11;
constexpr int kNnSaveCacheException = 12;
constexpr int kNnDynamicShape = 13;
constexpr int kNnUnavailableDevice = 14;
constexpr int kNnCodeCount = 15;

// NpuLens' own codes.
constexpr int kInvalidArgument = 1000;  // a value of the wrong kind / shape (binding: TypeError)
constexpr int kOutOfRange = 1001;       // a number outside its allowed range (binding: RangeError)
constexpr int kIo = 1002;               // file read/write failed
constexpr int kManifest = 1003;         // manifest or labels file invalid
constexpr int kReleased = 1004;         // object used after Release()
constexpr int kUnsupported = 1005;      // valid request this build/device cannot serve
constexpr int kModelMismatch = 1006;    // the model's tensors disagree with the manifest
constexpr int kDeviceNotFound = 1007;   // no device satisfies the selection policy
constexpr int kInternal = 1008;         // broken invariant (a bug)
}  // namespace code

// How the binding should surface the error in JavaScript.
enum class ErrorKind { kError, kTypeError, kRangeError };

// Name of a code: "OH_NN_INVALID_FILE", "NPULENS_OUT_OF_RANGE", ... or "UNKNOWN_CODE" for anything else.
const char* CodeName(int code);

// ErrorKind for a code: kInvalidArgument -> kTypeError, kOutOfRange -> kRangeError, everything else kError.
ErrorKind KindOfCode(int code);

class Status {
 public:
  Status() = default;  // success
  Status(std::string step, int code, std::string message)
      : step_(std::move(step)), code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == code::kNnSuccess; }
  const std::string& step() const { return step_; }
  int code() const { return code_; }
  const char* codeName() const { return CodeName(code_); }
  const std::string& message() const { return message_; }
  ErrorKind kind() const { return KindOfCode(code_); }

  // "<step>: <CODE_NAME> (<code>)" followed by ": <message>" when the message is not empty; "OK" on success.
  std::string ToString() const;

  // Returns a copy whose message has ": <detail>" appended (no-op for an empty detail).
  Status WithDetail(const std::string& detail) const;

 private:
  std::string step_;
  int code_ = code::kNnSuccess;
  std::string message_;
};

// A value or an error. Accessing value() of an error is a programming bug (asserts in debug builds).
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)), hasValue_(true) {}           // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)), hasValue_(false) {}  // NOLINT: implicit by design

  bool ok() const { return hasValue_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  T value_{};
  Status status_;
  bool hasValue_;
};

}  // namespace npulens
