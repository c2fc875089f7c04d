// The CANN Kit functions newer than the app's compatibleSdkVersion (API 17), looked up at run time instead of linked:
// a libentry.so that imported them would not load on an older system (the device link check, tools/device, builds
// against the API 17 exports). Implementations: host/cann_symbols_host.cpp (the host runtime's
// HostNN_LookupCannSymbol, which plays a system of a given API level) and device/cann_symbols_device.cpp (dlsym in
// the system's libhiai_foundation.so); CMake compiles exactly one.
#pragma once

#include "CANNKit/hiai_options.h"

namespace npulens {

using SetOmOptionsFn = OH_NN_ReturnCode (*)(OH_NNCompilation*, HiAI_OmType, const char*);

// HMS_HiAIOptions_SetOmOptions (CANN Kit 5.1.0(18)), or nullptr on a system without it.
SetOmOptionsFn CannSetOmOptions();

}  // namespace npulens
