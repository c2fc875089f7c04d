// ONNX HardSwish (float, elementwise, in XNNPACK); int8 QDQ as a table of the 256 input values (XnnUnaryOp).
#include "ops/op.h"

namespace hostnn {
namespace ops {
const OpDef& HardSwish() {
  static const OpDef kDef = XnnUnaryOp<xnn_define_hardswish>::Def();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
