// A read-only mapping of [offset, offset + length) of a caller-owned fd (classifyFd): the pixels are read in place
// from shared memory or a file, never copied into JS. The mapping stays valid even if the caller closes the fd.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace npulens::binding {

class MappedFd {
 public:
  MappedFd() = default;
  ~MappedFd();
  MappedFd(MappedFd&& other) noexcept;
  MappedFd& operator=(MappedFd&& other) noexcept;
  MappedFd(const MappedFd&) = delete;
  MappedFd& operator=(const MappedFd&) = delete;

  // offset must be a multiple of the page size; for regular files and memfds the size is checked with fstat.
  // Errors: step "fd.map", NPULENS_OUT_OF_RANGE for bad offset/length, NPULENS_IO naming errno otherwise.
  static Result<MappedFd> Map(int fd, size_t offset, size_t length);

  const uint8_t* data() const { return static_cast<const uint8_t*>(base_); }
  size_t length() const { return length_; }

 private:
  void* base_ = nullptr;
  size_t length_ = 0;
};

}  // namespace npulens::binding
