// ONNX Concat.
#include "ops/op.h"

#include <memory>

#include "kernels.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  if (node.inputs.empty()) c.Bad("no inputs");
  Shape o = c.In(0).shape;
  DType t = c.In(0).dtype;
  if (!node.Has("axis")) c.Bad("axis is required");
  int64_t axis = InferContext::NormAxis(node.Int("axis", 0), o.size());
  if (axis < 0 || axis >= static_cast<int64_t>(o.size())) c.Bad("axis out of range");
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const ValueInfo& v = c.In(i);
    if (v.dtype != t || v.shape.size() != o.size()) c.Bad("inputs differ in type or rank");
    for (size_t d = 0; d < o.size(); ++d)
      if (static_cast<int64_t>(d) != axis && v.shape[d] != o[d]) c.Bad("input shapes differ off the concat axis");
    o[axis] += v.shape[axis];
  }
  c.Out(0, t, o);
}

class ConcatOp : public Op {
 public:
  int64_t axis = 0;  // logical, normalized

  std::function<void()> Kernel(const KernelContext&) const override {
    std::vector<const uint8_t*> srcs;  // the plan's buffers are in place before kernels are made
    std::vector<Shape> shapes;
    for (Value* v : in) {
      srcs.push_back(v->data());
      shapes.push_back(v->Physical());
    }
    Value* y = out;
    int64_t a = y->nhwc ? PhysicalAxis(axis) : axis;
    return [srcs, shapes, y, a] { kernels::Concat(srcs, shapes, a, y->data(), ElementSize(y->dtype)); };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<ConcatOp>(n);
  for (size_t i = 0; i < n.inputs.size(); ++i) op->in.push_back(l.Act(n, i));
  op->axis = n.Int("axis", 0);
  if (op->axis < 0) op->axis += static_cast<int64_t>(op->in[0]->shape.size());
  l.Emit(std::move(op));
}

// int8: bytes concatenated (every input with the output's params, no Relu/Clip before the Q).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, n.inputs.size(), &m) || !m.Unclamped()) return false;
  for (Value* v : m.ins)
    if (v->scale != m.outScale || v->zeroPoint != m.outZeroPoint) return false;
  auto op = std::make_unique<ConcatOp>();
  op->axis = n.Int("axis", 0);
  if (op->axis < 0) op->axis += static_cast<int64_t>(m.ins[0]->shape.size());
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Concat() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
