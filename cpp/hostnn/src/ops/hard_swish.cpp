// ONNX HardSwish (float, elementwise); int8 QDQ as a table of the 256 input values (Lowering::LowerInt8Table).
#include "ops/op.h"

#include <memory>

namespace hostnn {
namespace {

void Infer(InferContext& c) { c.SameAsInput(true); }

class HardSwishOp : public Op {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override { XnnCheck(xnn_define_hardswish(d.sg, d.Id(in[0]), d.Id(out), 0), label); }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<HardSwishOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) { return l.LowerInt8Table(n, std::make_unique<HardSwishOp>()); }

}  // namespace

namespace ops {
const OpDef& HardSwish() {
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
