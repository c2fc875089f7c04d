// Status construction for NNRt results: step + OH_NN_ReturnCode name + message + runtime detail.
#pragma once

#include <string>

#include "core/status.h"
#include "neural_network_runtime/neural_network_runtime_type.h"

namespace npulens {

// Status(step, rc, message) with the runtime's last error detail appended. Call under the NNRt call lock.
Status NnStatus(const std::string& step, OH_NN_ReturnCode rc, const std::string& message = "");

// For calls that return a handle: NULL means failure without a code; reported as OH_NN_FAILED with
// "<function> returned NULL".
Status NnNullStatus(const std::string& step, const char* function);

}  // namespace npulens
