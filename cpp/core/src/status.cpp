#include "core/status.h"

#include <cstddef>

namespace npulens {
namespace {

struct CodeEntry {
  int code;
  const char* name;
};

// NNRt OH_NN_ReturnCode names, indexed by value (checked below).
constexpr CodeEntry kNnCodes[] = {
    {code::kNnSuccess, "OH_NN_SUCCESS"},
    {code::kNnFailed, "OH_NN_FAILED"},
    {code::kNnInvalidParameter, "OH_NN_INVALID_PARAMETER"},
    {code::kNnMemoryError, "OH_NN_MEMORY_ERROR"},
    {code::kNnOperationForbidden, "OH_NN_OPERATION_FORBIDDEN"},
    {code::kNnNullPtr, "OH_NN_NULL_PTR"},
    {code::kNnInvalidFile, "OH_NN_INVALID_FILE"},
    {code::kNnUnavalidableDevice, "OH_NN_UNAVALIDABLE_DEVICE"},
    {code::kNnInvalidPath, "OH_NN_INVALID_PATH"},
    {code::kNnTimeout, "OH_NN_TIMEOUT"},
    {code::kNnUnsupported, "OH_NN_UNSUPPORTED"},
    {code::kNnConnectionException, "OH_NN_CONNECTION_EXCEPTION"},
    {code::kNnSaveCacheException, "OH_NN_SAVE_CACHE_EXCEPTION"},
    {code::kNnDynamicShape, "OH_NN_DYNAMIC_SHAPE"},
    {code::kNnUnavailableDevice, "OH_NN_UNAVAILABLE_DEVICE"},
};

// NpuLens codes, indexed by value - kInvalidArgument (checked below).
constexpr CodeEntry kOwnCodes[] = {
    {code::kInvalidArgument, "NPULENS_INVALID_ARGUMENT"},
    {code::kOutOfRange, "NPULENS_OUT_OF_RANGE"},
    {code::kIo, "NPULENS_IO"},
    {code::kManifest, "NPULENS_MANIFEST"},
    {code::kReleased, "NPULENS_RELEASED"},
    {code::kUnsupported, "NPULENS_UNSUPPORTED"},
    {code::kModelMismatch, "NPULENS_MODEL_MISMATCH"},
    {code::kDeviceNotFound, "NPULENS_DEVICE_NOT_FOUND"},
    {code::kInternal, "NPULENS_INTERNAL"},
};

template <size_t N>
constexpr bool IndexedFrom(const CodeEntry (&table)[N], int first) {
  for (size_t i = 0; i < N; ++i) {
    if (table[i].code != first + static_cast<int>(i)) return false;
  }
  return true;
}

static_assert(sizeof(kNnCodes) / sizeof(kNnCodes[0]) == code::kNnCodeCount, "one name per NNRt code");
static_assert(IndexedFrom(kNnCodes, 0), "NNRt code table index must equal the code value");
static_assert(IndexedFrom(kOwnCodes, code::kInvalidArgument), "own code table index must equal value - 1000");
static_assert(sizeof(kOwnCodes) / sizeof(kOwnCodes[0]) == code::kInternal - code::kInvalidArgument + 1,
              "one name per NpuLens code");

}  // namespace

const char* CodeName(int c) {
  if (c >= 0 && c < code::kNnCodeCount) return kNnCodes[c].name;
  constexpr int kOwnCount = static_cast<int>(sizeof(kOwnCodes) / sizeof(kOwnCodes[0]));
  if (c >= code::kInvalidArgument && c < code::kInvalidArgument + kOwnCount) {
    return kOwnCodes[c - code::kInvalidArgument].name;
  }
  return "UNKNOWN_CODE";
}

ErrorKind KindOfCode(int c) {
  if (c == code::kInvalidArgument) return ErrorKind::kTypeError;
  if (c == code::kOutOfRange) return ErrorKind::kRangeError;
  return ErrorKind::kError;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string text = step_ + ": " + CodeName(code_) + " (" + std::to_string(code_) + ")";
  if (!message_.empty()) text += ": " + message_;
  return text;
}

Status Status::WithDetail(const std::string& detail) const {
  if (detail.empty()) return *this;
  return Status(step_, code_, message_.empty() ? detail : message_ + ": " + detail);
}

}  // namespace npulens
