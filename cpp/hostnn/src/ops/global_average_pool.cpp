// ONNX GlobalAveragePool (4-D NCHW): float in our kernel (elementwise.h: one pass over the NHWC pixels, threaded
// over channel blocks); int8 in XNNPACK.
#include "ops/op.h"

#include <memory>

#include "elementwise.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  if (x.shape.size() != 4) c.Unsup("only 4-D NCHW input is supported");
  c.Out(0, DType::F32, {x.shape[0], x.shape[1], 1, 1});
}

class GlobalAveragePoolOp : public Op {
 public:
  F32Isa isa = F32Isa::kScalar;  // of the float kernel

  bool InXnn() const override { return int8; }
  void Define(XnnDefiner& d) const override {
    XnnCheck(xnn_define_global_average_pooling_2d(d.sg, outMin, outMax, d.Id(in[0]), d.Id(out), 0), label);
  }
  std::string Variant(Int8Isa, F32Isa) const override { return int8 ? "" : F32IsaLabel(isa); }
  std::function<void()> Kernel(const KernelContext& k) const override {
    return [x = in[0], y = out, lo = outMin, hi = outMax, isa = isa, pool = k.pool] {
      const auto images = static_cast<size_t>(x->shape[0]), channels = static_cast<size_t>(x->shape[1]);
      elementwise::GlobalAveragePool(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()),
                                     images, x->Elements() / images / channels, channels, lo, hi, isa, pool);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<GlobalAveragePoolOp>(n);
  op->in = {l.Act(n, 0)};
  op->isa = F32IsaCappedAtAvx2(SelectF32Isa());
  l.Emit(std::move(op));
}

// int8 (XNNPACK requantizes: input and output params may differ).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m)) return false;
  l.EmitInt8(std::make_unique<GlobalAveragePoolOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& GlobalAveragePool() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
