// ONNX Add and Mul (float, broadcasting): one family, they differ only in the XNNPACK node and the int8 path.
#include "ops/op.h"

#include <algorithm>
#include <memory>

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

}  // namespace

namespace ops {
const OpDef& Add() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    d.lowerFloat = LowerFloatAdd;
    d.lowerInt8 = LowerInt8Add;
    return d;
  }();
  return kDef;
}
const OpDef& Mul() {
  static const OpDef kDef = [] {
    OpDef d;
    d.infer = Infer;
    d.lowerFloat = LowerFloatMul;
    return d;
  }();
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
