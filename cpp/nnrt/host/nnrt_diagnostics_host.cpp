// Host build: the host NN runtime explains its failures (see src/nnrt_diagnostics.h).
#include "nnrt_diagnostics.h"

#include <cstdlib>
#include <cstring>

#include "hostnn/hostnn.h"

namespace npulens {

std::string NnrtLastErrorDetail() {
  const char* message = HostNN_GetLastErrorMessage();
  return message != nullptr ? message : "";
}

int NnrtExecutorThreads(const OH_NNExecutor* executor) {
  // The executor's description starts with the line "threads: N": the plan's pool size (1: the calling thread only,
  // which is what a model too small to gain from threads gets unless a count was asked for).
  const char* text = HostNN_DescribeExecutor(executor);
  const char* line = text != nullptr ? std::strstr(text, "threads: ") : nullptr;
  return line != nullptr ? std::atoi(line + std::strlen("threads: ")) : 0;
}

}  // namespace npulens
