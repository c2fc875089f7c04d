// What tools/bench's command-line tools share: usage errors, number arguments, and the parts of their JSON reports
// that every report carries (start time, the host as the device, µs rounding).
#pragma once

#include <sys/utsname.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

namespace npulens {

// A tool's name and usage text, for its usage errors.
struct ToolUsage {
  const char* name;
  const char* text;
};

// A usage error: message and usage on stderr, exit code 2 (as the CLI's).
[[noreturn]] inline void UsageError(const ToolUsage& tool, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n%s", tool.name, message.c_str(), tool.text);
  std::exit(2);
}

// `text` as a number in [min, max] (an integer when `integer`), or a usage error naming `flag`.
// Flag parsing shared by the tools: every flag takes a value. Prints the usage for --help / -h (exit 0); returns the
// value of argv[*i] and steps past it, or stops with a usage error when it is missing.
inline const char* FlagValue(const ToolUsage& tool, int argc, char** argv, int* i) {
  const std::string a = argv[*i];
  if (a == "--help" || a == "-h") {
    std::fputs(tool.text, stdout);
    std::exit(0);
  }
  if (*i + 1 >= argc)
    UsageError(tool, a.rfind("--", 0) == 0 ? a + " needs a value" : "unexpected argument '" + a + "'");
  return argv[++*i];
}

inline double NumberArg(const ToolUsage& tool, const std::string& flag, const char* text, double min, double max,
                        bool integer) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !std::isfinite(v) || (integer && v != std::floor(v))) {
    UsageError(tool, flag + " needs " + (integer ? "an integer" : "a number") + " (got '" + text + "')");
  }
  if (v < min || v > max) {
    UsageError(tool, flag + " must be in [" + std::to_string(static_cast<int64_t>(min)) + ", " +
                         std::to_string(static_cast<int64_t>(max)) + "] (got " + text + ")");
  }
  return v;
}

inline std::string IsoNow() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// Report times are rounded to µs.
inline double Round3(double v) { return std::round(v * 1000) / 1000; }

// The report's "device" on the host: its name, machine and OS (API versions 0, as the schema says).
inline nlohmann::json HostDeviceJson() {
  utsname u{};
  uname(&u);
  return {{"marketName", u.nodename},
          {"productModel", u.machine},
          {"osFullName", std::string(u.sysname) + " " + u.release},
          {"distributionOSApiVersion", 0},
          {"sdkApiVersion", 0}};
}

// Writes a tool's report: `--json -` prints only the document (the caller skips its table); a file gets the document
// and a line saying where. Returns the exit code: 1 when the file cannot be written.
inline int WriteReport(const char* tool, const std::string& path, const nlohmann::json& doc) {
  if (path == "-") {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::ofstream out(path);
  out << doc.dump(2) << "\n";
  out.close();
  if (!out) {
    std::fprintf(stderr, "%s: cannot write %s\n", tool, path.c_str());
    return 1;
  }
  std::printf("JSON written to %s\n", path.c_str());
  return 0;
}

}  // namespace npulens
