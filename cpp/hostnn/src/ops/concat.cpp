// ONNX Concat.
#include "ops/op.h"

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

}  // namespace

namespace ops {
const OpDef& Concat() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
