// Device build: dlsym in the system's libhiai_foundation.so (see src/cann_symbols.h). libentry.so lists it as NEEDED,
// so dlopen finds it loaded and only takes a reference, kept for the process (the library stays loaded anyway).
#include <dlfcn.h>

#include "cann_symbols.h"

namespace npulens {

SetOmOptionsFn CannSetOmOptions() {
  static void* const library = dlopen("libhiai_foundation.so", RTLD_NOW);
  return library != nullptr ? reinterpret_cast<SetOmOptionsFn>(dlsym(library, "HMS_HiAIOptions_SetOmOptions"))
                            : nullptr;
}

}  // namespace npulens
