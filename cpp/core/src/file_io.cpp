#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace npulens {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

namespace {

Status IoError(const std::string& path, const std::string& text) {
  return Status("io.read", code::kIo, path + ": " + text);
}

const char* WhatIsNotRegular(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "of an unknown kind";
}

// "labels file is 3.1 GiB (3328599654 bytes); the limit for a labels file is 4 MiB"
std::string OverLimit(const FileKind& kind, uint64_t size) {
  std::string text = std::string(kind.name) + " is " + FormatByteSize(size);
  if (size >= 1024) text += " (" + std::to_string(size) + " bytes)";
  return text + "; the limit for a " + kind.name + " is " + FormatByteSize(kind.maxBytes);
}

template <typename Container>
Result<Container> ReadAll(const std::string& path, const FileKind& kind) {
  // open() would stop at the first NUL and read another file than the one named ("m.onnx\0.txt" opens "m.onnx").
  if (path.find('\0') != std::string::npos) {
    std::string shown;
    for (char c : path) shown += c == '\0' ? std::string("\\0") : std::string(1, c);
    return Status("io.read", code::kInvalidArgument, shown + ": " + kind.name + " path contains a NUL byte");
  }
  // O_NONBLOCK: opening a FIFO (or a tty) must not wait for a writer; fstat below rejects it before any read.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return IoError(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError(path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return IoError(path, std::strerror(EISDIR));  // as read() would say
  if (!S_ISREG(st.st_mode)) {
    return IoError(path, std::string(kind.name) + " is " + WhatIsNotRegular(st.st_mode) + ", not a regular file");
  }
  const uint64_t declared = static_cast<uint64_t>(std::max<off_t>(st.st_size, 0));
  if (declared > kind.maxBytes) return IoError(path, OverLimit(kind, declared));
  // The size is a hint only (the file may grow or shrink, /proc files say 0): read to EOF, at most maxBytes + 1.
  // Once the buffer is full, reads go to a small probe first, so a file of exactly its fstat size (the usual case)
  // is read into one allocation of its size, never copied into a bigger one just to see EOF.
  Container data(static_cast<size_t>(declared), '\0');
  size_t total = 0;
  char probe[4096];  // small: this may run on a worker thread with a small stack
  for (;;) {
    const bool full = total == data.size();
    void* into = full ? static_cast<void*>(probe) : static_cast<void*>(&data[total]);
    const size_t room =
        full ? static_cast<size_t>(std::min<uint64_t>(sizeof(probe), kind.maxBytes + 1 - total)) : data.size() - total;
    const ssize_t n = ::read(fd.get(), into, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path, std::strerror(errno));
    }
    if (n == 0) break;
    if (full) {
      if (total + static_cast<size_t>(n) > kind.maxBytes) {
        return IoError(path, std::string(kind.name) + " passed " + FormatByteSize(kind.maxBytes) +
                                 " while being read; the limit for a " + kind.name + " is " +
                                 FormatByteSize(kind.maxBytes));
      }
      data.insert(data.end(), probe, probe + n);
    }
    total += static_cast<size_t>(n);
  }
  data.resize(total);
  return data;
}

}  // namespace

std::string FormatByteSize(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (value == std::floor(value)) {
    std::snprintf(text, sizeof(text), "%.0f %s", value, kUnits[unit]);
  } else {
    std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path, const FileKind& kind) {
  return ReadAll<std::vector<uint8_t>>(path, kind);
}
Result<std::string> ReadFileText(const std::string& path, const FileKind& kind) {
  return ReadAll<std::string>(path, kind);
}

}  // namespace npulens
