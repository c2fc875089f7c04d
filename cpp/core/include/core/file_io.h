// Whole-file reads of regular files only, each capped by what the file is for, with errors that name the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/status.h"

namespace npulens {

// What a file is for: named in errors ("labels file") and the most bytes we read of it. The caps keep a hostile or
// mistaken path from filling memory; they are far above any real file of the kind.
struct FileKind {
  const char* name;
  uint64_t maxBytes;
};
// The caps and why each is what it is: core/limits.h (generated from tools/contract/limits.json, like the CLI's).
inline constexpr FileKind kModelFile{"model file", kModelFileMaxBytes};
inline constexpr FileKind kLabelsFile{"labels file", kLabelsFileMaxBytes};
inline constexpr FileKind kManifestFile{"manifest", kManifestFileMaxBytes};

// The one owner of a file descriptor: closes it on every return path (-1 = none).
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;  // closes the descriptor it held
  int get() const { return fd_; }
  // Hands the descriptor to the caller, who closes it.
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads a whole regular file of at most kind.maxBytes. The file is opened without blocking (a FIFO with no writer
// must not hang) and judged by fstat on the opened descriptor (a symlink to /dev/zero, or a path swapped after a
// check, is judged by what was opened); reading stops after maxBytes + 1 bytes even if the file grows meanwhile.
// Errors: step "io.read", NPULENS_IO, message "<path>: <strerror>" (also "Is a directory"), "<path>: <kind> is a
// FIFO, not a regular file", "<path>: <kind> is 3.1 GiB (3328599654 bytes); the limit for a <kind> is 4 MiB"; a path
// with a NUL byte is NPULENS_INVALID_ARGUMENT (TypeError in JS, as Node's fs says).
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path, const FileKind& kind = kModelFile);
Result<std::string> ReadFileText(const std::string& path, const FileKind& kind);

// "512 bytes", "4 MiB", "3.1 GiB": a byte count as the errors above print it.
std::string FormatByteSize(uint64_t bytes);

}  // namespace npulens
