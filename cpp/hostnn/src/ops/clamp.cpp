// ONNX Relu and Clip (opset >= 11: bounds as inputs): one family, both a clamp of the input to [min, max] (Relu:
// [0, inf)); after a Conv/Gemm/Add or before an int8 QuantizeLinear the plan folds it in (OpDef::clampRange).
#include "ops/op.h"

#include <limits>
#include <memory>

namespace hostnn {
namespace {

void InferRelu(InferContext& c) { c.SameAsInput(true); }

void InferClip(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  const float inf = std::numeric_limits<float>::infinity();
  float bound[3] = {0.f, -inf, inf};
  for (size_t i : {1, 2}) {
    if (!c.HasIn(i)) continue;
    const Const& b = c.ConstIn(i, i == 1 ? "min" : "max");
    if (b.dtype != DType::F32 || NumElements(b.shape) != 1)
      c.Bad(std::string(i == 1 ? "min" : "max") + " must be a float32 scalar");
    bound[i] = b.AsFloat()[0];
  }
  // NaN bounds or min > max: XNNPACK refuses the clamp at Build with a generic error; say what is wrong.
  if (!(bound[1] <= bound[2]))
    c.Bad("min " + std::to_string(bound[1]) + " and max " + std::to_string(bound[2]) + " are not an interval");
  c.Out(0, DType::F32, x.shape);
}

// y = min(max(x, outMin), outMax); int8 with the same params in and out.
class ClampOp : public Op {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override {
    XnnCheck(xnn_define_clamp(d.sg, outMin, outMax, d.Id(in[0]), d.Id(out), 0), label);
  }
};

void ReluRange(const Lowering&, const Node&, float* lo, float*) { *lo = 0.f; }
void ClipRange(const Lowering& l, const Node& n, float* lo, float* hi) {
  if (n.inputs.size() > 1 && !n.inputs[1].empty()) *lo = l.ScalarF(n.inputs[1]);
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) *hi = l.ScalarF(n.inputs[2]);
}

template <void (*Range)(const Lowering&, const Node&, float*, float*)>
void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<ClampOp>(n);
  op->in = {l.Act(n, 0)};
  Range(l, n, &op->outMin, &op->outMax);
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m) || !m.SameParams()) return false;
  l.EmitInt8(std::make_unique<ClampOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Relu() {
  static const OpDef kDef{InferRelu, LowerFloat<ReluRange>, LowerInt8, ReluRange};
  return kDef;
}
const OpDef& Clip() {
  static const OpDef kDef{InferClip, LowerFloat<ClipRange>, LowerInt8, ClipRange};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
