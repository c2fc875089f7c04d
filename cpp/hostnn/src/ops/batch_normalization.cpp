// ONNX BatchNormalization, inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1),
// with scale, B, mean and var float32 constants of one value per channel. A BN after a Conv is usually folded
// into it by the exporter; the ones left (DenseNet's pre-activation BN → Relu on a Concat) run as the per-channel
// affine y = x * a + b, a = scale / sqrt(var + epsilon), b = B - mean * a (onnxruntime's CPU kernel computes the
// same two vectors). XNNPACK 2022 has no BN node: a multiply and an add with static per-channel operands, a
// following Relu/Clip fused into the add, inside the XNNPACK segment around it. Training mode (training_mode = 1,
// the running mean/var outputs) is refused.
#include "ops/op.h"

#include <cmath>
#include <memory>

namespace hostnn {
namespace {

const char* const kParams[] = {"scale", "B", "input_mean", "input_var"};  // inputs 1..4

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "X");
  if (node.Int("training_mode", 0) != 0) c.Unsup("training_mode=1 (only inference is supported)");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty()) c.Unsup("training outputs (running_mean, running_var) are not supported");
  if (x.shape.size() < 2) c.Bad("X has rank " + std::to_string(x.shape.size()) + ", needs (N, C, ...)");
  if (x.shape.size() > 4) c.Unsup("X of rank " + std::to_string(x.shape.size()) + " (at most 4)");
  const float eps = node.Float("epsilon", 1e-5f);
  if (!(eps >= 0.f) || !std::isfinite(eps)) c.Bad("epsilon " + std::to_string(eps) + " is not a finite value >= 0");
  const int64_t channels = x.shape[1];
  for (size_t i = 1; i <= 4; ++i) {
    const char* what = kParams[i - 1];
    const Const& p = c.ConstIn(i, what);
    if (p.dtype != DType::F32) c.Bad(std::string(what) + " must be float32, got " + DTypeName(p.dtype));
    if (p.shape != Shape{channels})
      c.Bad(std::string(what) + " has shape " + ShapeString(p.shape) + ", X has " + std::to_string(channels) +
            " channels");
  }
  std::vector<float> var = c.g.GetConst(node.inputs[4]).AsFloat();
  for (size_t ch = 0; ch < var.size(); ++ch)
    if (!(var[ch] + eps > 0.f))
      c.Bad("input_var + epsilon of channel " + std::to_string(ch) + " is " + std::to_string(var[ch] + eps) +
            ", not positive");
  c.Out(0, DType::F32, x.shape);
}

// y = clamp(x * a[c] + b[c], outMin, outMax).
class BatchNormOp : public Op {
 public:
  std::vector<float> a, b;  // per channel

  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override {
    // One value per channel, broadcast over the other axes: the channel axis is the last stored axis of an NHWC
    // tensor, axis 1 otherwise.
    std::vector<size_t> dims(out->shape.size(), 1);
    dims[out->nhwc ? dims.size() - 1 : 1] = a.size();
    uint32_t scaled = d.Internal(out);
    XnnCheck(xnn_define_multiply2(d.sg, -kInf, kInf, d.Id(in[0]), d.StaticF(a, dims), scaled, 0), label);
    XnnCheck(xnn_define_add2(d.sg, outMin, outMax, scaled, d.StaticF(b, dims), d.Id(out), 0), label);
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  const Graph& g = l.Imported();
  auto op = l.New<BatchNormOp>(n);
  op->in = {l.Act(n, 0)};
  const std::vector<float> scale = g.GetConst(n.inputs[1]).AsFloat(), bias = g.GetConst(n.inputs[2]).AsFloat(),
                           mean = g.GetConst(n.inputs[3]).AsFloat(), var = g.GetConst(n.inputs[4]).AsFloat();
  const float eps = n.Float("epsilon", 1e-5f);
  op->a.resize(scale.size());
  op->b.resize(scale.size());
  for (size_t ch = 0; ch < scale.size(); ++ch) {
    op->a[ch] = scale[ch] * (1.f / std::sqrt(var[ch] + eps));
    op->b[ch] = bias[ch] - mean[ch] * op->a[ch];
  }
  l.FuseClamp(n, op.get());
  l.Emit(std::move(op));
}

}  // namespace

namespace ops {
const OpDef& BatchNormalization() {
  static const OpDef kDef{Infer, LowerFloat};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
