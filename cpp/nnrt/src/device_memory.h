// Device memory with an fd, for tensors wrapped with OH_NNTensor_CreateWithFd: the CANN Kit zero-copy guide's "ION
// memory" that the NPU reads and writes without a copy. The one owner of that memory and its fd; destroy every tensor
// wrapping it first (declare the DeviceMemory before the tensors). Allocate has one implementation per build (CMake
// compiles exactly one): host/device_memory_host.cpp (Linux: a memfd, sealed against shrinking so that a mapping of
// it can never fault) and device/device_memory_device.cpp (OHOS: shared memory the NN device allocates itself).
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"
#include "neural_network_runtime/neural_network_core.h"
#include "nnrt_handles.h"

namespace npulens {

// The allocation the CANN Kit zero-copy guide recommends for an output of `size` bytes: ((size + 255) / 4096 + 1)
// pages of 4096 bytes.
size_t FdOutputAllocationBytes(size_t size);

class DeviceMemory {
 public:
  // `bytes` (> 0) of memory for tensors of `desc` (byte size ≤ bytes) on device `deviceId`. Errors name `step`.
  // Call under the NNRt call lock.
  static Result<DeviceMemory> Allocate(size_t deviceId, NN_TensorDesc* desc, size_t bytes, const std::string& step);

  DeviceMemory() = default;
  ~DeviceMemory();
  DeviceMemory(DeviceMemory&& other) noexcept;
  DeviceMemory& operator=(DeviceMemory&& other) noexcept;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  int fd() const { return fd_; }  // -1 when empty
  size_t size() const { return size_; }

 private:
  void Reset();

  TensorHandle owner_;  // device build: the tensor whose memory this is (fd_ is its fd, closed by its Destroy)
  int ownedFd_ = -1;    // host build: the memfd, closed here
  int fd_ = -1;
  size_t size_ = 0;
};

}  // namespace npulens
