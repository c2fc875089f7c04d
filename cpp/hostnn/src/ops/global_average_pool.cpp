// ONNX GlobalAveragePool (4-D NCHW).
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  if (x.shape.size() != 4) c.Unsup("only 4-D NCHW input is supported");
  c.Out(0, DType::F32, {x.shape[0], x.shape[1], 1, 1});
}

}  // namespace

namespace ops {
const OpDef& GlobalAveragePool() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
