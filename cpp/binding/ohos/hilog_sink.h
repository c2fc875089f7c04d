// The binding's log sink on the device: hilog, domain 0x4E4C ("NL"), tag "NpuLens", public arguments.
#pragma once

#include <string>

namespace npulens::binding {

void LogToHilog(bool error, const std::string& message);

}  // namespace npulens::binding
