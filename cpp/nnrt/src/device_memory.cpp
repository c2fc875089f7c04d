#include "device_memory.h"

#include <unistd.h>

#include <utility>

namespace npulens {

size_t FdOutputAllocationBytes(size_t size) { return ((size + 255) / 4096 + 1) * 4096; }

DeviceMemory::~DeviceMemory() { Reset(); }

DeviceMemory::DeviceMemory(DeviceMemory&& other) noexcept
    : owner_(std::move(other.owner_)),
      ownedFd_(std::exchange(other.ownedFd_, -1)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)) {}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& other) noexcept {
  if (this != &other) {
    Reset();
    owner_ = std::move(other.owner_);
    ownedFd_ = std::exchange(other.ownedFd_, -1);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void DeviceMemory::Reset() {
  owner_.reset();
  if (ownedFd_ >= 0) close(ownedFd_);
  ownedFd_ = fd_ = -1;
  size_ = 0;
}

}  // namespace npulens
