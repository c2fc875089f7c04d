// ONNX HardSigmoid (float, elementwise): y = max(0, min(1, alpha * x + beta)), alpha 0.2 and beta 0.5 by default.
// XNNPACK 2022 has no node for it; a multiply by alpha and an add of beta clamped to [0, 1] keep it inside the
// XNNPACK segment around it (MobileNetV3's squeeze-excite gates: Conv → HardSigmoid → Mul), threaded there. int8 QDQ:
// a table of the 256 input values (Lowering::LowerInt8Table). A Mul by its input or a squeeze-excite Mul by it runs
// fused (ops/gate.h).
#include "ops/gate.h"

#include <cmath>
#include <memory>

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  for (const char* a : {"alpha", "beta"})
    if (!std::isfinite(c.n->Float(a, 0.f))) c.Bad(std::string(a) + " is not finite");
  c.SameAsInput(true);
}

class HardSigmoidOp : public GateOp {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override {
    const std::vector<size_t> scalar(out->shape.size(), 1);  // broadcast over every axis
    uint32_t scaled = d.Internal(out);
    XnnCheck(xnn_define_multiply2(d.sg, -kInf, kInf, d.Id(in[0]), d.StaticF({gate.alpha}, scalar), scaled, 0), label);
    XnnCheck(xnn_define_add2(d.sg, 0.f, 1.f, scaled, d.StaticF({gate.beta}, scalar), d.Id(out), 0), label);
  }
};

std::unique_ptr<HardSigmoidOp> WithParams(const Node& n, std::unique_ptr<HardSigmoidOp> op) {
  op->gate.kind = elementwise::Gate::Kind::kHardSigmoid;
  op->gate.alpha = n.Float("alpha", 0.2f);
  op->gate.beta = n.Float("beta", 0.5f);
  return op;
}

void LowerFloat(Lowering& l, const Node& n) {
  auto op = WithParams(n, l.New<HardSigmoidOp>(n));
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) {
  return l.LowerInt8Table(n, WithParams(n, std::make_unique<HardSigmoidOp>()));
}

}  // namespace

namespace ops {
const OpDef& HardSigmoid() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
