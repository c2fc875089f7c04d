// A float op whose output is an elementwise gate f(x) (HardSigmoid, Sigmoid). Mul (ops/binary.cpp) runs x * f(x)
// (HardSwish and SiLU as exporters write them) and the squeeze-excite x * f(g) as one kernel (elementwise.h) that
// reads f's input; f's own op is then dead unless something else reads its output.
#pragma once

#include "elementwise.h"
#include "ops/op.h"

namespace hostnn {

class GateOp : public Op {
 public:
  elementwise::Gate gate;
  // "HardSigmoid", "Sigmoid": the plan description names the fused function.
  const char* GateName() const { return gate.kind == elementwise::Gate::Kind::kSigmoid ? "Sigmoid" : "HardSigmoid"; }
};

}  // namespace hostnn
