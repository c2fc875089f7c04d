// ONNX MaxPool and AveragePool (2-D, NCHW): one family, they share everything but the reduction.
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  if (x.shape.size() != 4) c.Unsup("only 2-D pooling (4-D NCHW input) is supported");
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) c.Unsup("the Indices output is not supported");
  if (!node.Has("kernel_shape")) c.Bad("kernel_shape is required");
  std::vector<int64_t> pads;
  Shape sp = c.Spatial(x.shape, node.Ints("kernel_shape", {}), node.Int("ceil_mode", 0) != 0, true, &pads);
  if (node.op == "MaxPool" && node.Int("storage_order", 0) != 0) c.Unsup("storage_order=1");
  c.Out(0, DType::F32, {x.shape[0], x.shape[1], sp[0], sp[1]});
}

}  // namespace

namespace ops {
const OpDef& MaxPool() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
const OpDef& AveragePool() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
