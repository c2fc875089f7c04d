#include "mapped_fd.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace npulens::binding {

MappedFd::~MappedFd() {
  if (base_ != nullptr) munmap(base_, length_);
}

MappedFd::MappedFd(MappedFd&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), length_(std::exchange(other.length_, 0)) {}

MappedFd& MappedFd::operator=(MappedFd&& other) noexcept {
  if (this != &other) {
    if (base_ != nullptr) munmap(base_, length_);
    base_ = std::exchange(other.base_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

Result<MappedFd> MappedFd::Map(int fd, size_t offset, size_t length) {
  const long page = sysconf(_SC_PAGESIZE);
  if (page > 0 && offset % static_cast<size_t>(page) != 0) {
    return Status("fd.map", code::kOutOfRange,
                  "offset " + std::to_string(offset) + " is not a multiple of the page size " + std::to_string(page));
  }
  if (length == 0) return Status("fd.map", code::kOutOfRange, "byteLength must be > 0");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    return Status("fd.map", code::kIo, "fd " + std::to_string(fd) + ": " + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) < offset + static_cast<unsigned long long>(length)) {
    return Status("fd.map", code::kIo,
                  "fd " + std::to_string(fd) + " holds " + std::to_string(st.st_size) + " bytes, fewer than offset + byteLength = " +
                      std::to_string(offset + length));
  }
  void* base = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (base == MAP_FAILED) {
    return Status("fd.map", code::kIo, "mmap of fd " + std::to_string(fd) + ": " + std::strerror(errno));
  }
  MappedFd mapped;
  mapped.base_ = base;
  mapped.length_ = length;
  return mapped;
}

}  // namespace npulens::binding
