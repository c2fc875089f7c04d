// Device build: the HarmonyOS NNRt reports return codes only (see src/nnrt_diagnostics.h).
#include "nnrt_diagnostics.h"

namespace npulens {

std::string NnrtLastErrorDetail() { return ""; }

}  // namespace npulens
