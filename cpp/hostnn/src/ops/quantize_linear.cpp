// ONNX QuantizeLinear (per-tensor, to int8 or uint8).
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  const Const& s = c.Scales();
  if (NumElements(s.shape) != 1) c.Unsup("only per-tensor quantization of activations is supported");
  DType t = DType::U8;
  if (c.HasIn(2)) {
    const Const& z = c.ConstIn(2, "y_zero_point");
    if (z.dtype != DType::I8 && z.dtype != DType::U8)
      c.Bad("zero point '" + node.inputs[2] + "' is " + DTypeName(z.dtype) + "; it must be int8 or uint8");
    if (NumElements(z.shape) != 1) c.Unsup("only per-tensor quantization of activations is supported");
    t = z.dtype;
  }
  c.Out(0, t, x.shape);
}

}  // namespace

namespace ops {
const OpDef& QuantizeLinear() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
