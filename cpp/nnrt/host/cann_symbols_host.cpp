// Host build: the host runtime answers for the system (see src/cann_symbols.h).
#include "cann_symbols.h"

#include "hostnn/hostnn.h"

namespace npulens {

SetOmOptionsFn CannSetOmOptions() {
  return reinterpret_cast<SetOmOptionsFn>(HostNN_LookupCannSymbol("HMS_HiAIOptions_SetOmOptions"));
}

}  // namespace npulens
