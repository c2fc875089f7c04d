// ONNX Sigmoid (float, elementwise, in XNNPACK); int8 QDQ as a table of the 256 input values. A Mul by its input
// (SiLU) or a squeeze-excite Mul by it runs fused (ops/gate.h).
#include "ops/gate.h"

#include <memory>

namespace hostnn {
namespace {

class SigmoidOp : public GateOp {
 public:
  SigmoidOp() { gate.kind = elementwise::Gate::Kind::kSigmoid; }
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override { XnnCheck(xnn_define_sigmoid(d.sg, d.Id(in[0]), d.Id(out), 0), label); }
};

void Infer(InferContext& c) { c.SameAsInput(true); }

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<SigmoidOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) { return l.LowerInt8Table(n, std::make_unique<SigmoidOp>()); }

}  // namespace

namespace ops {
const OpDef& Sigmoid() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
