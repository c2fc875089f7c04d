// ONNX Transpose: output axis i is input axis perm[i] (perm defaults to the axes reversed). Any element type (a
// byte copy); int8 between DequantizeLinear and QuantizeLinear with the same params runs on the int8 bytes.
// 4-D activations are stored NHWC: the logical perm is composed with both layouts into one permutation of the
// stored axes, so ShuffleNet's channel shuffle (Reshape → 5-D Transpose → Reshape) and an NCHW → NHWC Transpose
// are each one pass over the data.
#include "ops/op.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace hostnn {
namespace {

std::vector<int64_t> Perm(const Node& n, size_t rank) {
  std::vector<int64_t> reversed(rank);
  for (size_t i = 0; i < rank; ++i) reversed[i] = static_cast<int64_t>(rank - 1 - i);
  return n.Ints("perm", reversed);
}

void Infer(InferContext& c) {
  const ValueInfo& x = c.In(0);
  const size_t rank = x.shape.size();
  const std::vector<int64_t> perm = Perm(*c.n, rank);
  if (perm.size() != rank)
    c.Bad("perm " + ShapeString(perm) + " has " + std::to_string(perm.size()) + " axes, the input " +
          ShapeString(x.shape) + " has " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  Shape o(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(rank) || seen[perm[i]])
      c.Bad("perm " + ShapeString(perm) + " is not a permutation of 0.." + std::to_string(rank - 1));
    seen[perm[i]] = true;
    o[i] = x.shape[perm[i]];
  }
  c.Out(0, x.dtype, o);
}

// The stored axes of a tensor, in logical (ONNX) axis order: stored[a] is where logical axis a is kept.
std::vector<size_t> StoredAxes(const Value* v) {
  std::vector<size_t> s(v->shape.size());
  for (size_t a = 0; a < s.size(); ++a) s[a] = v->nhwc ? static_cast<size_t>(PhysicalAxis(a)) : a;
  return s;
}

// y (stored dims yDims) = x where a step along stored output axis j is a step of stride[j] elements in x; idx is
// the caller's scratch of yDims.size() counters (kept between runs: no allocation per run).
template <size_t kEs>
void Permute(const uint8_t* x, uint8_t* y, const std::vector<size_t>& stride, const std::vector<size_t>& yDims,
             std::vector<size_t>& idx) {
  const size_t rank = yDims.size();
  size_t total = 1;
  for (size_t d : yDims) total *= d;
  std::fill(idx.begin(), idx.end(), 0);
  const size_t inner = rank ? yDims[rank - 1] : 1, innerStride = rank ? stride[rank - 1] : 0;
  size_t base = 0;  // input offset of idx
  for (size_t o = 0; o < total; o += inner) {
    const uint8_t* src = x + base * kEs;
    uint8_t* dst = y + o * kEs;
    if (innerStride == 1)  // the last axis stays innermost (ShuffleNet's shuffle): one copy of the row
      std::memcpy(dst, src, inner * kEs);
    else
      for (size_t i = 0; i < inner; ++i) std::memcpy(dst + i * kEs, src + i * innerStride * kEs, kEs);
    for (size_t j = rank ? rank - 1 : 0; j-- > 0;) {  // odometer over the outer output axes
      base += stride[j];
      if (++idx[j] < yDims[j]) break;
      base -= stride[j] * yDims[j];
      idx[j] = 0;
    }
  }
}

class TransposeOp : public Op {
 public:
  std::vector<int64_t> perm;  // logical

  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    const size_t rank = perm.size();
    const std::vector<size_t> xStored = StoredAxes(x), yStored = StoredAxes(y);
    const std::vector<size_t> xDims = ToSizes(x->Physical()), yDims = ToSizes(y->Physical());
    // Stored output axis yStored[i] is logical output axis i = logical input axis perm[i], stored at xStored[...].
    std::vector<size_t> xStride(rank, 1), stride(rank);
    for (size_t j = rank; j-- > 1;) xStride[j - 1] = xStride[j] * xDims[j];
    for (size_t i = 0; i < rank; ++i) stride[yStored[i]] = xStride[xStored[static_cast<size_t>(perm[i])]];
    const size_t es = ElementSize(y->dtype);
    auto run = es == 1   ? Permute<1>
               : es == 4 ? Permute<4>
               : es == 8 ? Permute<8>
                         : throw Error(OH_NN_FAILED, "no transpose for " + std::to_string(es) + "-byte elements");
    return [x, y, stride, yDims, run, idx = std::vector<size_t>(rank)]() mutable {
      run(x->data(), y->data(), stride, yDims, idx);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<TransposeOp>(n);
  op->in = {l.Act(n, 0)};
  op->perm = Perm(n, op->in[0]->shape.size());
  l.Emit(std::move(op));
}

// int8: bytes moved (same params in and out, and no Relu/Clip between it and its QuantizeLinear: a byte copy cannot
// clamp).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m) || !m.SameParams() || !m.Unclamped()) return false;
  auto op = std::make_unique<TransposeOp>();
  op->perm = Perm(n, m.ins[0]->shape.size());
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Transpose() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
