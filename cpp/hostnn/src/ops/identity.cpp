// ONNX Identity: of a constant, folded at import (exporters alias shared weights this way); else a copy.
#include "ops/op.h"

#include <cstring>
#include <memory>

namespace hostnn {
namespace {

void Infer(InferContext& c) { c.SameAsInput(false); }

bool FoldConstant(Graph& g, const Node& n) {
  if (n.inputs.size() != 1 || n.outputs.size() != 1 || !g.IsConst(n.inputs[0])) return false;
  Const k = g.GetConst(n.inputs[0]);
  g.values[n.outputs[0]] = ValueInfo{k.dtype, k.shape};
  g.consts[n.outputs[0]] = std::move(k);
  return true;
}

class CopyOp : public Op {
 public:
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    return [x, y] { std::memcpy(y->data(), x->data(), y->Bytes()); };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<CopyOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

// int8: a byte copy (same params in and out, no Relu/Clip before the Q).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m) || !m.SameParams() || !m.Unclamped()) return false;
  l.EmitInt8(std::make_unique<CopyOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Identity() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8, nullptr, FoldConstant};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
