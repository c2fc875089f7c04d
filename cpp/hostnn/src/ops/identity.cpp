// ONNX Identity: of a constant, folded at import (exporters alias shared weights this way); else a copy.
#include "ops/op.h"

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

}  // namespace

namespace ops {
const OpDef& Identity() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    d.foldConstant = FoldConstant;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
