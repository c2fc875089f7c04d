// ONNX Softmax: opset 13 changed its meaning (one axis, default -1; before: the flattened dims from axis, default 1).
#include "ops/op.h"

#include <memory>

#include "kernels.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  int64_t axis = InferContext::NormAxis(c.n->Int("axis", c.g.opset >= 13 ? -1 : 1), x.shape.size());
  if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size())) c.Bad("axis out of range");
  c.Out(0, DType::F32, x.shape);
}

class SoftmaxOp : public Op {
 public:
  int64_t axis = 0;     // logical, normalized
  bool legacy = false;  // opset < 13: over the flattened dims from axis on

  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    int64_t a = legacy ? axis : x->nhwc ? PhysicalAxis(axis) : axis;
    bool lg = legacy;
    return [x, y, a, lg] {
      kernels::Softmax(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()), x->Physical(), a,
                       lg);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<SoftmaxOp>(n);
  op->in = {l.Act(n, 0)};
  op->legacy = l.Imported().opset < 13;
  op->axis = n.Int("axis", op->legacy ? 1 : -1);
  if (op->axis < 0) op->axis += static_cast<int64_t>(op->in[0]->shape.size());
  if (op->legacy && op->in[0]->nhwc && op->axis > 1) l.Unsup(n, "opset < 13 softmax over spatial axes");
  l.Emit(std::move(op));
}

}  // namespace

namespace ops {
const OpDef& Softmax() {
  static const OpDef kDef{Infer, LowerFloat};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
