// ONNX Gemm and MatMul: one family, both become a fully connected layer (MatMul as a Gemm without C).
#include "ops/op.h"

namespace hostnn {
namespace {

void InferGemm(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  if (a.shape.size() != 2 || b.shape.size() != 2) c.Bad("A and B must be 2-D");
  if (node.Int("transA", 0) != 0) c.Unsup("transA=1");
  bool tb = node.Int("transB", 0) != 0;
  int64_t k = tb ? b.shape[1] : b.shape[0], nn = tb ? b.shape[0] : b.shape[1];
  if (k != a.shape[1]) c.Bad("inner dimensions differ: A " + ShapeString(a.shape) + ", B " + ShapeString(b.shape));
  if (c.HasIn(2)) {
    int64_t cs = NumElements(c.In(2).shape);
    if (cs != nn && cs != 1) c.Unsup("bias C must have N or 1 elements, got shape " + ShapeString(c.In(2).shape));
  }
  c.Out(0, DType::F32, {a.shape[0], nn});
}

void InferMatMul(InferContext& c) {
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  if (a.shape.size() < 2 || b.shape.size() != 2) c.Unsup("only A of rank >= 2 times a 2-D B is supported");
  if (a.shape.back() != b.shape[0])
    c.Bad("inner dimensions differ: A " + ShapeString(a.shape) + ", B " + ShapeString(b.shape));
  Shape o = a.shape;
  o.back() = b.shape[1];
  c.Out(0, DType::F32, o);
}

}  // namespace

namespace ops {
const OpDef& Gemm() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = InferGemm;
    return d;
  }();
  return kDef;
}
const OpDef& MatMul() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = InferMatMul;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
