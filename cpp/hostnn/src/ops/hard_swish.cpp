// ONNX HardSwish (float, elementwise).
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) { c.SameAsInput(true); }

}  // namespace

namespace ops {
const OpDef& HardSwish() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
