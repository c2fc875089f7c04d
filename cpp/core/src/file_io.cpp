#include "core/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace npulens {
namespace {

template <typename Container>
Result<Container> ReadAll(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status("io.read", code::kIo, path + ": " + std::strerror(errno));
  Container data;
  char chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0) data.insert(data.end(), chunk, chunk + n);
  const bool failed = std::ferror(file) != 0;
  const int err = errno;
  std::fclose(file);
  if (failed) return Status("io.read", code::kIo, path + ": " + std::strerror(err));
  return data;
}

}  // namespace

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) { return ReadAll<std::vector<uint8_t>>(path); }
Result<std::string> ReadFileText(const std::string& path) { return ReadAll<std::string>(path); }

}  // namespace npulens
