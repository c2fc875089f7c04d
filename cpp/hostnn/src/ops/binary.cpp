// ONNX Add and Mul (float, broadcasting): one family, they differ only in the XNNPACK node and the int8 path.
#include "ops/op.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  c.RequireFloat(b, "B");
  c.Out(0, DType::F32, c.Broadcast(a.shape, b.shape));
}

}  // namespace

namespace ops {
const OpDef& Add() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
const OpDef& Mul() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
