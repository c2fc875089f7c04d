// Device build: the HarmonyOS NNRt reports return codes only (see src/nnrt_diagnostics.h).
#include "nnrt_diagnostics.h"

namespace npulens {

std::string NnrtLastErrorDetail() { return ""; }

int NnrtExecutorThreads(const OH_NNExecutor* /*executor*/) { return 0; }

}  // namespace npulens
