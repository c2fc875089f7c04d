// ONNX Conv (2-D, NCHW).
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  const ValueInfo& w = c.In(1);
  if (x.shape.size() != 4)
    c.Unsup("only 2-D convolution (4-D NCHW input) is supported, input is " + ShapeString(x.shape));
  if (w.shape.size() != 4) c.Bad("weight must be 4-D, got " + ShapeString(w.shape));
  int64_t group = node.Int("group", 1);
  // group <= channels first: the product below then stays under 2^60.
  if (group <= 0 || group > x.shape[1] || x.shape[1] % group != 0 || w.shape[0] % group != 0 ||
      w.shape[1] * group != x.shape[1])
    c.Bad("group " + std::to_string(group) + " does not match input " + ShapeString(x.shape) + " and weight " +
          ShapeString(w.shape));
  if (c.HasIn(2) && NumElements(c.In(2).shape) != w.shape[0]) c.Bad("bias size does not match the output channels");
  auto ks = node.Ints("kernel_shape", {w.shape[2], w.shape[3]});
  if (ks != std::vector<int64_t>{w.shape[2], w.shape[3]}) c.Bad("kernel_shape does not match the weight");
  std::vector<int64_t> pads;
  Shape sp = c.Spatial(x.shape, ks, false, false, &pads);
  c.Out(0, DType::F32, {x.shape[0], w.shape[0], sp[0], sp[1]});
}

}  // namespace

namespace ops {
const OpDef& Conv() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
