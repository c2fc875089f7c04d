// The one seam between the engine and runtime-specific diagnostics. The host runtime (cpp/hostnn) records why
// the last call on this thread failed (HostNN_GetLastErrorMessage); the HarmonyOS SDK has no such call, so the
// device implementation returns "". Implementations: host/nnrt_diagnostics_host.cpp (Linux builds) and
// device/nnrt_diagnostics_device.cpp (OHOS builds); CMake compiles exactly one.
#pragma once

#include <string>

#include "neural_network_runtime/neural_network_runtime_type.h"

namespace npulens {

// Detail for the last failed NNRt call on this thread, or "" when the runtime gives none. Call under the
// NNRt call lock, right after the failing call.
std::string NnrtLastErrorDetail();

// Worker threads the runtime runs a built executor on, or 0 when the runtime does not say (the HarmonyOS SDK has no
// such query: an NNRt device schedules its own work). Call under the NNRt call lock.
int NnrtExecutorThreads(const OH_NNExecutor* executor);

}  // namespace npulens
