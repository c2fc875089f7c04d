#include "plan.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "kernels.h"
#include "qconv_int8.h"

namespace hostnn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kActivationLimit = size_t{2} << 30;  // all tensors of one model

// A tensor of the lowered graph. 4-D activations are stored NHWC ("nhwc"); everything else in ONNX order.
struct Value {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;  // ONNX (logical) shape
  bool nhwc = false;
  bool quantized = false;  // int8 activation with per-tensor params (scale, zero_point)
  float scale = 1.f;
  int32_t zeroPoint = 0;
  std::vector<uint8_t> storage;  // materialized buffer (+ XNN_EXTRA_BYTES slack)
  uint8_t* data() { return storage.data(); }
  size_t Elements() const { return static_cast<size_t>(NumElements(shape)); }
  size_t Bytes() const { return Elements() * ElementSize(dtype); }
  Shape Physical() const { return nhwc ? Shape{shape[0], shape[2], shape[3], shape[1]} : shape; }
};

enum class Kind {
  Conv,
  FC,
  Add,
  Mul,
  Clamp,
  Sigmoid,
  HardSwish,
  MaxPool,
  AvgPool,
  GAP,
  Reshape,
  Concat,
  Softmax,
  Quantize,
  Dequantize,
  Copy
};

// One lowered operation (one ONNX node, or a fused DQ→op→(Relu|Clip)→Q pattern when int8).
struct Op {
  Kind kind;
  std::string label;  // "Conv 'name'"
  std::vector<Value*> in;
  Value* out = nullptr;
  bool int8 = false;
  // Conv / pooling geometry (2-D): pads top,left,bottom,right.
  int64_t pads[4] = {0, 0, 0, 0}, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, groups = 1;
  // Weights: fp32 in ONNX layout (Conv OIHW, FC [N,K]), or int8 + per-output-channel scales.
  std::vector<float> wf, biasF;
  std::vector<int8_t> wq;
  std::vector<float> wScale;
  std::vector<int32_t> biasQ;
  Shape wshape;
  // Constant operand of Add/Mul (logical layout), broadcast against in[0].
  std::vector<float> operand;
  Shape operandShape;
  bool hasOperand = false;
  float outMin = -kInf, outMax = kInf;
  int64_t axis = 0;  // Concat / Softmax (logical)
  bool softmaxLegacy = false;
  float qScale = 1.f;  // Quantize / Dequantize params
  int32_t qZeroPoint = 0;
};

bool SameOrder(const Value* v) { return !v->nhwc || v->shape[1] == 1 || v->shape[2] * v->shape[3] == 1; }

// ---------------------------------------------------------------------------------------------------------
// Lowering: ONNX nodes → Ops, recognising the int8 QDQ contract.

class Lowering {
 public:
  explicit Lowering(const Graph& g) : g_(g) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& o : g.nodes[i].outputs) producer_[o] = i;
      for (const auto& in : g.nodes[i].inputs)
        if (!in.empty()) consumers_[in].push_back(i);
    }
    for (const auto& o : g.outputs) graphOutputs_.insert(o);
  }

  std::vector<std::unique_ptr<Value>> values;
  std::vector<Op> ops;
  std::vector<Value*> inputValues, outputValues;

  void Run() {
    for (const auto& in : g_.inputs) inputValues.push_back(Get(in));
    claimed_.assign(g_.nodes.size(), false);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (claimed_[i]) continue;
      const Node& n = g_.nodes[i];
      if (!TryInt8(i)) LowerFloat(n);
    }
    for (const auto& o : g_.outputs) outputValues.push_back(Get(o));
    EliminateDead();
  }

 private:
  const Graph& g_;
  std::map<std::string, size_t> producer_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graphOutputs_;
  std::map<std::string, Value*> byName_;
  std::vector<bool> claimed_;

  [[noreturn]] void Unsup(const Node& n, const std::string& msg) {
    throw Error(OH_NN_UNSUPPORTED, "unsupported " + n.op + " " + n.Where() + ": " + msg);
  }

  Value* Get(const std::string& name) {
    auto it = byName_.find(name);
    if (it != byName_.end()) return it->second;
    const ValueInfo& vi = g_.values.at(name);
    auto v = std::make_unique<Value>();
    v->name = name;
    v->dtype = vi.dtype;
    v->shape = vi.shape;
    v->nhwc = vi.shape.size() == 4;
    Value* p = v.get();
    values.push_back(std::move(v));
    byName_[name] = p;
    return p;
  }

  const Node* Producer(const std::string& name) const {
    auto it = producer_.find(name);
    return it == producer_.end() ? nullptr : &g_.nodes[it->second];
  }
  size_t ConsumerCount(const std::string& name) const {
    auto it = consumers_.find(name);
    return (it == consumers_.end() ? 0 : it->second.size()) + graphOutputs_.count(name);
  }

  // Scalar float constant (Clip bounds, quant scales).
  float ScalarF(const std::string& name) const { return g_.GetConst(name).AsFloat().at(0); }
  int32_t ScalarZp(const Node& n, size_t idx) const {
    if (idx >= n.inputs.size() || n.inputs[idx].empty()) return 0;
    return static_cast<int32_t>(g_.GetConst(n.inputs[idx]).AsInt64().at(0));
  }

  // A constant as float: a float initializer, or DequantizeLinear of an integer initializer (folded).
  bool FloatConst(const std::string& name, std::vector<float>* out, Shape* shape) const {
    if (g_.IsConst(name)) {
      const Const& c = g_.GetConst(name);
      if (c.dtype != DType::F32) return false;
      *out = c.AsFloat();
      *shape = c.shape;
      return true;
    }
    const Node* p = Producer(name);
    if (!p || p->op != "DequantizeLinear" || !g_.IsConst(p->inputs[0])) return false;
    const Const& q = g_.GetConst(p->inputs[0]);
    std::vector<float> scales = g_.GetConst(p->inputs[1]).AsFloat();
    std::vector<int64_t> zps(scales.size(), 0);
    if (p->inputs.size() > 2 && !p->inputs[2].empty()) zps = g_.GetConst(p->inputs[2]).AsInt64();
    std::vector<int64_t> qv = q.AsInt64();
    size_t axis = 0, inner = 1;
    if (scales.size() > 1) {
      int64_t a = p->Int("axis", 1);
      axis = static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(q.shape.size()) : a);
      for (size_t d = axis + 1; d < q.shape.size(); ++d) inner *= static_cast<size_t>(q.shape[d]);
    }
    out->resize(qv.size());
    for (size_t i = 0; i < qv.size(); ++i) {
      size_t c = scales.size() > 1 ? (i / inner) % scales.size() : 0;
      (*out)[i] = static_cast<float>(qv[i] - zps[c]) * scales[c];
    }
    *shape = q.shape;
    return true;
  }

  // ---- int8 QDQ pattern matching -------------------------------------------------------------------
  // in → DequantizeLinear(per-tensor, int8 activation); returns the int8 value with its params set.
  Value* ActDQ(const std::string& name) {
    const Node* p = Producer(name);
    if (!p || p->op != "DequantizeLinear" || g_.IsConst(p->inputs[0])) return nullptr;
    if (g_.values.at(p->inputs[0]).dtype != DType::I8) return nullptr;
    if (NumElements(g_.GetConst(p->inputs[1]).shape) != 1) return nullptr;
    float s = ScalarF(p->inputs[1]);
    int32_t z = ScalarZp(*p, 2);
    Value* v = Get(p->inputs[0]);
    if (!v->quantized) {
      v->quantized = true;
      v->scale = s;
      v->zeroPoint = z;
    } else if (v->scale != s || v->zeroPoint != z) {
      return nullptr;  // consumers disagree on the params: keep the float path
    }
    return v;
  }
  // (name) → consumed only by [Relu|Clip] → QuantizeLinear(int8). Returns the Q node index and the clamp.
  bool OutQ(const std::string& name, size_t* qIndex, std::vector<size_t>* absorbed, float* lo, float* hi) {
    if (ConsumerCount(name) != 1 || graphOutputs_.count(name)) return false;
    size_t c = consumers_.at(name)[0];
    const Node* cn = &g_.nodes[c];
    *lo = -kInf;
    *hi = kInf;
    if (cn->op == "Relu" || cn->op == "Clip") {
      if (cn->op == "Relu") {
        *lo = 0.f;
      } else {
        if (cn->inputs.size() > 1 && !cn->inputs[1].empty()) *lo = ScalarF(cn->inputs[1]);
        if (cn->inputs.size() > 2 && !cn->inputs[2].empty()) *hi = ScalarF(cn->inputs[2]);
      }
      const std::string& o = cn->outputs[0];
      if (ConsumerCount(o) != 1 || graphOutputs_.count(o)) return false;
      absorbed->push_back(c);
      c = consumers_.at(o)[0];
      cn = &g_.nodes[c];
    }
    if (cn->op != "QuantizeLinear" || g_.values.at(cn->outputs[0]).dtype != DType::I8) return false;
    *qIndex = c;
    absorbed->push_back(c);
    return true;
  }
  Value* QOutValue(size_t qIndex) {
    const Node& q = g_.nodes[qIndex];
    Value* v = Get(q.outputs[0]);
    v->quantized = true;
    v->scale = ScalarF(q.inputs[1]);
    v->zeroPoint = ScalarZp(q, 2);
    return v;
  }
  // DequantizeLinear of an int8 constant with zero zero-points; per-tensor or per-axis on `axis`.
  bool WeightDQ(const std::string& name, int64_t wantAxis, Op* op) {
    const Node* p = Producer(name);
    if (!p || p->op != "DequantizeLinear" || !g_.IsConst(p->inputs[0])) return false;
    const Const& q = g_.GetConst(p->inputs[0]);
    if (q.dtype != DType::I8) return false;
    std::vector<float> s = g_.GetConst(p->inputs[1]).AsFloat();
    if (p->inputs.size() > 2 && !p->inputs[2].empty())
      for (int64_t z : g_.GetConst(p->inputs[2]).AsInt64())
        if (z != 0) return false;
    int64_t oc = q.shape.empty() ? 1 : q.shape[0];
    if (s.size() > 1) {
      int64_t a = p->Int("axis", 1);
      if (a < 0) a += static_cast<int64_t>(q.shape.size());
      if (a != wantAxis || static_cast<int64_t>(s.size()) != oc) return false;
    } else {
      s.assign(static_cast<size_t>(oc), s[0]);
    }
    op->wq.assign(q.data<int8_t>(), q.data<int8_t>() + q.bytes.size());
    op->wScale = s;
    op->wshape = q.shape;
    return true;
  }
  // DequantizeLinear of an int32 constant, zp 0, scale = x_scale * w_scale[c].
  bool BiasDQ(const std::string& name, float xScale, Op* op) {
    const Node* p = Producer(name);
    if (!p || p->op != "DequantizeLinear" || !g_.IsConst(p->inputs[0])) return false;
    const Const& b = g_.GetConst(p->inputs[0]);
    if (b.dtype != DType::I32 || static_cast<size_t>(NumElements(b.shape)) != op->wScale.size()) return false;
    std::vector<float> s = g_.GetConst(p->inputs[1]).AsFloat();
    if (p->inputs.size() > 2 && !p->inputs[2].empty())
      for (int64_t z : g_.GetConst(p->inputs[2]).AsInt64())
        if (z != 0) return false;
    for (size_t c = 0; c < op->wScale.size(); ++c) {
      float want = xScale * op->wScale[c], have = s.size() > 1 ? s[c] : s[0];
      if (std::fabs(have - want) > 1e-5f * std::fabs(want)) return false;
    }
    op->biasQ.assign(b.data<int32_t>(), b.data<int32_t>() + op->wScale.size());
    return true;
  }

  void Claim(const std::vector<size_t>& idx) {
    for (size_t i : idx) claimed_[i] = true;
  }

  void ConvGeometry(const Node& n, const Shape& x, int64_t kh, int64_t kw, bool ceilMode, Op* op) {
    int64_t sh = n.Ints("strides", {1, 1})[0], sw = n.Ints("strides", {1, 1})[1];
    auto dil = n.Ints("dilations", {1, 1});
    auto pads = n.Ints("pads", {0, 0, 0, 0});
    std::string ap = n.Str("auto_pad", "NOTSET");
    int64_t ks[2] = {kh, kw}, st[2] = {sh, sw}, in[2] = {x[2], x[3]};
    for (int i = 0; i < 2; ++i) {
      int64_t ek = (ks[i] - 1) * dil[i] + 1;
      int64_t begin = pads[i], end = pads[i + 2];
      if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
        int64_t out = (in[i] + st[i] - 1) / st[i];
        int64_t total = std::max<int64_t>(0, (out - 1) * st[i] + ek - in[i]);
        begin = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
        end = total - begin;
      } else if (ap == "VALID") {
        begin = end = 0;
      }
      op->pads[i] = begin;
      op->pads[i + 2] = end;
    }
    op->kh = kh;
    op->kw = kw;
    op->sh = sh;
    op->sw = sw;
    op->dh = dil[0];
    op->dw = dil[1];
    if (ceilMode) {  // extend the end padding so floor-mode arithmetic gives the ceil-mode size
      const Shape& y = g_.values.at(n.outputs[0]).shape;
      for (int i = 0; i < 2; ++i) {
        int64_t ek = (ks[i] - 1) * dil[i] + 1;
        int64_t need = (y[2 + i] - 1) * st[i] + ek - (in[i] + op->pads[i] + op->pads[i + 2]);
        if (need > 0) op->pads[i + 2] += need;
      }
    }
  }

  bool TryInt8(size_t idx) {
    const Node& n = g_.nodes[idx];
    const std::string& opT = n.op;
    static const std::set<std::string> kInt8Ops = {"Conv",    "Gemm",   "Add",     "GlobalAveragePool",
                                                   "MaxPool", "Relu",   "Clip",    "Reshape",
                                                   "Flatten", "Concat", "Identity"};
    if (!kInt8Ops.count(opT)) return false;
    size_t qIndex;
    std::vector<size_t> absorbed;
    float lo, hi;
    // Relu/Clip themselves are handled as "clamp" ops; otherwise they may be fused as the output clamp.
    bool unaryClamp = opT == "Relu" || opT == "Clip";
    if (unaryClamp) {
      if (ConsumerCount(n.outputs[0]) != 1 || graphOutputs_.count(n.outputs[0])) return false;
      size_t c = consumers_.at(n.outputs[0])[0];
      if (g_.nodes[c].op != "QuantizeLinear" || g_.values.at(g_.nodes[c].outputs[0]).dtype != DType::I8) return false;
      qIndex = c;
      absorbed.push_back(c);
      lo = -kInf;
      hi = kInf;
      if (opT == "Relu") lo = 0.f;
      if (opT == "Clip" && n.inputs.size() > 1 && !n.inputs[1].empty()) lo = ScalarF(n.inputs[1]);
      if (opT == "Clip" && n.inputs.size() > 2 && !n.inputs[2].empty()) hi = ScalarF(n.inputs[2]);
    } else if (!OutQ(n.outputs[0], &qIndex, &absorbed, &lo, &hi)) {
      return false;
    }
    std::vector<Value*> ins;
    size_t actInputs = opT == "Add" ? 2 : opT == "Concat" ? n.inputs.size() : 1;
    for (size_t i = 0; i < actInputs; ++i) {
      Value* v = ActDQ(n.inputs[i]);
      if (!v) return false;
      ins.push_back(v);
    }
    Op op;
    op.int8 = true;
    op.label = n.op + " '" + n.name + "'";
    op.outMin = lo;
    op.outMax = hi;
    const Node& qn = g_.nodes[qIndex];
    float outScale = ScalarF(qn.inputs[1]);
    int32_t outZp = ScalarZp(qn, 2);
    bool sameParams = ins[0]->scale == outScale && ins[0]->zeroPoint == outZp;
    if (opT == "Conv") {
      op.kind = Kind::Conv;
      if (!WeightDQ(n.inputs[1], 0, &op)) return false;
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!BiasDQ(n.inputs[2], ins[0]->scale, &op)) return false;
      } else {
        op.biasQ.assign(op.wScale.size(), 0);
      }
      op.groups = n.Int("group", 1);
      ConvGeometry(n, ins[0]->shape, op.wshape[2], op.wshape[3], false, &op);
    } else if (opT == "Gemm") {
      op.kind = Kind::FC;
      if (n.Int("transB", 0) != 1 || n.Float("alpha", 1.f) != 1.f || n.Float("beta", 1.f) != 1.f) return false;
      if (!WeightDQ(n.inputs[1], 0, &op)) return false;
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!BiasDQ(n.inputs[2], ins[0]->scale, &op)) return false;
      } else {
        op.biasQ.assign(op.wScale.size(), 0);
      }
    } else if (opT == "Add") {
      op.kind = Kind::Add;
    } else if (opT == "GlobalAveragePool") {
      op.kind = Kind::GAP;
    } else if (opT == "MaxPool") {
      if (!sameParams) return false;
      op.kind = Kind::MaxPool;
      auto k = n.Ints("kernel_shape", {});
      if (n.Ints("dilations", {1, 1}) != std::vector<int64_t>{1, 1} && k[0] * k[1] == 1) return false;
      ConvGeometry(n, ins[0]->shape, k[0], k[1], n.Int("ceil_mode", 0) != 0, &op);
    } else if (unaryClamp) {
      if (!sameParams) return false;
      op.kind = Kind::Clamp;
    } else if (opT == "Reshape" || opT == "Flatten") {
      if (!sameParams) return false;
      op.kind = Kind::Reshape;
    } else if (opT == "Identity") {
      if (!sameParams) return false;
      op.kind = Kind::Copy;
    } else if (opT == "Concat") {
      for (Value* v : ins)
        if (v->scale != outScale || v->zeroPoint != outZp) return false;
      op.kind = Kind::Concat;
      op.axis = n.Int("axis", 0);
      if (op.axis < 0) op.axis += static_cast<int64_t>(ins[0]->shape.size());
    }
    op.in = ins;
    op.out = QOutValue(qIndex);
    ops.push_back(std::move(op));
    Claim(absorbed);
    return true;
  }

  // ---- fp32 lowering ---------------------------------------------------------------------------------
  void LowerFloat(const Node& n) {
    Op op;
    op.label = n.op + " '" + n.name + "'";
    op.out = Get(n.outputs[0]);
    auto act = [&](size_t i) {
      const std::string& name = n.inputs[i];
      if (g_.IsConst(name)) Unsup(n, "input '" + name + "' is a constant; a computed tensor is expected");
      return Get(name);
    };
    const std::string& t = n.op;
    if (t == "Conv") {
      op.kind = Kind::Conv;
      op.in = {act(0)};
      if (!FloatConst(n.inputs[1], &op.wf, &op.wshape)) Unsup(n, "the weight must be a constant");
      Shape bs;
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!FloatConst(n.inputs[2], &op.biasF, &bs)) Unsup(n, "the bias must be a constant");
      } else {
        op.biasF.assign(static_cast<size_t>(op.wshape[0]), 0.f);
      }
      op.groups = n.Int("group", 1);
      ConvGeometry(n, op.in[0]->shape, op.wshape[2], op.wshape[3], false, &op);
    } else if (t == "Gemm" || t == "MatMul") {
      op.kind = Kind::FC;
      op.in = {act(0)};
      if (op.in[0]->nhwc) Unsup(n, "a 4-D A input is not supported");
      std::vector<float> b;
      Shape bshape;
      if (!FloatConst(n.inputs[1], &b, &bshape)) Unsup(n, "B must be a constant");
      bool transB = t == "Gemm" && n.Int("transB", 0) != 0;
      float alpha = t == "Gemm" ? n.Float("alpha", 1.f) : 1.f, beta = t == "Gemm" ? n.Float("beta", 1.f) : 1.f;
      int64_t k = transB ? bshape[1] : bshape[0], nn = transB ? bshape[0] : bshape[1];
      op.wf.resize(b.size());
      for (int64_t o = 0; o < nn; ++o)  // to [N, K]
        for (int64_t i = 0; i < k; ++i) op.wf[o * k + i] = alpha * (transB ? b[o * k + i] : b[i * nn + o]);
      op.wshape = {nn, k};
      op.biasF.assign(static_cast<size_t>(nn), 0.f);
      if (t == "Gemm" && n.inputs.size() > 2 && !n.inputs[2].empty()) {
        std::vector<float> c;
        Shape cs;
        if (!FloatConst(n.inputs[2], &c, &cs)) Unsup(n, "C must be a constant");
        for (int64_t o = 0; o < nn; ++o) op.biasF[o] = beta * c[c.size() == 1 ? 0 : o];
      }
    } else if (t == "Add" || t == "Mul") {
      op.kind = t == "Add" ? Kind::Add : Kind::Mul;
      bool c0 = g_.IsConst(n.inputs[0]) || (Producer(n.inputs[0]) && Producer(n.inputs[0])->op == "DequantizeLinear" &&
                                            g_.IsConst(Producer(n.inputs[0])->inputs[0]));
      bool c1 = g_.IsConst(n.inputs[1]) || (Producer(n.inputs[1]) && Producer(n.inputs[1])->op == "DequantizeLinear" &&
                                            g_.IsConst(Producer(n.inputs[1])->inputs[0]));
      if (c0 && c1) Unsup(n, "both inputs are constants");
      if (c0 || c1) {
        op.in = {act(c0 ? 1 : 0)};
        if (!FloatConst(n.inputs[c0 ? 0 : 1], &op.operand, &op.operandShape)) Unsup(n, "constant operand");
        op.hasOperand = true;
      } else {
        op.in = {act(0), act(1)};
      }
    } else if (t == "Relu" || t == "Clip") {
      op.kind = Kind::Clamp;
      op.in = {act(0)};
      if (t == "Relu") op.outMin = 0.f;
      if (t == "Clip" && n.inputs.size() > 1 && !n.inputs[1].empty()) op.outMin = ScalarF(n.inputs[1]);
      if (t == "Clip" && n.inputs.size() > 2 && !n.inputs[2].empty()) op.outMax = ScalarF(n.inputs[2]);
      if (t == "Clip" && n.inputs.size() <= 1 && g_.opset < 11) {
        op.outMin = n.Float("min", -kInf);
        op.outMax = n.Float("max", kInf);
      }
    } else if (t == "Sigmoid") {
      op.kind = Kind::Sigmoid;
      op.in = {act(0)};
    } else if (t == "HardSwish") {
      op.kind = Kind::HardSwish;
      op.in = {act(0)};
    } else if (t == "MaxPool" || t == "AveragePool") {
      op.kind = t == "MaxPool" ? Kind::MaxPool : Kind::AvgPool;
      op.in = {act(0)};
      auto k = n.Ints("kernel_shape", {});
      ConvGeometry(n, op.in[0]->shape, k[0], k[1], n.Int("ceil_mode", 0) != 0, &op);
      op.axis = n.Int("count_include_pad", 0);
      if (op.kind == Kind::AvgPool && n.Int("ceil_mode", 0) != 0 && op.axis != 0)
        Unsup(n, "ceil_mode=1 with count_include_pad=1");
    } else if (t == "GlobalAveragePool") {
      op.kind = Kind::GAP;
      op.in = {act(0)};
    } else if (t == "Reshape" || t == "Flatten") {
      op.kind = Kind::Reshape;
      op.in = {act(0)};
    } else if (t == "Identity") {
      op.kind = Kind::Copy;
      op.in = {act(0)};
    } else if (t == "Concat") {
      op.kind = Kind::Concat;
      for (size_t i = 0; i < n.inputs.size(); ++i) op.in.push_back(act(i));
      op.axis = n.Int("axis", 0);
      if (op.axis < 0) op.axis += static_cast<int64_t>(op.in[0]->shape.size());
    } else if (t == "Softmax") {
      op.kind = Kind::Softmax;
      op.in = {act(0)};
      op.softmaxLegacy = g_.opset < 13;
      op.axis = n.Int("axis", op.softmaxLegacy ? 1 : -1);
      if (op.axis < 0) op.axis += static_cast<int64_t>(op.in[0]->shape.size());
      if (op.softmaxLegacy && op.in[0]->nhwc && op.axis > 1) Unsup(n, "opset < 13 softmax over spatial axes");
    } else if (t == "QuantizeLinear") {
      op.kind = Kind::Quantize;
      op.in = {act(0)};
      op.qScale = ScalarF(n.inputs[1]);
      op.qZeroPoint = ScalarZp(n, 2);  // ImportOnnx checked the scale (finite, positive, normal)
    } else if (t == "DequantizeLinear") {
      if (g_.IsConst(n.inputs[0])) return;  // folded into the consumer's constants
      op.kind = Kind::Dequantize;
      op.in = {act(0)};
      op.qScale = ScalarF(n.inputs[1]);
      op.qZeroPoint = ScalarZp(n, 2);
    } else {
      Unsup(n, "no lowering");  // ImportOnnx already rejected unknown ops
    }
    if (op.kind == Kind::Conv || op.kind == Kind::FC || op.kind == Kind::Add) FuseClamp(n, &op);
    ops.push_back(std::move(op));
  }

  // Conv/FC/Add → Relu|Clip (sole consumer): fold the clamp into the op's output range.
  void FuseClamp(const Node& n, Op* op) {
    const std::string& out = n.outputs[0];
    if (ConsumerCount(out) != 1 || graphOutputs_.count(out)) return;
    size_t c = consumers_.at(out)[0];
    const Node& cn = g_.nodes[c];
    if (cn.op == "Relu") {
      op->outMin = std::max(op->outMin, 0.f);
    } else if (cn.op == "Clip" && g_.opset >= 11) {
      if (cn.inputs.size() > 1 && !cn.inputs[1].empty()) op->outMin = ScalarF(cn.inputs[1]);
      if (cn.inputs.size() > 2 && !cn.inputs[2].empty()) op->outMax = ScalarF(cn.inputs[2]);
    } else {
      return;
    }
    op->label += " + " + cn.op;
    op->out = Get(cn.outputs[0]);
    claimed_[c] = true;
  }

  void EliminateDead() {
    std::set<Value*> needed(outputValues.begin(), outputValues.end());
    std::vector<Op> kept;
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      if (!needed.count(it->out)) continue;
      for (Value* v : it->in) needed.insert(v);
      kept.push_back(std::move(*it));
    }
    std::reverse(kept.begin(), kept.end());
    ops = std::move(kept);
  }
};

// ---------------------------------------------------------------------------------------------------------
// Execution steps.

struct Step {
  virtual ~Step() = default;
  virtual void Run() = 0;
};

struct KernelStep : Step {
  std::function<void()> fn;
  void Run() override { fn(); }
};

// Logical (ONNX order) padded-to-rank-4 dims → NHWC physical dims of a broadcast operand.
std::vector<size_t> ToSizes(const Shape& s) { return std::vector<size_t>(s.begin(), s.end()); }

void XnnCheck(xnn_status st, const std::string& what) {
  if (st != xnn_status_success)
    throw Error(OH_NN_FAILED,
                "XNNPACK rejected " + what + " (xnn_status " + std::to_string(static_cast<int>(st)) + ")");
}

class XnnRun : public Step {
 public:
  XnnRun(std::vector<Op*> ops, const std::set<Value*>& external, pthreadpool_t pool) {
    std::vector<Value*> ext(external.begin(), external.end());
    xnn_subgraph_t sg = nullptr;
    XnnCheck(xnn_create_subgraph(static_cast<uint32_t>(ext.size()), 0, &sg), "subgraph creation");
    std::unique_ptr<xnn_subgraph, decltype(&xnn_delete_subgraph)> guard(sg, &xnn_delete_subgraph);
    std::set<Value*> produced, consumed;
    for (Op* op : ops) {
      for (Value* v : op->in) consumed.insert(v);
      produced.insert(op->out);
    }
    for (size_t i = 0; i < ext.size(); ++i) {
      uint32_t flags = 0;
      if (!produced.count(ext[i])) flags |= XNN_VALUE_FLAG_EXTERNAL_INPUT;
      if (produced.count(ext[i])) flags |= XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
      ids_[ext[i]] = Define(sg, ext[i], static_cast<uint32_t>(i), flags);
      bindings_.push_back({static_cast<uint32_t>(i), ext[i]->data()});
    }
    for (Op* op : ops) DefineOp(sg, *op);
    xnn_runtime_t rt = nullptr;
    XnnCheck(xnn_create_runtime_v2(sg, pool, 0, &rt), "runtime creation for " + ops.front()->label);
    runtime_.reset(rt);
    XnnCheck(xnn_setup_runtime(rt, bindings_.size(), bindings_.data()), "runtime setup");
  }
  void Run() override {
    if (xnn_invoke_runtime(runtime_.get()) != xnn_status_success) throw Error(OH_NN_FAILED, "XNNPACK invoke failed");
  }

 private:
  std::map<Value*, uint32_t> ids_;
  std::vector<xnn_external_value> bindings_;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> statics_;  // weights; must outlive the runtime
  std::unique_ptr<xnn_runtime, decltype(&xnn_delete_runtime)> runtime_{nullptr, &xnn_delete_runtime};

  template <typename T>
  const void* Keep(std::vector<T> data) {
    auto b = std::make_unique<std::vector<uint8_t>>(data.size() * sizeof(T) + XNN_EXTRA_BYTES);
    if (!data.empty()) std::memcpy(b->data(), data.data(), data.size() * sizeof(T));
    statics_.push_back(std::move(b));
    return statics_.back()->data();
  }

  uint32_t Define(xnn_subgraph_t sg, Value* v, uint32_t extId, uint32_t flags) {
    auto dims = ToSizes(v->Physical());
    uint32_t id = 0;
    if (v->quantized)
      XnnCheck(xnn_define_quantized_tensor_value(sg, xnn_datatype_qint8, v->zeroPoint, v->scale, dims.size(),
                                                 dims.data(), nullptr, extId, flags, &id),
               "tensor " + v->name);
    else
      XnnCheck(xnn_define_tensor_value(sg, xnn_datatype_fp32, dims.size(), dims.data(), nullptr, extId, flags, &id),
               "tensor " + v->name);
    return id;
  }
  uint32_t Id(xnn_subgraph_t sg, Value* v) {
    auto it = ids_.find(v);
    if (it != ids_.end()) return it->second;
    return ids_[v] = Define(sg, v, XNN_INVALID_VALUE_ID, 0);
  }
  uint32_t StaticF(xnn_subgraph_t sg, const std::vector<float>& data, const std::vector<size_t>& dims) {
    uint32_t id = 0;
    XnnCheck(xnn_define_tensor_value(sg, xnn_datatype_fp32, dims.size(), dims.data(), Keep(data), XNN_INVALID_VALUE_ID,
                                     0, &id),
             "static tensor");
    return id;
  }

  // Broadcast operand shape (logical, padded to rank r) in the physical layout of an NHWC output.
  static Shape OperandPhysical(const Shape& s, size_t rank, bool nhwc) {
    Shape p(rank - std::min(rank, s.size()), 1);
    p.insert(p.end(), s.begin(), s.end());
    if (nhwc && rank == 4) p = {p[0], p[2], p[3], p[1]};
    return p;
  }

  void DefineOp(xnn_subgraph_t sg, Op& op) {
    Value* x = op.in.empty() ? nullptr : op.in[0];
    uint32_t in = x ? Id(sg, x) : 0, out = Id(sg, op.out);
    const std::string& what = op.label;
    switch (op.kind) {
      case Kind::Conv: {
        int64_t oc = op.wshape[0], icg = op.wshape[1], kh = op.kh, kw = op.kw;
        int64_t cin = x->shape[1];
        bool depthwise = op.groups == cin && icg == 1 && op.groups > 1;
        size_t count = static_cast<size_t>(oc * icg * kh * kw);
        std::vector<size_t> fdims;
        std::vector<float> wf(op.int8 ? 0 : count);
        std::vector<int8_t> wq(op.int8 ? count : 0);
        auto put = [&](size_t dst, size_t src) {
          if (op.int8)
            wq[dst] = op.wq[src];
          else
            wf[dst] = op.wf[src];
        };
        if (depthwise) {  // OIHW [oc,1,kh,kw] → [1,kh,kw,oc]
          for (int64_t o = 0; o < oc; ++o)
            for (int64_t y = 0; y < kh * kw; ++y)
              put(static_cast<size_t>(y * oc + o), static_cast<size_t>(o * kh * kw + y));
          fdims = {1, static_cast<size_t>(kh), static_cast<size_t>(kw), static_cast<size_t>(oc)};
        } else {  // OIHW → OHWI
          for (int64_t o = 0; o < oc; ++o)
            for (int64_t i = 0; i < icg; ++i)
              for (int64_t y = 0; y < kh * kw; ++y)
                put(static_cast<size_t>((o * kh * kw + y) * icg + i), static_cast<size_t>((o * icg + i) * kh * kw + y));
          fdims = {static_cast<size_t>(oc), static_cast<size_t>(kh), static_cast<size_t>(kw), static_cast<size_t>(icg)};
        }
        uint32_t wid = 0, bid = 0;
        size_t boc = static_cast<size_t>(oc);
        if (op.int8) {
          std::vector<float> bscale(boc);
          for (size_t c = 0; c < boc; ++c) bscale[c] = x->scale * op.wScale[c];
          const float* ws = reinterpret_cast<const float*>(Keep(op.wScale));
          const float* bs = reinterpret_cast<const float*>(Keep(bscale));
          XnnCheck(xnn_define_channelwise_quantized_tensor_value(sg, xnn_datatype_qcint8, ws, 4, depthwise ? 3 : 0,
                                                                 fdims.data(), Keep(wq), XNN_INVALID_VALUE_ID, 0, &wid),
                   what + " weights");
          XnnCheck(xnn_define_channelwise_quantized_tensor_value(sg, xnn_datatype_qcint32, bs, 1, 0, &boc,
                                                                 Keep(op.biasQ), XNN_INVALID_VALUE_ID, 0, &bid),
                   what + " bias");
        } else {
          wid = StaticF(sg, wf, fdims);
          bid = StaticF(sg, op.biasF, {boc});
        }
        uint32_t p[4] = {static_cast<uint32_t>(op.pads[0]), static_cast<uint32_t>(op.pads[3]),
                         static_cast<uint32_t>(op.pads[2]), static_cast<uint32_t>(op.pads[1])};  // t, r, b, l
        if (depthwise)
          XnnCheck(xnn_define_depthwise_convolution_2d(sg, p[0], p[1], p[2], p[3], kh, kw, op.sh, op.sw, op.dh, op.dw,
                                                       static_cast<uint32_t>(oc / cin), cin, op.outMin, op.outMax, in,
                                                       wid, bid, out, 0),
                   what);
        else
          XnnCheck(xnn_define_convolution_2d(sg, p[0], p[1], p[2], p[3], kh, kw, op.sh, op.sw, op.dh, op.dw,
                                             static_cast<uint32_t>(op.groups), icg, oc / op.groups, op.outMin,
                                             op.outMax, in, wid, bid, out, 0),
                   what);
        break;
      }
      case Kind::FC: {
        std::vector<size_t> fdims = ToSizes(op.wshape);
        size_t n = fdims[0];
        uint32_t wid = 0, bid = 0;
        if (op.int8) {
          XnnCheck(xnn_define_quantized_tensor_value(sg, xnn_datatype_qint8, 0, op.wScale[0], 2, fdims.data(),
                                                     Keep(op.wq), XNN_INVALID_VALUE_ID, 0, &wid),
                   what + " weights");
          XnnCheck(xnn_define_quantized_tensor_value(sg, xnn_datatype_qint32, 0, x->scale * op.wScale[0], 1, &n,
                                                     Keep(op.biasQ), XNN_INVALID_VALUE_ID, 0, &bid),
                   what + " bias");
        } else {
          wid = StaticF(sg, op.wf, fdims);
          bid = StaticF(sg, op.biasF, {n});
        }
        XnnCheck(xnn_define_fully_connected(sg, op.outMin, op.outMax, in, wid, bid, out, 0), what);
        break;
      }
      case Kind::Add:
      case Kind::Mul: {
        uint32_t b = 0;
        size_t rank = op.out->shape.size();
        auto inDimsOk = [&](Value* v) {
          // XNNPACK broadcasts the physical dims it is given, right-aligned: that is ONNX's broadcast only when
          // the activation and the output have the same layout (both NHWC, or both in ONNX order) or the
          // activation is one element. Otherwise its result shape differs from the output's and it writes past
          // the output buffer (fuzz_onnx_graph: x[4] + constant[1,1,8,4] computed [1,8,4,4] into [1,8,4,1]).
          return v->nhwc == op.out->nhwc || v->Elements() == 1;
        };
        for (Value* v : op.in)
          if (!inDimsOk(v)) throw Error(OH_NN_UNSUPPORTED, "unsupported broadcast in " + what);
        if (op.hasOperand) {
          Shape lp = OperandPhysical(op.operandShape, rank, false);
          Shape pp = OperandPhysical(op.operandShape, rank, op.out->nhwc);
          std::vector<float> data = op.operand;
          if (op.out->nhwc && rank == 4) {  // permute the constant NCHW → NHWC
            for (size_t n = 0; n < static_cast<size_t>(lp[0]); ++n)
              for (size_t c = 0; c < static_cast<size_t>(lp[1]); ++c)
                for (size_t h = 0; h < static_cast<size_t>(lp[2]); ++h)
                  for (size_t w = 0; w < static_cast<size_t>(lp[3]); ++w)
                    data[((n * lp[2] + h) * lp[3] + w) * lp[1] + c] =
                        op.operand[((n * lp[1] + c) * lp[2] + h) * lp[3] + w];
          }
          b = StaticF(sg, data, ToSizes(pp));
        } else {
          b = Id(sg, op.in[1]);
        }
        if (op.kind == Kind::Add)
          XnnCheck(xnn_define_add2(sg, op.outMin, op.outMax, in, b, out, 0), what);
        else
          XnnCheck(xnn_define_multiply2(sg, op.outMin, op.outMax, in, b, out, 0), what);
        break;
      }
      case Kind::Clamp: XnnCheck(xnn_define_clamp(sg, op.outMin, op.outMax, in, out, 0), what); break;
      case Kind::Sigmoid: XnnCheck(xnn_define_sigmoid(sg, in, out, 0), what); break;
      case Kind::HardSwish: XnnCheck(xnn_define_hardswish(sg, in, out, 0), what); break;
      case Kind::MaxPool:
        XnnCheck(xnn_define_max_pooling_2d(sg, op.pads[0], op.pads[3], op.pads[2], op.pads[1], op.kh, op.kw, op.sh,
                                           op.sw, op.dh, op.dw, op.outMin, op.outMax, in, out, 0),
                 what);
        break;
      case Kind::GAP: XnnCheck(xnn_define_global_average_pooling_2d(sg, op.outMin, op.outMax, in, out, 0), what); break;
      case Kind::Reshape: {
        auto dims = ToSizes(op.out->Physical());
        XnnCheck(xnn_define_static_reshape(sg, dims.size(), dims.data(), in, out, 0), what);
        break;
      }
      default: throw Error(OH_NN_FAILED, "internal: " + what + " is not an XNNPACK op");
    }
  }
};

// int8 convolutions with groups = 1 and int8 fully connected ops (per-channel or per-tensor weights) run in our
// kernel (qconv_int8.h) on every CPU: one arithmetic everywhere, onnxruntime's; an FC is a 1x1 convolution over
// [rows, 1, 1, K].
bool UsesInt8Conv(const Op& op) {
  return ((op.kind == Kind::Conv && op.groups == 1) || op.kind == Kind::FC) && op.int8;
}

bool RunsInXnn(const Op& op) {
  // XNNPACK values are fp32 or qint8 with known params; raw int8/uint8 tensors go to our kernels.
  for (const Value* v : op.in)
    if (v->dtype != DType::F32 && !v->quantized) return false;
  if (op.out->dtype != DType::F32 && !op.out->quantized) return false;
  if (UsesInt8Conv(op)) return false;
  switch (op.kind) {
    case Kind::Conv:
    case Kind::FC:
    case Kind::Add:
    case Kind::GAP:
    case Kind::Clamp: return true;
    case Kind::Mul:
    case Kind::Sigmoid:
    case Kind::HardSwish: return !op.int8;
    case Kind::MaxPool: return op.kh * op.kw > 1;
    case Kind::Reshape: return SameOrder(op.in[0]) && SameOrder(op.out);
    default: return false;
  }
}

// Multiply-accumulates of the convolutions and fully connected layers: the work threads can share.
int64_t ConvAndFcMacs(const std::vector<Op>& ops) {
  int64_t macs = 0;
  for (const Op& op : ops) {
    if ((op.kind != Kind::Conv && op.kind != Kind::FC) || op.wshape.empty() || op.wshape[0] <= 0) continue;
    const int64_t weights = static_cast<int64_t>(op.int8 ? op.wq.size() : op.wf.size());
    // Each factor is at most 2^30 (ImportOnnx's cap); the sum over a model's ops is not bounded.
    if (!CheckedAdd(macs, static_cast<int64_t>(op.out->Elements()) * (weights / op.wshape[0]), &macs))
      return std::numeric_limits<int64_t>::max();
  }
  return macs;
}
constexpr int64_t kMinMacsForThreads = 50'000'000;

class GraphPlan : public Plan {
 public:
  GraphPlan(const Graph& g, int threads, bool threadsExplicit) {
    static std::once_flag once;
    static xnn_status init = xnn_status_uninitialized;
    std::call_once(once, [] { init = xnn_initialize(nullptr); });
    if (init != xnn_status_success) throw Error(OH_NN_FAILED, "XNNPACK initialization failed on this CPU");

    Lowering low(g);
    low.Run();
    values_ = std::move(low.values);
    for (Value* v : low.inputValues) inputs_.push_back(TensorSpec{v->name, v->dtype, v->shape});
    for (Value* v : low.outputValues) outputs_.push_back(TensorSpec{v->name, v->dtype, v->shape});
    inValues_ = low.inputValues;
    outValues_ = low.outputValues;
    ops_ = std::move(low.ops);
    // Unless a count was asked for: a small model runs in well under a millisecond on one thread; handing its ops to
    // pool threads costs more than it saves, and waking parked workers can stall a run by a scheduler tick or far more
    // (seen: ~120 ms stalls every few runs of the 4 M-MAC demo model with 2 threads in a 2-vCPU VM).
    if (threads > 1 && (threadsExplicit || ConvAndFcMacs(ops_) >= kMinMacsForThreads))
      pool_.reset(pthreadpool_create(static_cast<size_t>(threads)));

    // Bound the memory a model can make us allocate (XNNPACK-internal tensors included).
    size_t total = 0;
    for (auto& v : values_) total += v->Bytes();
    if (total > kActivationLimit)
      throw Error(OH_NN_MEMORY_ERROR, "the model's tensors need " + std::to_string(total >> 20) +
                                          " MiB, above the host runtime's limit of " +
                                          std::to_string(kActivationLimit >> 20) + " MiB");
    std::map<Value*, int> consumers;
    for (const Op& op : ops_)
      for (Value* v : op.in) ++consumers[v];
    for (Value* v : outValues_) ++consumers[v];

    // Segment into maximal XNNPACK runs and our kernels. Values crossing a run boundary are external
    // (materialized buffers we own); values produced and consumed inside one run live inside XNNPACK.
    struct Segment {
      size_t begin, end;
      bool xnn;
      std::set<Value*> ext;
    };
    std::vector<Segment> segments;
    std::set<Value*> internal;
    for (size_t i = 0; i < ops_.size();) {
      Segment seg{i, i + 1, RunsInXnn(ops_[i]), {}};
      if (seg.xnn) {
        while (seg.end < ops_.size() && RunsInXnn(ops_[seg.end])) ++seg.end;
        std::set<Value*> produced;
        std::map<Value*, int> uses;
        for (size_t k = seg.begin; k < seg.end; ++k) {
          for (Value* v : ops_[k].in) {
            ++uses[v];
            if (!produced.count(v)) seg.ext.insert(v);
          }
          produced.insert(ops_[k].out);
        }
        for (Value* v : produced) {
          if (uses[v] < consumers[v])
            seg.ext.insert(v);
          else
            internal.insert(v);
        }
      }
      i = seg.end;
      segments.push_back(std::move(seg));
    }
    for (auto& v : values_)
      if (!internal.count(v.get())) v->storage.resize(v->Bytes() + XNN_EXTRA_BYTES);

    if (std::any_of(ops_.begin(), ops_.end(), UsesInt8Conv)) int8Isa_ = SelectInt8Isa();
    std::ostringstream desc;
    desc << "threads: " << (pool_ ? threads : 1) << "\n";
    for (const Segment& seg : segments) {
      std::vector<Op*> run;
      for (size_t k = seg.begin; k < seg.end; ++k) {
        run.push_back(&ops_[k]);
        desc << (seg.xnn ? "xnnpack " : "kernel ") << (ops_[k].int8 ? "int8" : "fp32") << ": " << ops_[k].label
             << (UsesInt8Conv(ops_[k]) ? std::string(" (") + Int8IsaLabel(int8Isa_) + ")" : "") << "\n";
      }
      if (seg.xnn)
        steps_.push_back(std::make_unique<XnnRun>(run, seg.ext, pool_.get()));
      else
        AddKernel(*run[0]);
    }
    describe_ = desc.str();
  }

  const std::vector<TensorSpec>& Inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& Outputs() const override { return outputs_; }
  const std::string& Describe() const override { return describe_; }

  void Run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) override {
    std::lock_guard<std::mutex> lock(runMutex_);
    // Graph inputs: NCHW → the internal NHWC (4-D) or a plain copy; the caller's buffer is read in place.
    for (size_t i = 0; i < inValues_.size(); ++i) {
      Value* v = inValues_[i];
      if (v->nhwc)
        kernels::NchwToNhwc(inputs[i], v->data(), v->shape, ElementSize(v->dtype));
      else
        std::memcpy(v->data(), inputs[i], v->Bytes());
    }
    for (auto& s : steps_) s->Run();
    for (size_t i = 0; i < outValues_.size(); ++i) {
      Value* v = outValues_[i];
      if (v->nhwc)
        kernels::NhwcToNchw(v->data(), outputs[i], v->shape, ElementSize(v->dtype));
      else
        std::memcpy(outputs[i], v->data(), v->Bytes());
    }
  }

 private:
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool_{nullptr, &pthreadpool_destroy};
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<Op> ops_;
  std::vector<Value*> inValues_, outValues_;
  std::vector<TensorSpec> inputs_, outputs_;
  // The int8 convolutions' widened input, one buffer for all (steps run one at a time, under runMutex_).
  std::vector<int16_t> int8Scratch_;
  std::vector<std::unique_ptr<Step>> steps_;  // after pool_ and values_: runtimes die first
  std::string describe_;
  std::mutex runMutex_;
  Int8Isa int8Isa_ = Int8Isa::kScalar;  // of the int8 convolutions (UsesInt8Conv)

  void AddKernel(Op& op) {
    auto step = std::make_unique<KernelStep>();
    Op* o = &op;
    switch (op.kind) {
      case Kind::Conv:
      case Kind::FC: {  // only int8 convolutions with groups = 1 and int8 FC reach here (UsesInt8Conv)
        Value* x = op.in[0];
        Value* y = op.out;
        auto q = [y](float v, int32_t def) {
          if (!std::isfinite(v)) return def;
          return static_cast<int32_t>(std::min(127.f, std::max(-128.f, std::nearbyint(v / y->scale) + y->zeroPoint)));
        };
        ConvGeometry2D geo;
        if (op.kind == Kind::FC) {  // 2-D [rows, K] input
          int64_t k = x->shape.back(), rows = static_cast<int64_t>(x->Elements()) / k;
          geo = ConvGeometry2D{rows, 1, 1, k, 1, 1, op.wshape[0], 1, 1, 1, 1, 1, 1, 0, 0};
        } else {
          geo = ConvGeometry2D{x->shape[0], x->shape[2], x->shape[3], x->shape[1], y->shape[2],
                               y->shape[3], y->shape[1], op.kh,       op.kw,       op.sh,
                               op.sw,       op.dh,       op.dw,       op.pads[0],  op.pads[1]};
        }
        auto conv =
            std::make_shared<QConvInt8>(geo, op.wq.data(), op.biasQ.data(), op.wScale.data(), x->scale, x->zeroPoint,
                                        y->scale, y->zeroPoint, q(op.outMin, -128), q(op.outMax, 127), int8Isa_);
        pthreadpool_t pool = pool_.get();
        std::vector<int16_t>* scratch = &int8Scratch_;
        step->fn = [conv, x, y, pool, scratch] {
          conv->Run(reinterpret_cast<const int8_t*>(x->data()), reinterpret_cast<int8_t*>(y->data()), pool, scratch);
        };
        break;
      }
      case Kind::Quantize:
        step->fn = [o] {
          kernels::Quantize(reinterpret_cast<const float*>(o->in[0]->data()), o->out->data(), o->out->Elements(),
                            o->qScale, o->qZeroPoint, o->out->dtype == DType::I8);
        };
        break;
      case Kind::Dequantize:
        step->fn = [o] {
          kernels::Dequantize(o->in[0]->data(), o->in[0]->dtype, reinterpret_cast<float*>(o->out->data()),
                              o->out->Elements(), o->qScale, o->qZeroPoint);
        };
        break;
      case Kind::Copy: step->fn = [o] { std::memcpy(o->out->data(), o->in[0]->data(), o->out->Bytes()); }; break;
      case Kind::Reshape:
        step->fn = [o] {
          kernels::Reshape(o->in[0]->data(), o->in[0]->shape, o->in[0]->nhwc, o->out->data(), o->out->shape,
                           o->out->nhwc, ElementSize(o->out->dtype));
        };
        break;
      case Kind::Concat:
        step->fn = [o] {
          std::vector<const uint8_t*> srcs;
          std::vector<Shape> shapes;
          for (Value* v : o->in) {
            srcs.push_back(v->data());
            shapes.push_back(v->Physical());
          }
          int64_t axis = o->axis;
          if (o->out->nhwc) axis = axis == 0 ? 0 : axis == 1 ? 3 : axis - 1;
          kernels::Concat(srcs, shapes, axis, o->out->data(), ElementSize(o->out->dtype));
        };
        break;
      case Kind::Softmax:
        step->fn = [o] {
          Shape p = o->in[0]->Physical();
          int64_t axis = o->axis;
          if (o->in[0]->nhwc) axis = axis == 0 ? 0 : axis == 1 ? 3 : axis - 1;
          const float* x = reinterpret_cast<const float*>(o->in[0]->data());
          float* y = reinterpret_cast<float*>(o->out->data());
          if (o->softmaxLegacy)  // opset < 13: softmax over the flattened dims from `axis` on
            kernels::Softmax(x, y, p, o->axis, true);
          else
            kernels::Softmax(x, y, p, axis, false);
        };
        break;
      case Kind::MaxPool:
      case Kind::AvgPool:
        step->fn = [o] {
          kernels::Pool2D(reinterpret_cast<const float*>(o->in[0]->data()), o->in[0]->Physical(),
                          reinterpret_cast<float*>(o->out->data()), o->out->Physical(), o->kh, o->kw, o->sh, o->sw,
                          o->dh, o->dw, o->pads, o->kind == Kind::MaxPool, o->axis != 0);
        };
        break;
      default: throw Error(OH_NN_FAILED, "internal: no kernel for " + op.label);
    }
    steps_.push_back(std::move(step));
  }
};

}  // namespace

std::unique_ptr<Plan> BuildPlan(const Graph& graph, int threads, bool threadsExplicit) {
  return std::make_unique<GraphPlan>(graph, threads, threadsExplicit);
}

}  // namespace hostnn
