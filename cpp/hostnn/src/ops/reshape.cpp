// ONNX Reshape and Flatten: one family, both a new shape over the same elements.
#include "ops/op.h"

#include <memory>

#include "kernels.h"

namespace hostnn {
namespace {

void InferReshape(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  const Const& shape = c.ConstIn(1, "shape");
  if (shape.dtype != DType::I64) c.Bad(std::string("shape must be int64, got ") + DTypeName(shape.dtype));
  auto spec = shape.AsInt64();
  if (node.Int("allowzero", 0) != 0) c.Unsup("allowzero=1");
  Shape o(spec.size());
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == 0) {
      if (i >= x.shape.size()) c.Bad("shape copies a dimension the input does not have");
      o[i] = x.shape[i];
    } else if (spec[i] == -1) {
      if (infer >= 0) c.Bad("more than one -1 in the shape");
      infer = static_cast<int64_t>(i);
      continue;
    } else if (spec[i] < 0) {
      c.Bad("negative dimension in the shape");
    } else {
      o[i] = spec[i];
    }
    if (!CheckedMul(known, o[i], &known) || known > kMaxElements) c.TooLarge("Reshape target " + ShapeString(spec));
  }
  int64_t total = NumElements(x.shape);
  if (infer >= 0) {
    if (known == 0 || total % known != 0) c.Bad("cannot infer -1 for " + ShapeString(x.shape));
    o[infer] = total / known;
  }
  if (NumElements(o) != total) c.Bad("cannot reshape " + ShapeString(x.shape) + " to " + ShapeString(o));
  c.Out(0, x.dtype, o);
}

void InferFlatten(InferContext& c) {
  const ValueInfo& x = c.In(0);
  int64_t axis = InferContext::NormAxis(c.n->Int("axis", 1), x.shape.size());
  if (axis < 0 || axis > static_cast<int64_t>(x.shape.size())) c.Bad("axis out of range");
  int64_t a = 1, b = 1;
  for (int64_t i = 0; i < static_cast<int64_t>(x.shape.size()); ++i) (i < axis ? a : b) *= x.shape[i];
  c.Out(0, x.dtype, {a, b});
}

// Same elements in a new shape: XNNPACK's reshape when both sides are stored in ONNX order, else our kernel.
class ReshapeOp : public Op {
 public:
  bool InXnn() const override { return SameOrder(in[0]) && SameOrder(out); }
  void Define(XnnDefiner& d) const override {
    auto dims = ToSizes(out->Physical());
    XnnCheck(xnn_define_static_reshape(d.sg, dims.size(), dims.data(), d.Id(in[0]), d.Id(out), 0), label);
  }
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    return
        [x, y] { kernels::Reshape(x->data(), x->shape, x->nhwc, y->data(), y->shape, y->nhwc, ElementSize(y->dtype)); };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<ReshapeOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

// int8 (same params in and out, no Relu/Clip before the Q).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m) || !m.SameParams() || !m.Unclamped()) return false;
  l.EmitInt8(std::make_unique<ReshapeOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Reshape() {
  static const OpDef kDef{InferReshape, LowerFloat, LowerInt8};
  return kDef;
}
const OpDef& Flatten() {
  static const OpDef kDef{InferFlatten, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
