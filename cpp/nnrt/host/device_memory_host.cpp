// Host build: a memfd stands in for the phone's device memory (see src/device_memory.h). It is sealed against
// shrinking (and growing) once sized: OH_NNTensor_CreateWithFd maps it, and a mapping of a file truncated under it
// faults on access (SIGBUS) instead of failing with an error.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "device_memory.h"

namespace npulens {

Result<DeviceMemory> DeviceMemory::Allocate(size_t /*deviceId*/, NN_TensorDesc* /*desc*/, size_t bytes,
                                            const std::string& step) {
  if (bytes == 0) return Status(step, code::kInternal, "0 bytes of fd memory requested");
  DeviceMemory memory;
  auto fail = [&](const char* call) {
    return Status(
        step, code::kNnMemoryError,
        std::string(call) + " failed for " + std::to_string(bytes) + " bytes of fd memory: " + std::strerror(errno));
  };
  memory.ownedFd_ = memfd_create("npulens-tensor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memory.ownedFd_ < 0) return fail("memfd_create");
  if (ftruncate(memory.ownedFd_, static_cast<off_t>(bytes)) != 0) return fail("ftruncate");
  if (fcntl(memory.ownedFd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    return fail("fcntl(F_ADD_SEALS)");
  }
  memory.fd_ = memory.ownedFd_;
  memory.size_ = bytes;
  return Result<DeviceMemory>(std::move(memory));
}

}  // namespace npulens
