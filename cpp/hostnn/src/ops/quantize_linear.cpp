// ONNX QuantizeLinear (per-tensor, to int8 or uint8).
#include "ops/op.h"

#include <memory>

#include "kernels.h"

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

// x / scale, round half to even, + zero point, saturated (kernels::Quantize).
class QuantizeOp : public Op {
 public:
  float scale = 1.f;
  int32_t zeroPoint = 0;
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    float s = scale;
    int32_t z = zeroPoint;
    return [x, y, s, z] {
      kernels::Quantize(reinterpret_cast<const float*>(x->data()), y->data(), y->Elements(), s, z,
                        y->dtype == DType::I8);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<QuantizeOp>(n);
  op->in = {l.Act(n, 0)};
  op->scale = l.ScalarF(n.inputs[1]);
  op->zeroPoint = l.ScalarZp(n, 2);  // ImportOnnx checked the scale (finite, positive, normal)
  l.Emit(std::move(op));
}

}  // namespace

namespace ops {
const OpDef& QuantizeLinear() {
  static const OpDef kDef{Infer, LowerFloat};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
