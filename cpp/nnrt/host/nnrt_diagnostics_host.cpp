// Host build: the host NN runtime explains its failures (see src/nnrt_diagnostics.h).
#include "nnrt_diagnostics.h"

#include "hostnn/hostnn.h"

namespace npulens {

std::string NnrtLastErrorDetail() {
  const char* message = HostNN_GetLastErrorMessage();
  return message != nullptr ? message : "";
}

int NnrtExecutorThreads(const OH_NNExecutor* executor) { return HostNN_GetExecutorThreadCount(executor); }

}  // namespace npulens
