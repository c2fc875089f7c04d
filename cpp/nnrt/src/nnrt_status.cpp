#include "nnrt_status.h"

#include "nnrt_diagnostics.h"

namespace npulens {

// cpp/core keeps the NNRt codes as plain ints (it must not include NNRt headers); they must equal the SDK enum.
static_assert(code::kNnSuccess == OH_NN_SUCCESS, "OH_NN_SUCCESS");
static_assert(code::kNnFailed == OH_NN_FAILED, "OH_NN_FAILED");
static_assert(code::kNnInvalidParameter == OH_NN_INVALID_PARAMETER, "OH_NN_INVALID_PARAMETER");
static_assert(code::kNnMemoryError == OH_NN_MEMORY_ERROR, "OH_NN_MEMORY_ERROR");
static_assert(code::kNnOperationForbidden == OH_NN_OPERATION_FORBIDDEN, "OH_NN_OPERATION_FORBIDDEN");
static_assert(code::kNnNullPtr == OH_NN_NULL_PTR, "OH_NN_NULL_PTR");
static_assert(code::kNnInvalidFile == OH_NN_INVALID_FILE, "OH_NN_INVALID_FILE");
static_assert(code::kNnUnavalidableDevice == OH_NN_UNAVALIDABLE_DEVICE, "OH_NN_UNAVALIDABLE_DEVICE");
static_assert(code::kNnInvalidPath == OH_NN_INVALID_PATH, "OH_NN_INVALID_PATH");
static_assert(code::kNnTimeout == OH_NN_TIMEOUT, "OH_NN_TIMEOUT");
static_assert(code::kNnUnsupported == OH_NN_UNSUPPORTED, "OH_NN_UNSUPPORTED");
static_assert(code::kNnConnectionException == OH_NN_CONNECTION_EXCEPTION, "OH_NN_CONNECTION_EXCEPTION");
static_assert(code::kNnSaveCacheException == OH_NN_SAVE_CACHE_EXCEPTION, "OH_NN_SAVE_CACHE_EXCEPTION");
static_assert(code::kNnDynamicShape == OH_NN_DYNAMIC_SHAPE, "OH_NN_DYNAMIC_SHAPE");
static_assert(code::kNnUnavailableDevice == OH_NN_UNAVAILABLE_DEVICE, "OH_NN_UNAVAILABLE_DEVICE");

Status NnStatus(const std::string& step, OH_NN_ReturnCode rc, const std::string& message) {
  return Status(step, static_cast<int>(rc), message).WithDetail(NnrtLastErrorDetail());
}

Status NnNullStatus(const std::string& step, const char* function) {
  return NnStatus(step, OH_NN_FAILED, std::string(function) + " returned NULL");
}

}  // namespace npulens
