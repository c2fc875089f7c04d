// ONNX Sigmoid (float, elementwise, in XNNPACK); int8 QDQ as a table of the 256 input values (XnnUnaryOp).
#include "ops/op.h"

namespace hostnn {
namespace ops {
const OpDef& Sigmoid() {
  static const OpDef kDef = XnnUnaryOp<xnn_define_sigmoid>::Def();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
