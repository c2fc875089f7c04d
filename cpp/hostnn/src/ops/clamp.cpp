// ONNX Relu and Clip: one family, both a clamp of the input to [min, max] (Relu: [0, inf)).
#include "ops/op.h"

#include <limits>

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

}  // namespace

namespace ops {
const OpDef& Relu() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = InferRelu;
    return d;
  }();
  return kDef;
}
const OpDef& Clip() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = InferClip;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
