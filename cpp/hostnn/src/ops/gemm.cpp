// ONNX Gemm and MatMul: one family, both become a fully connected layer (MatMul as a Gemm without C).
#include "ops/op.h"

#include <memory>

#include "fc_f32.h"

namespace hostnn {
namespace {

void InferGemm(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  if (a.shape.size() != 2 || b.shape.size() != 2) c.Bad("A and B must be 2-D");
  if (node.Int("transA", 0) != 0) c.Unsup("transA=1");
  bool tb = node.Int("transB", 0) != 0;
  int64_t k = tb ? b.shape[1] : b.shape[0], nn = tb ? b.shape[0] : b.shape[1];
  if (k != a.shape[1]) c.Bad("inner dimensions differ: A " + ShapeString(a.shape) + ", B " + ShapeString(b.shape));
  if (c.HasIn(2)) {
    int64_t cs = NumElements(c.In(2).shape);
    if (cs != nn && cs != 1) c.Unsup("bias C must have N or 1 elements, got shape " + ShapeString(c.In(2).shape));
  }
  c.Out(0, DType::F32, {a.shape[0], nn});
}

void InferMatMul(InferContext& c) {
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  if (a.shape.size() < 2 || b.shape.size() != 2) c.Unsup("only A of rank >= 2 times a 2-D B is supported");
  if (a.shape.back() != b.shape[0])
    c.Bad("inner dimensions differ: A " + ShapeString(a.shape) + ", B " + ShapeString(b.shape));
  Shape o = a.shape;
  o.back() = b.shape[1];
  c.Out(0, DType::F32, o);
}

// A fully connected layer: y[rows, N] = x[rows, K] · wᵀ + bias, weights [N, K].
class FullyConnectedOp : public Op {
 public:
  Shape wshape;                  // [N, K]
  std::vector<float> wf, biasF;  // fp32
  QuantWeights q;                // int8

  bool InXnn() const override { return !UsesInt8Conv() && !UsesF32Conv(); }
  bool UsesInt8Conv() const override { return int8; }
  // fp32 over at most FcF32::kTileRows rows (a classifier at batch 1..4) in our fc_f32.h where the CPU has AVX2+FMA;
  // larger batches are GEMMs XNNPACK's kernel tiles well, and elsewhere XNNPACK's NEON kernels run it.
  bool UsesF32Conv() const override {
    if (int8 || wshape.size() != 2 || in.empty() || in[0]->shape.empty()) return false;
    const int64_t kk = in[0]->shape.back();
    return kk > 0 && static_cast<int64_t>(in[0]->Elements()) / kk <= FcF32::kTileRows &&
           F32IsaSupported(F32Isa::kAvx2Fma);
  }
  std::string Variant(Int8Isa int8Isa, F32Isa f32Isa) const override {
    return Op::Variant(int8Isa, F32IsaCappedAtAvx2(f32Isa));  // fc_f32.h has no AVX-512 code
  }
  int64_t Macs() const override {
    if (wshape.empty() || wshape[0] <= 0) return 0;
    const int64_t weights = static_cast<int64_t>(int8 ? q.w.size() : wf.size());
    return static_cast<int64_t>(out->Elements()) * (weights / wshape[0]);
  }

  void Define(XnnDefiner& d) const override {
    uint32_t xid = d.Id(in[0]), yid = d.Id(out);
    std::vector<size_t> fdims = ToSizes(wshape);
    size_t n = fdims[0];
    uint32_t wid = d.StaticF(wf, fdims), bid = d.StaticF(biasF, {n});  // fp32: int8 runs in our kernel
    XnnCheck(xnn_define_fully_connected(d.sg, outMin, outMax, xid, wid, bid, yid, 0), label);
  }

  // fp32: FcF32; int8: a 1x1 conv over [rows, 1, 1, K].
  std::function<void()> Kernel(const KernelContext& k) const override {
    Value* x = in[0];
    int64_t kk = x->shape.back(), rows = static_cast<int64_t>(x->Elements()) / kk;
    if (!int8) {
      auto fc = std::make_shared<FcF32>(kk, wshape[0], wf.data(), biasF.data(), outMin, outMax, k.f32Isa);
      Value* y = out;
      pthreadpool_t pool = k.pool;
      return [fc, x, y, rows, pool] {
        fc->Run(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()), rows, pool);
      };
    }
    ConvGeometry2D geo{rows, 1, 1, kk, 1, 1, wshape[0], 1, 1, 1, 1, 1, 1, 0, 0};
    return Int8ConvKernel(geo, q, x, out, outMin, outMax, k);
  }
};

// Gemm (gemm = true) or MatMul: B to [N, K] scaled by alpha, C·beta as the bias.
void LowerFloat(Lowering& l, const Node& n, bool gemm) {
  auto op = l.New<FullyConnectedOp>(n);
  op->in = {l.Act(n, 0)};
  if (op->in[0]->nhwc) l.Unsup(n, "a 4-D A input is not supported");
  std::vector<float> b;
  Shape bshape;
  if (!l.FloatConst(n.inputs[1], &b, &bshape)) l.Unsup(n, "B must be a constant");
  bool transB = gemm && n.Int("transB", 0) != 0;
  float alpha = gemm ? n.Float("alpha", 1.f) : 1.f, beta = gemm ? n.Float("beta", 1.f) : 1.f;
  int64_t k = transB ? bshape[1] : bshape[0], nn = transB ? bshape[0] : bshape[1];
  op->wf.resize(b.size());
  for (int64_t o = 0; o < nn; ++o)  // to [N, K]
    for (int64_t i = 0; i < k; ++i) op->wf[o * k + i] = alpha * (transB ? b[o * k + i] : b[i * nn + o]);
  op->wshape = {nn, k};
  op->biasF.assign(static_cast<size_t>(nn), 0.f);
  if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
    std::vector<float> c;
    Shape cs;
    if (!l.FloatConst(n.inputs[2], &c, &cs)) l.Unsup(n, "C must be a constant");
    for (int64_t o = 0; o < nn; ++o) op->biasF[o] = beta * c[c.size() == 1 ? 0 : o];
  }
  l.FuseClamp(n, op.get());
  l.Emit(std::move(op));
}
void LowerFloatGemm(Lowering& l, const Node& n) { LowerFloat(l, n, true); }
void LowerFloatMatMul(Lowering& l, const Node& n) { LowerFloat(l, n, false); }

// int8 Gemm with transB = 1, alpha = beta = 1 (what QDQ exporters emit for a Linear layer).
bool LowerInt8Gemm(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m)) return false;
  auto op = std::make_unique<FullyConnectedOp>();
  if (n.Int("transB", 0) != 1 || n.Float("alpha", 1.f) != 1.f || n.Float("beta", 1.f) != 1.f) return false;
  if (!l.WeightDQ(n.inputs[1], 0, &op->q)) return false;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!l.BiasDQ(n.inputs[2], m.ins[0]->scale, &op->q)) return false;
  } else {
    op->q.bias.assign(op->q.scale.size(), 0);
  }
  op->wshape = op->q.shape;
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Gemm() {
  static const OpDef kDef{InferGemm, LowerFloatGemm, LowerInt8Gemm};
  return kDef;
}
const OpDef& MatMul() {
  static const OpDef kDef{InferMatMul, LowerFloatMatMul};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
