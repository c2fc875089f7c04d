#include "nnrt_call_lock.h"

namespace npulens {

std::recursive_mutex& NnrtCallLock() {
  static std::recursive_mutex lock;
  return lock;
}

std::mutex& NnrtDeviceQueryLock() {
  static std::mutex lock;
  return lock;
}

}  // namespace npulens
