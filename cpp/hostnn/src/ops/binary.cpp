// ONNX Add and Mul (float, broadcasting): one family, they differ only in the XNNPACK node and the int8 path. A float
// Mul by a gate of its other input (x * HardSigmoid(x), x * Sigmoid(x)) or the squeeze-excite Mul of x [N, C, H, W]
// by a per-channel gate [N|1, C, 1, 1] runs in one pass of our kernel (elementwise.h) instead of XNNPACK nodes.
#include "ops/gate.h"

#include <algorithm>
#include <memory>

#include "elementwise.h"
#include "kernels.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const ValueInfo& a = c.In(0);
  const ValueInfo& b = c.In(1);
  c.RequireFloat(a, "A");
  c.RequireFloat(b, "B");
  c.Out(0, DType::F32, c.Broadcast(a.shape, b.shape));
}

// Broadcast operand shape (logical, padded to rank r) in the physical layout of an NHWC output.
Shape OperandPhysical(const Shape& s, size_t rank, bool nhwc) {
  Shape p(rank - std::min(rank, s.size()), 1);
  p.insert(p.end(), s.begin(), s.end());
  if (nhwc && rank == 4) p = {p[0], p[2], p[3], p[1]};
  return p;
}

class BinaryOp : public Op {
 public:
  bool mul = false;  // Mul, else Add
  // A constant operand (logical layout), broadcast against in[0]; else in[1] is the second input.
  bool hasOperand = false;
  std::vector<float> operand;
  Shape operandShape;

  bool InXnn() const override { return !mul || !int8; }

  void Define(XnnDefiner& d) const override {
    uint32_t xid = d.Id(in[0]), yid = d.Id(out);
    uint32_t b = 0;
    size_t rank = out->shape.size();
    auto inDimsOk = [&](Value* v) {
      // XNNPACK broadcasts the physical dims it is given, right-aligned: that is ONNX's broadcast only when
      // the activation and the output have the same layout (both NHWC, or both in ONNX order) or the
      // activation is one element. Otherwise its result shape differs from the output's and it writes past
      // the output buffer (fuzz_onnx_graph: x[4] + constant[1,1,8,4] computed [1,8,4,4] into [1,8,4,1]).
      return v->nhwc == out->nhwc || v->Elements() == 1;
    };
    for (Value* v : in)
      if (!inDimsOk(v)) throw Error(OH_NN_UNSUPPORTED, "unsupported broadcast in " + label);
    if (hasOperand) {
      Shape lp = OperandPhysical(operandShape, rank, false);
      Shape pp = OperandPhysical(operandShape, rank, out->nhwc);
      std::vector<float> data = operand;
      if (out->nhwc && rank == 4) {  // permute the constant NCHW → NHWC
        for (size_t n = 0; n < static_cast<size_t>(lp[0]); ++n)
          for (size_t c = 0; c < static_cast<size_t>(lp[1]); ++c)
            for (size_t h = 0; h < static_cast<size_t>(lp[2]); ++h)
              for (size_t w = 0; w < static_cast<size_t>(lp[3]); ++w)
                data[((n * lp[2] + h) * lp[3] + w) * lp[1] + c] = operand[((n * lp[1] + c) * lp[2] + h) * lp[3] + w];
      }
      b = d.StaticF(data, ToSizes(pp));
    } else {
      b = d.Id(in[1]);
    }
    if (mul)
      XnnCheck(xnn_define_multiply2(d.sg, outMin, outMax, xid, b, yid, 0), label);
    else
      XnnCheck(xnn_define_add2(d.sg, outMin, outMax, xid, b, yid, 0), label);
  }
};

// y = x * f(x) over x's elements (f: the gate op that produced the Mul's other input).
class SelfGatedMulOp : public Op {
 public:
  elementwise::Gate gate;
  F32Isa isa = F32Isa::kScalar;
  std::string Variant(Int8Isa, F32Isa) const override { return F32IsaLabel(isa); }
  std::function<void()> Kernel(const KernelContext& k) const override {
    return [x = in[0], y = out, f = gate, lo = outMin, hi = outMax, isa = isa, pool = k.pool] {
      elementwise::SelfGated(f, reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()),
                             y->Elements(), lo, hi, isa, pool);
    };
  }
};

// Squeeze-excite: y = x * f(g) (or x * g) with x [N, C, H, W] (stored NHWC) and g [N|1, C, 1, 1] (in[1]; f's input
// when the gate op is fused).
class ChannelScaleOp : public Op {
 public:
  bool hasGate = false;
  elementwise::Gate gate;
  F32Isa isa = F32Isa::kScalar;
  std::string Variant(Int8Isa, F32Isa) const override { return F32IsaLabel(isa); }
  std::function<void()> Kernel(const KernelContext& k) const override {
    Value* x = in[0];
    Value* g = in[1];
    // f(g) per run into this buffer (no allocation per run).
    auto scratch = std::make_shared<std::vector<float>>(hasGate ? g->Elements() : 0);
    return [x, g, y = out, f = gate, gated = hasGate, scratch, lo = outMin, hi = outMax, isa = isa, pool = k.pool] {
      const auto images = static_cast<size_t>(x->shape[0]), channels = static_cast<size_t>(x->shape[1]);
      elementwise::ChannelScale(reinterpret_cast<const float*>(x->data()), reinterpret_cast<const float*>(g->data()),
                                g->shape[0] != 1, gated ? &f : nullptr, scratch->data(),
                                reinterpret_cast<float*>(y->data()), images, x->Elements() / images / channels,
                                channels, lo, hi, isa, pool);
    };
  }
};

// Mul(a, b) of two float activations as one of the kernels above; false (nothing emitted) when it is neither form.
bool LowerGatedMul(Lowering& l, const Node& n, Value* a, Value* b) {
  Value* y = l.Get(n.outputs[0]);
  const std::string label = n.op + " '" + n.name + "'";
  const F32Isa gatedIsa = SelectF32Isa();           // SelfGated has an AVX-512 variant
  const F32Isa isa = F32IsaCappedAtAvx2(gatedIsa);  // ChannelScale has not
  for (Value* x : {a, b}) {
    Value* other = x == a ? b : a;
    if (x->shape != y->shape || x->nhwc != y->nhwc) continue;
    auto* f = dynamic_cast<GateOp*>(l.ProducerOp(other));
    if (other->shape == x->shape && f && !f->int8 && f->in[0] == x) {
      if (!elementwise::SelfGatedFast(f->gate, gatedIsa)) return false;  // f's node and the Mul stay in XNNPACK
      auto op = std::make_unique<SelfGatedMulOp>();
      op->label = label + " (x * " + f->GateName() + "(x))";
      op->gate = f->gate;
      op->isa = gatedIsa;
      op->in = {x};
      op->out = y;
      l.Emit(std::move(op));
      return true;
    }
    const Shape& gs = other->shape;
    const Shape& ys = y->shape;
    if (ys.size() == 4 && x->nhwc && gs.size() == 4 && gs[1] == ys[1] && gs[2] == 1 && gs[3] == 1 &&
        (gs[0] == 1 || gs[0] == ys[0])) {  // [N|1, C, 1, 1]: stored in ONNX order
      auto op = std::make_unique<ChannelScaleOp>();
      op->hasGate = f && !f->int8;
      op->label = label + (op->hasGate ? std::string(" (x * ") + f->GateName() + "(gate) per channel)"
                                       : std::string(" (x * gate per channel)"));
      if (op->hasGate) op->gate = f->gate;
      op->isa = isa;
      op->in = {x, op->hasGate ? f->in[0] : other};
      op->out = y;
      l.Emit(std::move(op));
      return true;
    }
  }
  return false;
}

// Add(a, b) where one input is the output of an op that takes the other as a residual (Op::FuseResidual: a
// convolution adding it to its results) and is this Add's only; the op then writes the Add's output (and takes a
// clamp after the Add). The residual must be computed before that op runs. False (nothing changed) otherwise.
bool LowerResidualAdd(Lowering& l, const Node& n, Value* a, Value* b) {
  Value* y = l.Get(n.outputs[0]);
  auto position = [&](const Op* op) {
    size_t i = 0;
    while (i < l.ops.size() && l.ops[i].get() != op) ++i;
    return i;
  };
  for (size_t i = 0; i < 2; ++i) {
    Value* x = i == 0 ? a : b;
    Value* residual = i == 0 ? b : a;
    size_t consumer = 0;
    if (x == residual || x->shape != y->shape || x->nhwc != y->nhwc || !l.SoleConsumer(n.inputs[i], &consumer))
      continue;
    Op* op = l.ProducerOp(x);
    const Op* earlier = l.ProducerOp(residual);  // null: a graph input
    if (!op || (earlier && position(earlier) > position(op)) || !op->FuseResidual(residual)) continue;
    op->out = y;
    l.FuseClamp(n, op);
    return true;
  }
  return false;
}

void LowerFloat(Lowering& l, const Node& n, bool mul) {
  auto op = l.New<BinaryOp>(n);
  op->mul = mul;
  bool c0 = l.IsFloatConst(n.inputs[0]), c1 = l.IsFloatConst(n.inputs[1]);
  if (c0 && c1) l.Unsup(n, "both inputs are constants");
  if (c0 || c1) {
    op->in = {l.Act(n, c0 ? 1 : 0)};
    if (!l.FloatConst(n.inputs[c0 ? 0 : 1], &op->operand, &op->operandShape)) l.Unsup(n, "constant operand");
    op->hasOperand = true;
  } else {
    op->in = {l.Act(n, 0), l.Act(n, 1)};
    if (mul && LowerGatedMul(l, n, op->in[0], op->in[1])) return;
    if (!mul && LowerResidualAdd(l, n, op->in[0], op->in[1])) return;
  }
  if (!mul) l.FuseClamp(n, op.get());
  l.Emit(std::move(op));
}
void LowerFloatAdd(Lowering& l, const Node& n) { LowerFloat(l, n, false); }
void LowerFloatMul(Lowering& l, const Node& n) { LowerFloat(l, n, true); }

// int8 Add of two activations (XNNPACK requantizes: input and output params may differ).
bool LowerInt8Add(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 2, &m)) return false;
  l.EmitInt8(std::make_unique<BinaryOp>(), n, m);
  return true;
}

// int8 Mul of two activations, y = Q(clamp(DQ(a) * DQ(b))): the float path's operations in its order (the
// DequantizeLinear kernel's (q - zp) * scale, one float multiply, XNNPACK's clamp, the QuantizeLinear kernel), so
// the same bits. b has a's shape and layout, or is one value, or is a [N|1, C, 1, 1] gate of NHWC a
// (squeeze-excite).
class Int8MulOp : public Op {
 public:
  enum class Operand { kSame, kScalar, kChannel } operand = Operand::kSame;

  std::function<void()> Kernel(const KernelContext&) const override {
    Value* a = in[0];
    Value* b = in[1];
    Value* y = out;
    const Operand kind = operand;
    const float lo = outMin, hi = outMax;
    // The gate dequantized once per run into this buffer (no allocation per run).
    auto gate = std::make_shared<std::vector<float>>(kind == Operand::kSame ? 0 : b->Elements());
    return [a, b, y, kind, lo, hi, gate] {
      const auto* pa = reinterpret_cast<const int8_t*>(a->data());
      const auto* pb = reinterpret_cast<const int8_t*>(b->data());
      auto* py = reinterpret_cast<int8_t*>(y->data());
      const size_t n = y->Elements();
      // Locals: the int8 stores may alias the params as far as the compiler knows.
      const int32_t za = a->zeroPoint, zb = b->zeroPoint, zy = y->zeroPoint;
      const float sa = a->scale, sb = b->scale, sy = y->scale;
      if (kind == Operand::kSame) {
        for (size_t off = 0; off < n; off += kChunk) {
          const size_t len = std::min(kChunk, n - off);
          float p[kChunk];
          for (size_t i = 0; i < len; ++i)
            p[i] =
                Clamp(static_cast<float>(pa[off + i] - za) * sa * (static_cast<float>(pb[off + i] - zb) * sb), lo, hi);
          kernels::Quantize(p, py + off, len, sy, zy, true);
        }
        return;
      }
      float* g = gate->data();
      kernels::Dequantize(pb, DType::I8, g, gate->size(), sb, zb);
      // A row of elements against the gate values gr (or all against gr[0]).
      auto row = [&](size_t begin, size_t len, const float* gr, bool one) {
        for (size_t off = 0; off < len; off += kChunk) {
          const size_t m = std::min(kChunk, len - off);
          const int8_t* pr = pa + begin + off;
          float p[kChunk];
          if (one)
            for (size_t i = 0; i < m; ++i) p[i] = Clamp(static_cast<float>(pr[i] - za) * sa * gr[0], lo, hi);
          else
            for (size_t i = 0; i < m; ++i) p[i] = Clamp(static_cast<float>(pr[i] - za) * sa * gr[off + i], lo, hi);
          kernels::Quantize(p, py + begin + off, m, sy, zy, true);
        }
      };
      if (kind == Operand::kScalar) {
        row(0, n, g, true);
        return;
      }
      // NHWC: per image, its pixels' rows of C channels against the image's gate.
      const size_t images = static_cast<size_t>(a->shape[0]), channels = static_cast<size_t>(a->shape[1]);
      const size_t pixels = n / images / channels;
      for (size_t img = 0; img < images; ++img) {
        const float* gr = g + (gate->size() == channels ? 0 : img * channels);
        for (size_t px = 0; px < pixels; ++px) row((img * pixels + px) * channels, channels, gr, false);
      }
    };
  }

 private:
  static constexpr size_t kChunk = 256;
  // XNNPACK's output clamp (max then min; NaN becomes lo).
  static float Clamp(float v, float lo, float hi) {
    v = v > lo ? v : lo;
    return v < hi ? v : hi;
  }
};

// int8 Mul. x · f(x) where f(x) is an int8 table op of the same x (SiLU = x · Sigmoid(x), HardSwish as
// x · HardSigmoid(x), the forms quantize.py emits): one table of x (the float path's DQ(x) * DQ(f(x)) → Q per
// value), and f's own table op is left to dead-op elimination when nothing else reads f(x). Otherwise Int8MulOp
// when the shapes are one it handles; else the float path.
bool LowerInt8Mul(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 2, &m)) return false;
  Value* a = m.ins[0];
  Value* b = m.ins[1];
  for (int k = 0; k < 2; ++k) {
    Value* x = k == 0 ? a : b;
    Value* fx = k == 0 ? b : a;
    auto* f = dynamic_cast<Int8TableOp*>(l.ProducerOp(fx));
    if (!f || f->in[0] != x) continue;
    const std::array<float, 256> xs = DequantizedTableInputs(*x);
    std::array<float, 256> fxs{};
    kernels::Dequantize(f->table.data(), DType::I8, fxs.data(), fxs.size(), fx->scale, fx->zeroPoint);
    std::array<float, 256> p{};
    for (size_t i = 0; i < p.size(); ++i) p[i] = k == 0 ? xs[i] * fxs[i] : fxs[i] * xs[i];
    auto op = std::make_unique<Int8TableOp>();
    op->table = QuantizedTable(p, m.lo, m.hi, m.outScale, m.outZeroPoint);
    Int8TableOp* raw = op.get();
    l.EmitInt8(std::move(op), n, m);
    raw->in = {x};
    raw->what = raw->label;
    raw->label += " (table: x * " + f->what + ")";
    return true;
  }
  auto op = std::make_unique<Int8MulOp>();
  const Shape& ys = l.Imported().values.at(n.outputs[0]).shape;
  Value* big = a->shape == ys ? a : b;
  Value* other = big == a ? b : a;
  const bool sameLayout = big->nhwc == other->nhwc;
  if (big->shape != ys) return false;
  if (other->shape == ys && sameLayout) {
    op->operand = Int8MulOp::Operand::kSame;
  } else if (other->Elements() == 1) {
    op->operand = Int8MulOp::Operand::kScalar;
  } else if (ys.size() == 4 && big->nhwc && other->shape.size() == 4 && other->shape[1] == ys[1] &&
             other->shape[2] == 1 && other->shape[3] == 1 && (other->shape[0] == 1 || other->shape[0] == ys[0])) {
    op->operand = Int8MulOp::Operand::kChannel;  // [N|1, C, 1, 1]: stored in ONNX order
  } else {
    return false;
  }
  Int8MulOp* raw = op.get();
  l.EmitInt8(std::move(op), n, m);
  raw->in = {big, other};
  return true;
}

}  // namespace

namespace ops {
const OpDef& Add() {
  static const OpDef kDef{Infer, LowerFloatAdd, LowerInt8Add};
  return kDef;
}
const OpDef& Mul() {
  static const OpDef kDef{Infer, LowerFloatMul, LowerInt8Mul};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
