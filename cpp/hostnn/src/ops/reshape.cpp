// ONNX Reshape and Flatten: one family, both a new shape over the same elements. ShuffleNet's channel shuffle, Reshape
// [N, C, H, W] → [N, g, C/g, H, W] → Transpose (0, 2, 1, 3, 4) → Reshape [N, C, H, W], only permutes channels: it is
// lowered from its first Reshape as one op moving each pixel's channels (NHWC: one short gather per pixel instead of
// three layout changes), fp32 or int8.
#include "ops/op.h"

#include <memory>
#include <string>
#include <vector>

#include "kernels.h"

namespace hostnn {
namespace {

void InferReshape(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  const Const& shape = c.ConstIn(1, "shape");
  if (shape.dtype != DType::I64) c.Bad(std::string("shape must be int64, got ") + DTypeName(shape.dtype));
  auto spec = shape.AsInt64();
  if (node.Int("allowzero", 0) != 0) c.Unsup("allowzero=1");
  Shape o(spec.size());
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == 0) {
      if (i >= x.shape.size()) c.Bad("shape copies a dimension the input does not have");
      o[i] = x.shape[i];
    } else if (spec[i] == -1) {
      if (infer >= 0) c.Bad("more than one -1 in the shape");
      infer = static_cast<int64_t>(i);
      continue;
    } else if (spec[i] < 0) {
      c.Bad("negative dimension in the shape");
    } else {
      o[i] = spec[i];
    }
    if (!CheckedMul(known, o[i], &known) || known > kMaxElements) c.TooLarge("Reshape target " + ShapeString(spec));
  }
  int64_t total = NumElements(x.shape);
  if (infer >= 0) {
    if (known == 0 || total % known != 0) c.Bad("cannot infer -1 for " + ShapeString(x.shape));
    o[infer] = total / known;
  }
  if (NumElements(o) != total) c.Bad("cannot reshape " + ShapeString(x.shape) + " to " + ShapeString(o));
  c.Out(0, x.dtype, o);
}

void InferFlatten(InferContext& c) {
  const ValueInfo& x = c.In(0);
  int64_t axis = InferContext::NormAxis(c.n->Int("axis", 1), x.shape.size());
  if (axis < 0 || axis > static_cast<int64_t>(x.shape.size())) c.Bad("axis out of range");
  int64_t a = 1, b = 1;
  for (int64_t i = 0; i < static_cast<int64_t>(x.shape.size()); ++i) (i < axis ? a : b) *= x.shape[i];
  c.Out(0, x.dtype, {a, b});
}

// Same elements in a new shape: XNNPACK's reshape when both sides are stored in ONNX order, else our kernel.
class ReshapeOp : public Op {
 public:
  bool InXnn() const override { return SameOrder(in[0]) && SameOrder(out); }
  void Define(XnnDefiner& d) const override {
    auto dims = ToSizes(out->Physical());
    XnnCheck(xnn_define_static_reshape(d.sg, dims.size(), dims.data(), d.Id(in[0]), d.Id(out), 0), label);
  }
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    return
        [x, y] { kernels::Reshape(x->data(), x->shape, x->nhwc, y->data(), y->shape, y->nhwc, ElementSize(y->dtype)); };
  }
};

// out[c] = in[perm[c]] at every pixel of 4-D NHWC tensors of one shape: the shuffle of `groups` groups.
class ChannelPermuteOp : public Op {
 public:
  std::vector<uint32_t> perm;
  size_t groups = 0;

  std::string Variant(Int8Isa, F32Isa) const override { return "channel shuffle"; }
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    const size_t pixels = static_cast<size_t>(x->shape[0] * x->shape[2] * x->shape[3]);
    const size_t es = ElementSize(y->dtype);
    const bool two = groups == 2;
    if (es == 1) return [x, y, pixels, p = perm, two] { Gather(x->data(), y->data(), pixels, p, two); };
    if (es == 4)
      return [x, y, pixels, p = perm, two] {
        Gather(reinterpret_cast<const uint32_t*>(x->data()), reinterpret_cast<uint32_t*>(y->data()), pixels, p, two);
      };
    throw Error(OH_NN_FAILED, "internal: no channel shuffle for " + std::to_string(es) + "-byte elements");
  }

 private:
  template <typename T>
  static void Gather(const T* x, T* y, size_t pixels, const std::vector<uint32_t>& perm, bool twoGroups) {
    const size_t c = perm.size();
    if (twoGroups) {  // ShuffleNet's: the two halves interleaved, a loop compilers vectorize
      const size_t half = c / 2;
      for (size_t p = 0; p < pixels; ++p, x += c, y += c) {
        const T* a = x;
        const T* b = x + half;
        for (size_t j = 0; j < half; ++j) {
          y[2 * j] = a[j];
          y[2 * j + 1] = b[j];
        }
      }
      return;
    }
    for (size_t p = 0; p < pixels; ++p, x += c, y += c)
      for (size_t i = 0; i < c; ++i) y[i] = x[perm[i]];
  }
};

// r1 → t → r2 is the channel shuffle (r1 a Reshape [N, C, H, W] → [N, g, C/g, H, W], t a Transpose (0, 2, 1, 3, 4),
// r2 a Reshape to [N, C, H, W]) of 1- or 4-byte elements: its groups and channel permutation set in *op.
bool ShufflePerm(const Graph& g, const Node& r1, const Node& t, const Node& r2, ChannelPermuteOp* op) {
  if (t.op != "Transpose" || r2.op != "Reshape") return false;
  const size_t es = ElementSize(g.values.at(r1.inputs[0]).dtype);
  if (es != 1 && es != 4) return false;  // the kernel's element sizes
  if (t.Ints("perm", {}) != std::vector<int64_t>{0, 2, 1, 3, 4}) return false;
  const Shape& x = g.values.at(r1.inputs[0]).shape;
  const Shape& s = g.values.at(r1.outputs[0]).shape;
  if (x.size() != 4 || s.size() != 5 || g.values.at(r2.outputs[0]).shape != x) return false;
  if (s[0] != x[0] || s[1] * s[2] != x[1] || s[3] != x[2] || s[4] != x[3]) return false;
  // Output channel j * g + i (t's [N, C/g, g, H, W]) is input channel i * (C/g) + j.
  const size_t groups = static_cast<size_t>(s[1]), per = static_cast<size_t>(s[2]);
  op->groups = groups;
  op->perm.resize(groups * per);
  for (size_t c = 0; c < op->perm.size(); ++c) op->perm[c] = static_cast<uint32_t>((c % groups) * per + c / groups);
  return true;
}

constexpr const char* kShuffled = " + Transpose + Reshape";  // after r1's label

// fp32: r1 → t → r2, each the sole consumer of the one before.
bool LowerShuffleFloat(Lowering& l, const Node& r1) {
  const Graph& g = l.Imported();
  size_t t = 0, r2 = 0;
  auto op = l.New<ChannelPermuteOp>(r1);
  if (!l.SoleConsumer(r1.outputs[0], &t) || !l.SoleConsumer(g.nodes[t].outputs[0], &r2) ||
      !ShufflePerm(g, r1, g.nodes[t], g.nodes[r2], op.get()))
    return false;
  op->label += kShuffled;
  op->in = {l.Act(r1, 0)};
  op->out = l.Get(g.nodes[r2].outputs[0]);
  l.Emit(std::move(op));
  l.Claim(t);
  l.Claim(r2);
  return true;
}

void LowerFloat(Lowering& l, const Node& n) {
  if (n.op == "Reshape" && LowerShuffleFloat(l, n)) return;
  auto op = l.New<ReshapeOp>(n);
  op->in = {l.Act(n, 0)};
  l.Emit(std::move(op));
}

// n's int8 QDQ pattern as a byte move: same params in and out, no Relu/Clip before the Q.
bool MatchByteMove(Lowering& l, const Node& n, Int8Match* m) {
  return l.MatchInt8(n, 1, m) && m->SameParams() && m->Unclamped();
}

// The node after n's int8 pattern: n → Q → DQ → next, each the sole consumer of the one before; *dq is the DQ.
bool NextAfterQdq(const Lowering& l, const Int8Match& m, size_t* dq, size_t* next) {
  const Graph& g = l.Imported();
  return l.SoleConsumer(g.nodes[m.qIndex].outputs[0], dq) && g.nodes[*dq].op == "DequantizeLinear" &&
         l.SoleConsumer(g.nodes[*dq].outputs[0], next);
}

// int8: the channel shuffle with a QuantizeLinear → DequantizeLinear of one params between its nodes; else a Reshape
// of the bytes (same params in and out, no Relu/Clip before the Q).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!MatchByteMove(l, n, &m)) return false;
  const Graph& g = l.Imported();
  Int8Match mt, mr;
  size_t dq1 = 0, t = 0, dq2 = 0, r2 = 0;
  auto op = std::make_unique<ChannelPermuteOp>();
  if (n.op == "Reshape" && NextAfterQdq(l, m, &dq1, &t) && MatchByteMove(l, g.nodes[t], &mt) &&
      NextAfterQdq(l, mt, &dq2, &r2) && MatchByteMove(l, g.nodes[r2], &mr) && mt.ins[0]->scale == m.outScale &&
      mt.ins[0]->zeroPoint == m.outZeroPoint && mr.ins[0]->scale == mt.outScale &&
      mr.ins[0]->zeroPoint == mt.outZeroPoint && ShufflePerm(g, n, g.nodes[t], g.nodes[r2], op.get())) {
    Int8Match all = mr;  // in: n's input; out: r2's QuantizeLinear
    all.ins = m.ins;
    for (const Int8Match* part : {&m, &mt})
      all.absorbed.insert(all.absorbed.end(), part->absorbed.begin(), part->absorbed.end());
    all.absorbed.insert(all.absorbed.end(), {dq1, t, dq2, r2});
    ChannelPermuteOp* raw = op.get();
    l.EmitInt8(std::move(op), n, all);
    raw->label += kShuffled;
    return true;
  }
  l.EmitInt8(std::make_unique<ReshapeOp>(), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Reshape() {
  static const OpDef kDef{InferReshape, LowerFloat, LowerInt8};
  return kDef;
}
const OpDef& Flatten() {
  static const OpDef kDef{InferFlatten, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
