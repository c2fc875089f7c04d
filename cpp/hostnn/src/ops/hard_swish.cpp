// ONNX HardSwish (float, elementwise).
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

}  // namespace

namespace ops {
const OpDef& HardSwish() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    d.lowerFloat = LowerFloat;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
