// One process-wide lock around every NNRt / CANN call: NN Core APIs must not be called from several threads at
// once (OpenHarmony docs). Recursive so that an RAII owner may destroy its handle while the lock is held.
#pragma once

#include <mutex>

namespace npulens {

std::recursive_mutex& NnrtCallLock();

using NnrtGuard = std::lock_guard<std::recursive_mutex>;

}  // namespace npulens
