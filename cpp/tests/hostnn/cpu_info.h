// /proc/cpuinfo for the tests that check the CPU detection against the kernel's view (kernel-test builds too).
#pragma once

#include <fstream>
#include <string>

namespace hostnn_test {

// The value of the first /proc/cpuinfo line naming `field` ("flags", "vendor_id", "cpu family"), or "" where there is
// none (no such line, or no /proc/cpuinfo).
inline std::string CpuInfoValue(const std::string& field) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind(field, 0) == 0 && line.find(':') != std::string::npos) {
      const size_t at = line.find_first_not_of(" \t", line.find(':') + 1);
      return at == std::string::npos ? std::string() : line.substr(at);
    }
  return "";
}

}  // namespace hostnn_test
