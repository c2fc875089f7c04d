// The fp32 kernel variants this CPU can run, portable first (the fp32 kernel tests run every one).
#pragma once

#include <vector>

#include "conv_f32.h"  // F32Isa, F32IsaSupported

namespace hostnn_test {

inline std::vector<hostnn::F32Isa> SupportedF32Isas() {
  std::vector<hostnn::F32Isa> out;
  for (hostnn::F32Isa isa : {hostnn::F32Isa::kScalar, hostnn::F32Isa::kAvx2Fma, hostnn::F32Isa::kAvx512})
    if (hostnn::F32IsaSupported(isa)) out.push_back(isa);
  return out;
}

}  // namespace hostnn_test
