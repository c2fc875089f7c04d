// ONNX Softmax: opset 13 changed its meaning (one axis, default -1; before: the flattened dims from axis, default 1).
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  int64_t axis = InferContext::NormAxis(c.n->Int("axis", c.g.opset >= 13 ? -1 : 1), x.shape.size());
  if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size())) c.Bad("axis out of range");
  c.Out(0, DType::F32, x.shape);
}

}  // namespace

namespace ops {
const OpDef& Softmax() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
