// The one seam between the engine and runtime-specific diagnostics. The host runtime (cpp/hostnn) records why
// the last call on this thread failed (HostNN_GetLastErrorMessage); the HarmonyOS SDK has no such call, so the
// device implementation returns "". Implementations: host/nnrt_diagnostics_host.cpp (Linux builds) and
// device/nnrt_diagnostics_device.cpp (OHOS builds); CMake compiles exactly one.
#pragma once

#include <string>

namespace npulens {

// Detail for the last failed NNRt call on this thread, or "" when the runtime gives none. Call under the
// NNRt call lock, right after the failing call.
std::string NnrtLastErrorDetail();

}  // namespace npulens
