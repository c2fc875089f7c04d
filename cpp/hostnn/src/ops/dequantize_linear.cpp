// ONNX DequantizeLinear: of a constant (weights, bias), folded into the consumer's constants; of an activation,
// per-tensor, from int8, uint8 or int32.
#include "ops/op.h"

#include <memory>

#include "kernels.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  if (x.dtype != DType::I8 && x.dtype != DType::U8 && x.dtype != DType::I32)
    c.Unsup("input must be int8, uint8 or int32");
  const Const& s = c.Scales();
  int64_t ns = NumElements(s.shape);
  if (s.shape.size() > 1)
    c.Bad("scale '" + node.inputs[1] + "' has shape " + ShapeString(s.shape) + "; it must be a scalar or 1-D");
  if (ns != 1) {
    int64_t raw = node.Int("axis", 1), axis = InferContext::NormAxis(raw, x.shape.size());
    if (!c.g.IsConst(node.inputs[0])) c.Unsup("per-axis dequantization of a non-constant tensor");
    if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size()))
      c.Bad("axis " + std::to_string(raw) + " is out of range for the " + std::to_string(x.shape.size()) + "-D input");
    if (x.shape[axis] != ns)
      c.Bad(std::to_string(ns) + " scales in '" + node.inputs[1] + "' but axis " + std::to_string(axis) + " has " +
            std::to_string(x.shape[axis]) + " channels");
  }
  if (c.HasIn(2)) {
    const std::string& zn = node.inputs[2];
    const Const& z = c.ConstIn(2, "x_zero_point");
    if (z.dtype != x.dtype)
      c.Bad("zero point '" + zn + "' is " + DTypeName(z.dtype) + ", the input is " + DTypeName(x.dtype));
    if (NumElements(z.shape) != ns)
      c.Bad("zero point '" + zn + "' has shape " + ShapeString(z.shape) + " for " + std::to_string(ns) + " scales " +
            ShapeString(s.shape));
    if (z.dtype == DType::I32)
      for (int64_t v : z.AsInt64())
        if (v != 0) c.Bad("zero point '" + zn + "' of an int32 input must be 0, got " + std::to_string(v));
  }
  c.Out(0, DType::F32, x.shape);
}

// (x - zero point) * scale (kernels::Dequantize).
class DequantizeOp : public Op {
 public:
  float scale = 1.f;
  int32_t zeroPoint = 0;
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    float s = scale;
    int32_t z = zeroPoint;
    return [x, y, s, z] {
      kernels::Dequantize(x->data(), x->dtype, reinterpret_cast<float*>(y->data()), y->Elements(), s, z);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  if (l.Imported().IsConst(n.inputs[0])) return;  // folded into the consumer's constants
  auto op = l.New<DequantizeOp>(n);
  op->in = {l.Act(n, 0)};
  op->scale = l.ScalarF(n.inputs[1]);
  op->zeroPoint = l.ScalarZp(n, 2);
  l.Emit(std::move(op));
}

}  // namespace

namespace ops {
const OpDef& DequantizeLinear() {
  static const OpDef kDef{Infer, LowerFloat};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
