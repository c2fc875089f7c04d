// Whole-file reads with errors that name the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace npulens {

// Reads a whole file. Errors: step "io.read", NPULENS_IO, message "<path>: <strerror>".
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);
Result<std::string> ReadFileText(const std::string& path);

}  // namespace npulens
