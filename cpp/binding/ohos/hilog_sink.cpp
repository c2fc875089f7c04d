#include "hilog_sink.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x4E4C
#define LOG_TAG "NpuLens"
#include <hilog/log.h>

namespace npulens::binding {

void LogToHilog(bool error, const std::string& message) {
  if (error) {
    OH_LOG_ERROR(LOG_APP, "%{public}s", message.c_str());
  } else {
    OH_LOG_INFO(LOG_APP, "%{public}s", message.c_str());
  }
}

}  // namespace npulens::binding
