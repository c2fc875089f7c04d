// One process-wide lock around every NNRt / CANN call: NN Core APIs must not be called from several threads at
// once (OpenHarmony docs). Recursive so that an RAII owner may destroy its handle while the lock is held.
#pragma once

#include <mutex>

namespace npulens {

std::recursive_mutex& NnrtCallLock();

using NnrtGuard = std::lock_guard<std::recursive_mutex>;

// Device queries (OH_NNDevice_*) only read the NNRt core's backend registry, which locks itself; they take this
// lock instead, so listing devices never waits behind a Build that holds the call lock (seconds with tuning). It
// serializes the queries among themselves: the ID array GetAllDevicesID hands out lives until its next call.
std::mutex& NnrtDeviceQueryLock();

}  // namespace npulens
