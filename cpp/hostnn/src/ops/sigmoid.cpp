// ONNX Sigmoid (float, elementwise); int8 QDQ as a table of the 256 input values (Lowering::LowerInt8Table).
#include "ops/op.h"

#include <memory>

namespace hostnn {
namespace {

void Infer(InferContext& c) { c.SameAsInput(true); }

class SigmoidOp : public Op {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override { XnnCheck(xnn_define_sigmoid(d.sg, d.Id(in[0]), d.Id(out), 0), label); }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<SigmoidOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) { return l.LowerInt8Table(n, std::make_unique<SigmoidOp>()); }

}  // namespace

namespace ops {
const OpDef& Sigmoid() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    d.lowerFloat = LowerFloat;
    d.lowerInt8 = LowerInt8;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
