// ONNX GlobalAveragePool (4-D NCHW).
#include "ops/op.h"

#include <memory>

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  if (x.shape.size() != 4) c.Unsup("only 4-D NCHW input is supported");
  c.Out(0, DType::F32, {x.shape[0], x.shape[1], 1, 1});
}

class GlobalAveragePoolOp : public Op {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override {
    XnnCheck(xnn_define_global_average_pooling_2d(d.sg, outMin, outMax, d.Id(in[0]), d.Id(out), 0), label);
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<GlobalAveragePoolOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

// int8 (XNNPACK requantizes: input and output params may differ).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m)) return false;
  l.EmitInt8(std::make_unique<GlobalAveragePoolOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& GlobalAveragePool() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
