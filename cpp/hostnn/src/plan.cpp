#include "plan.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "arena.h"
#include "kernels.h"
#include "ops/registry.h"
#include "qconv_int8.h"

namespace hostnn {

bool SameOrder(const Value* v) { return !v->nhwc || v->shape[1] == 1 || v->shape[2] * v->shape[3] == 1; }
int64_t PhysicalAxis(int64_t axis) { return axis == 0 ? 0 : axis == 1 ? 3 : axis - 1; }

void Op::Define(XnnDefiner&) const { throw Error(OH_NN_FAILED, "internal: " + label + " is not an XNNPACK op"); }
std::function<void()> Op::Kernel(const KernelContext&) const {
  throw Error(OH_NN_FAILED, "internal: no kernel for " + label);
}

// ---------------------------------------------------------------------------------------------------------
// Lowering: ONNX nodes → Ops through the registry, recognising the int8 QDQ contract.

Lowering::Lowering(const Graph& g, int threads) : threads(threads), g_(g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs) producer_[o] = i;
    for (const auto& in : g.nodes[i].inputs)
      if (!in.empty()) consumers_[in].push_back(i);
  }
  for (const auto& o : g.outputs) graphOutputs_.insert(o);
}

void Lowering::Run() {
  for (const auto& in : g_.inputs) inputValues.push_back(Get(in));
  claimed_.assign(g_.nodes.size(), false);
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    if (claimed_[i]) continue;
    const Node& n = g_.nodes[i];
    const OpDef* def = FindOp(n.op);
    if (!def || !def->lowerFloat) Unsup(n, "no lowering");  // ImportOnnx already rejected unknown ops
    if (def->lowerInt8 && def->lowerInt8(*this, n)) continue;
    def->lowerFloat(*this, n);
  }
  for (const auto& o : g_.outputs) outputValues.push_back(Get(o));
  EliminateDead();
}

void Lowering::Unsup(const Node& n, const std::string& msg) const {
  throw Error(OH_NN_UNSUPPORTED, "unsupported " + n.op + " " + n.Where() + ": " + msg);
}

Value* Lowering::Get(const std::string& name) {
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

Value* Lowering::Act(const Node& n, size_t i) {
  const std::string& name = n.inputs[i];
  if (g_.IsConst(name)) Unsup(n, "input '" + name + "' is a constant; a computed tensor is expected");
  return Get(name);
}

const Node* Lowering::Producer(const std::string& name) const {
  auto it = producer_.find(name);
  return it == producer_.end() ? nullptr : &g_.nodes[it->second];
}
size_t Lowering::ConsumerCount(const std::string& name) const {
  auto it = consumers_.find(name);
  return (it == consumers_.end() ? 0 : it->second.size()) + graphOutputs_.count(name);
}
bool Lowering::SoleConsumer(const std::string& name, size_t* c) const {
  if (ConsumerCount(name) != 1 || graphOutputs_.count(name)) return false;
  *c = consumers_.at(name)[0];
  return true;
}

float Lowering::ScalarF(const std::string& name) const { return g_.GetConst(name).AsFloat().at(0); }
int32_t Lowering::ScalarZp(const Node& n, size_t idx) const {
  if (idx >= n.inputs.size() || n.inputs[idx].empty()) return 0;
  return static_cast<int32_t>(g_.GetConst(n.inputs[idx]).AsInt64().at(0));
}

bool Lowering::IsFloatConst(const std::string& name) const {
  const Node* p = Producer(name);
  return g_.IsConst(name) || (p && p->op == "DequantizeLinear" && g_.IsConst(p->inputs[0]));
}

bool Lowering::FloatConst(const std::string& name, std::vector<float>* out, Shape* shape) const {
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

void Lowering::Window(const Node& n, const Shape& x, int64_t kh, int64_t kw, bool ceilMode, Window2D* w) const {
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
    w->pads[i] = begin;
    w->pads[i + 2] = end;
  }
  w->kh = kh;
  w->kw = kw;
  w->sh = sh;
  w->sw = sw;
  w->dh = dil[0];
  w->dw = dil[1];
  if (ceilMode) {  // extend the end padding so floor-mode arithmetic gives the ceil-mode size
    const Shape& y = g_.values.at(n.outputs[0]).shape;
    for (int i = 0; i < 2; ++i) {
      int64_t ek = (ks[i] - 1) * dil[i] + 1;
      int64_t need = (y[2 + i] - 1) * st[i] + ek - (in[i] + w->pads[i] + w->pads[i + 2]);
      if (need > 0) w->pads[i + 2] += need;
    }
  }
}

void Lowering::FuseClamp(const Node& n, Op* op) {
  size_t c = 0;
  if (!SoleConsumer(n.outputs[0], &c)) return;
  const Node& cn = g_.nodes[c];
  const OpDef* def = FindOp(cn.op);
  if (!def || !def->clampRange) return;
  float lo = -kInf, hi = kInf;
  def->clampRange(*this, cn, &lo, &hi);
  op->outMin = std::max(op->outMin, lo);
  op->outMax = std::min(op->outMax, hi);
  op->label += " + " + cn.op;
  op->out = Get(cn.outputs[0]);
  claimed_[c] = true;
}

void Lowering::EliminateDead() {
  std::set<Value*> needed(outputValues.begin(), outputValues.end());
  std::vector<std::unique_ptr<Op>> kept;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    if (!needed.count((*it)->out)) continue;
    for (Value* v : (*it)->in) needed.insert(v);
    kept.push_back(std::move(*it));
  }
  std::reverse(kept.begin(), kept.end());
  ops = std::move(kept);
}

// ---- int8 QDQ pattern matching -------------------------------------------------------------------------------

// in → DequantizeLinear(per-tensor, int8 activation); returns the int8 value with its params set.
Value* Lowering::ActDQ(const std::string& name) {
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

bool Lowering::IsInt8Q(size_t index) const {
  const Node& q = g_.nodes[index];
  return q.op == "QuantizeLinear" && g_.values.at(q.outputs[0]).dtype == DType::I8;
}

// (name) → consumed only by [Relu|Clip] → QuantizeLinear(int8): the Q node, the absorbed nodes and the clamp.
bool Lowering::OutQ(const std::string& name, Int8Match* m) {
  size_t c = 0;
  if (!SoleConsumer(name, &c)) return false;
  const Node* cn = &g_.nodes[c];
  const OpDef* def = FindOp(cn->op);
  if (def && def->clampRange) {
    def->clampRange(*this, *cn, &m->lo, &m->hi);
    m->absorbed.push_back(c);
    if (!SoleConsumer(cn->outputs[0], &c)) return false;
  }
  if (!IsInt8Q(c)) return false;
  m->qIndex = c;
  m->absorbed.push_back(c);
  return true;
}

bool Lowering::MatchInt8(const Node& n, size_t actInputs, Int8Match* m, size_t output) {
  const OpDef* self = FindOp(n.op);
  if (self && self->clampRange) {  // a clamp op itself: n → QuantizeLinear
    size_t c = 0;
    if (!SoleConsumer(n.outputs[output], &c) || !IsInt8Q(c)) return false;
    m->qIndex = c;
    m->absorbed.push_back(c);
    self->clampRange(*this, n, &m->lo, &m->hi);
  } else if (!OutQ(n.outputs[output], m)) {
    return false;
  }
  for (size_t i = 0; i < actInputs; ++i) {
    Value* v = ActDQ(n.inputs[i]);
    if (!v) return false;
    m->ins.push_back(v);
  }
  const Node& qn = g_.nodes[m->qIndex];
  m->outScale = ScalarF(qn.inputs[1]);
  m->outZeroPoint = ScalarZp(qn, 2);
  return true;
}

bool Lowering::WeightDQ(const std::string& name, int64_t wantAxis, QuantWeights* qw) const {
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
  qw->w.assign(q.data<int8_t>(), q.data<int8_t>() + q.bytes.size());
  qw->scale = s;
  qw->shape = q.shape;
  return true;
}

bool Lowering::BiasDQ(const std::string& name, float xScale, QuantWeights* qw) const {
  const Node* p = Producer(name);
  if (!p || p->op != "DequantizeLinear" || !g_.IsConst(p->inputs[0])) return false;
  const Const& b = g_.GetConst(p->inputs[0]);
  if (b.dtype != DType::I32 || static_cast<size_t>(NumElements(b.shape)) != qw->scale.size()) return false;
  std::vector<float> s = g_.GetConst(p->inputs[1]).AsFloat();
  if (p->inputs.size() > 2 && !p->inputs[2].empty())
    for (int64_t z : g_.GetConst(p->inputs[2]).AsInt64())
      if (z != 0) return false;
  for (size_t c = 0; c < qw->scale.size(); ++c) {
    float want = xScale * qw->scale[c], have = s.size() > 1 ? s[c] : s[0];
    if (std::fabs(have - want) > 1e-5f * std::fabs(want)) return false;
  }
  qw->bias.assign(b.data<int32_t>(), b.data<int32_t>() + qw->scale.size());
  return true;
}

void Lowering::EmitInt8(std::unique_ptr<Op> op, const Node& n, const Int8Match& m) {
  op->int8 = true;
  op->label = n.op + " '" + n.name + "'";
  op->outMin = m.lo;
  op->outMax = m.hi;
  op->in = m.ins;
  const Node& q = g_.nodes[m.qIndex];
  Value* v = Get(q.outputs[0]);
  v->quantized = true;
  v->scale = m.outScale;
  v->zeroPoint = m.outZeroPoint;
  op->out = v;
  ops.push_back(std::move(op));
  for (size_t i : m.absorbed) claimed_[i] = true;
}

// ---------------------------------------------------------------------------------------------------------
// XNNPACK subgraph definition.

std::vector<size_t> ToSizes(const Shape& s) { return std::vector<size_t>(s.begin(), s.end()); }

void XnnCheck(xnn_status st, const std::string& what) {
  if (st != xnn_status_success)
    throw Error(OH_NN_FAILED,
                "XNNPACK rejected " + what + " (xnn_status " + std::to_string(static_cast<int>(st)) + ")");
}

const void* XnnDefiner::KeepBytes(const void* data, size_t bytes) {
  auto b = std::make_unique<std::vector<uint8_t>>(bytes + XNN_EXTRA_BYTES);
  if (bytes) std::memcpy(b->data(), data, bytes);
  statics_.push_back(std::move(b));
  return statics_.back()->data();
}

uint32_t XnnDefiner::Define(Value* v, uint32_t extId, uint32_t flags) {
  auto dims = ToSizes(v->Physical());
  uint32_t id = 0;
  if (v->quantized)
    XnnCheck(xnn_define_quantized_tensor_value(sg, xnn_datatype_qint8, v->zeroPoint, v->scale, dims.size(), dims.data(),
                                               nullptr, extId, flags, &id),
             "tensor " + v->name);
  else
    XnnCheck(xnn_define_tensor_value(sg, xnn_datatype_fp32, dims.size(), dims.data(), nullptr, extId, flags, &id),
             "tensor " + v->name);
  return ids_[v] = id;
}

uint32_t XnnDefiner::Id(Value* v) {
  auto it = ids_.find(v);
  if (it != ids_.end()) return it->second;
  return Define(v, XNN_INVALID_VALUE_ID, 0);
}

uint32_t XnnDefiner::StaticF(const std::vector<float>& data, const std::vector<size_t>& dims) {
  uint32_t id = 0;
  XnnCheck(xnn_define_tensor_value(sg, xnn_datatype_fp32, dims.size(), dims.data(), Keep(data), XNN_INVALID_VALUE_ID, 0,
                                   &id),
           "static tensor");
  return id;
}

uint32_t XnnDefiner::Internal(const Value* like) {
  auto dims = ToSizes(like->Physical());
  uint32_t id = 0;
  XnnCheck(
      xnn_define_tensor_value(sg, xnn_datatype_fp32, dims.size(), dims.data(), nullptr, XNN_INVALID_VALUE_ID, 0, &id),
      "internal tensor of " + like->name);
  return id;
}

namespace {

constexpr size_t kActivationLimit = size_t{2} << 30;  // all tensors of one model

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

class XnnRun : public Step {
 public:
  XnnRun(std::vector<Op*> ops, const std::set<Value*>& external, pthreadpool_t pool) {
    std::vector<Value*> ext(external.begin(), external.end());
    xnn_subgraph_t sg = nullptr;
    XnnCheck(xnn_create_subgraph(static_cast<uint32_t>(ext.size()), 0, &sg), "subgraph creation");
    std::unique_ptr<xnn_subgraph, decltype(&xnn_delete_subgraph)> guard(sg, &xnn_delete_subgraph);
    definer_ = std::make_unique<XnnDefiner>(sg);
    std::set<Value*> produced;
    for (Op* op : ops) produced.insert(op->out);
    for (size_t i = 0; i < ext.size(); ++i) {
      uint32_t flags = produced.count(ext[i]) ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT;
      definer_->Define(ext[i], static_cast<uint32_t>(i), flags);
      bindings_.push_back({static_cast<uint32_t>(i), ext[i]->data()});
    }
    for (Op* op : ops) op->Define(*definer_);
    xnn_runtime_t rt = nullptr;
    XnnCheck(xnn_create_runtime_v2(sg, pool, 0, &rt), "runtime creation for " + ops.front()->label);
    runtime_.reset(rt);
    XnnCheck(xnn_setup_runtime(rt, bindings_.size(), bindings_.data()), "runtime setup");
  }
  void Run() override {
    if (xnn_invoke_runtime(runtime_.get()) != xnn_status_success) throw Error(OH_NN_FAILED, "XNNPACK invoke failed");
  }

 private:
  std::vector<xnn_external_value> bindings_;
  std::unique_ptr<XnnDefiner> definer_;  // its static weights must outlive the runtime
  std::unique_ptr<xnn_runtime, decltype(&xnn_delete_runtime)> runtime_{nullptr, &xnn_delete_runtime};
};

bool RunsInXnn(const Op& op) {
  // XNNPACK values are fp32 or qint8 with known params; raw int8/uint8 tensors go to our kernels.
  for (const Value* v : op.in)
    if (v->dtype != DType::F32 && !v->quantized) return false;
  if (op.out->dtype != DType::F32 && !op.out->quantized) return false;
  return op.InXnn();
}

// Multiply-accumulates of the convolutions and fully connected layers: the work threads can share.
int64_t ConvAndFcMacs(const std::vector<std::unique_ptr<Op>>& ops) {
  int64_t macs = 0;
  for (const auto& op : ops)  // each op's count is at most 2^60 (ImportOnnx's caps); the sum is not bounded
    if (!CheckedAdd(macs, op->Macs(), &macs)) return std::numeric_limits<int64_t>::max();
  return macs;
}
constexpr int64_t kMinMacsForThreads = 50'000'000;

class GraphPlan : public Plan {
 public:
  GraphPlan(const Graph& g, int threads, bool threadsExplicit, bool profiling) : profiling_(profiling) {
    static std::once_flag once;
    static xnn_status init = xnn_status_uninitialized;
    std::call_once(once, [] { init = xnn_initialize(nullptr); });
    if (init != xnn_status_success) throw Error(OH_NN_FAILED, "XNNPACK initialization failed on this CPU");

    Lowering low(g, threads);
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
    for (const auto& op : ops_)
      for (Value* v : op->in) ++consumers[v];
    for (Value* v : outValues_) ++consumers[v];

    // Segment into maximal XNNPACK runs and our kernels (profiling: runs of one op, each step timed alone). Values
    // crossing a run boundary are external (materialized buffers we own); values produced and consumed inside one run
    // live inside XNNPACK.
    struct Segment {
      size_t begin, end;
      bool xnn;
      std::set<Value*> ext;
    };
    std::vector<Segment> segments;
    std::set<Value*> internal;
    for (size_t i = 0; i < ops_.size();) {
      Segment seg{i, i + 1, RunsInXnn(*ops_[i]), {}};
      if (seg.xnn) {
        while (!profiling && seg.end < ops_.size() && RunsInXnn(*ops_[seg.end])) ++seg.end;
        std::set<Value*> produced;
        std::map<Value*, int> uses;
        for (size_t k = seg.begin; k < seg.end; ++k) {
          for (Value* v : ops_[k]->in) {
            ++uses[v];
            if (!produced.count(v)) seg.ext.insert(v);
          }
          produced.insert(ops_[k]->out);
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
    const std::string arenaLine = PlaceValues(segments, internal);

    if (std::any_of(ops_.begin(), ops_.end(), [](const std::unique_ptr<Op>& op) { return op->UsesInt8Conv(); }))
      int8Isa_ = SelectInt8Isa();
    if (std::any_of(ops_.begin(), ops_.end(), [](const std::unique_ptr<Op>& op) { return op->UsesF32Conv(); }))
      f32Isa_ = SelectF32Isa();
    std::ostringstream desc;
    desc << "threads: " << (pool_ ? threads : 1) << "\n";
    desc << arenaLine;
    if (profiling) desc << "profiling: one step per op (XNNPACK fuses and schedules no run of ops as one)\n";
    for (const Segment& seg : segments) {
      std::vector<Op*> run;
      for (size_t k = seg.begin; k < seg.end; ++k) {
        const Op& op = *ops_[k];
        run.push_back(ops_[k].get());
        const std::string variant = op.Variant(int8Isa_, f32Isa_);
        const std::string isa = variant.empty() ? "" : " (" + variant + ")";
        const std::string backend = std::string(seg.xnn ? "xnnpack " : "kernel ") + (op.int8 ? "int8" : "fp32");
        desc << backend << ": " << op.label << isa << "\n";
        if (profiling)
          profile_.push_back(OpProfile{op.label, backend + isa, ShapeText(op.out->shape), op.Macs(), 0, 0});
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
  int Threads() const override { return pool_ ? static_cast<int>(pthreadpool_get_threads_count(pool_.get())) : 1; }
  bool Profile(std::vector<OpProfile>* ops, size_t* runs) const override {
    if (!profiling_) return false;
    std::lock_guard<std::mutex> lock(runMutex_);
    *ops = profile_;
    *runs = profiledRuns_;
    return true;
  }
  bool ResetProfile() override {
    if (!profiling_) return false;
    std::lock_guard<std::mutex> lock(runMutex_);
    for (OpProfile& p : profile_) p.totalMs = p.minMs = 0;
    profiledRuns_ = 0;
    return true;
  }

  void Run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) override {
    std::lock_guard<std::mutex> lock(runMutex_);
    RunLocked(inputs, outputs);
  }

  bool RunCapturing(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                    std::vector<OpOutput>* tensors) override {
    if (!profiling_) return false;
    std::lock_guard<std::mutex> lock(runMutex_);
    tensors->clear();
    RunLocked(inputs, outputs, tensors);
    return true;
  }

 private:
  // A value's bytes in ONNX element order (profiling plans materialize every value: each op is its own step).
  static OpOutput Capture(const std::string& label, Value* v) {
    OpOutput t{label, v->name, v->dtype, v->shape, v->quantized, v->scale, v->zeroPoint, {}};
    t.bytes.resize(v->Bytes());
    if (v->nhwc)
      kernels::NhwcToNchw(v->data(), t.bytes.data(), v->shape, ElementSize(v->dtype));
    else
      std::memcpy(t.bytes.data(), v->data(), t.bytes.size());
    return t;
  }

  // tensors: capture the graph inputs and, right after its step (before a later value may reuse its bytes), each op's
  // output (profiling plans only).
  void RunLocked(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                 std::vector<OpOutput>* tensors = nullptr) {
    // Graph inputs: NCHW → the internal NHWC (4-D) or a plain copy; the caller's buffer is read in place.
    for (size_t i = 0; i < inValues_.size(); ++i) {
      Value* v = inValues_[i];
      if (v->nhwc)
        kernels::NchwToNhwc(inputs[i], v->data(), v->shape, ElementSize(v->dtype));
      else
        std::memcpy(v->data(), inputs[i], v->Bytes());
    }
    if (tensors)
      for (Value* v : inValues_) tensors->push_back(Capture("input", v));
    if (profiling_)
      RunProfiled(tensors);
    else
      for (auto& s : steps_) s->Run();
    for (size_t i = 0; i < outValues_.size(); ++i) {
      Value* v = outValues_[i];
      if (v->nhwc)
        kernels::NhwcToNchw(v->data(), outputs[i], v->shape, ElementSize(v->dtype));
      else
        std::memcpy(outputs[i], v->data(), v->Bytes());
    }
  }

  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool_{nullptr, &pthreadpool_destroy};
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<Value*> inValues_, outValues_;
  std::vector<TensorSpec> inputs_, outputs_;
  // The int8 convolutions' widened input, one buffer for all (steps run one at a time, under runMutex_).
  std::vector<int16_t> int8Scratch_;
  std::vector<uint8_t, CacheLineAllocator<uint8_t>> arena_;  // the values' bytes (PlaceValues)
  std::vector<std::unique_ptr<Step>> steps_;                 // after pool_, values_ and arena_: runtimes die first
  std::string describe_;
  mutable std::mutex runMutex_;
  const bool profiling_;
  std::vector<OpProfile> profile_;  // profiling: one per step (one op each), in step order
  size_t profiledRuns_ = 0;
  Int8Isa int8Isa_ = Int8Isa::kScalar;  // of the int8 convolutions (Op::UsesInt8Conv)
  F32Isa f32Isa_ = F32Isa::kScalar;     // of the fp32 convolutions (Op::UsesF32Conv)

  static std::string ShapeText(const Shape& s) {
    std::string t;
    for (int64_t d : s) t += (t.empty() ? "" : "x") + std::to_string(d);
    return t;
  }

  // Each step (one op) timed; tensors: its output captured after it.
  void RunProfiled(std::vector<OpOutput>* tensors) {
    for (size_t i = 0; i < steps_.size(); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      steps_[i]->Run();
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      OpProfile& p = profile_[i];
      p.totalMs += ms;
      p.minMs = profiledRuns_ == 0 ? ms : std::min(p.minMs, ms);
      if (tensors) tensors->push_back(Capture(ops_[i]->label, ops_[i]->out));
    }
    ++profiledRuns_;
  }

  // The values our steps read and write (all but those inside one XNNPACK run) in one arena, sharing bytes where
  // their steps never meet: a value lives from its writer's step (graph inputs: before the first) to its last
  // reader's (graph outputs: after the last). The arena starts as 0xFF bytes (NaN floats): a kernel that reads bytes
  // it did not write goes wrong on the first run, in the tests, not only once another value shares them. Returns
  // the description's line on it.
  template <typename Segments>
  std::string PlaceValues(const Segments& segments, const std::set<Value*>& internal) {
    const auto steps = static_cast<int64_t>(segments.size());
    std::map<const Value*, size_t> index;
    std::vector<Value*> placed;
    std::vector<BufferLife> lives;
    size_t apart = 0;
    for (auto& v : values_) {
      if (internal.count(v.get())) continue;
      index[v.get()] = lives.size();
      placed.push_back(v.get());
      lives.push_back({v->Bytes() + XNN_EXTRA_BYTES, steps, -1});
    }
    auto life = [&](const Value* v) -> BufferLife* { return index.count(v) ? &lives[index[v]] : nullptr; };
    for (int64_t s = 0; s < steps; ++s)
      for (size_t k = segments[static_cast<size_t>(s)].begin; k < segments[static_cast<size_t>(s)].end; ++k) {
        for (const Value* v : ops_[k]->in)
          if (BufferLife* l = life(v)) l->last = std::max(l->last, s);
        if (BufferLife* l = life(ops_[k]->out)) l->first = std::min(l->first, s);
      }
    for (const Value* v : inValues_) life(v)->first = -1;
    for (const Value* v : outValues_) life(v)->last = steps;
    // A value no step touches (a fused op's former output) gets no bytes.
    size_t used = 0;
    for (size_t i = 0; i < lives.size(); ++i) {
      BufferLife l = lives[i];
      if (l.first == steps && l.last < 0) continue;
      if (l.first == steps) l.first = -1;  // written by no step: alive from the start
      l.last = std::max(l.last, l.first);  // read by no step: alive while it is written
      apart += l.bytes;
      lives[used] = l;
      placed[used++] = placed[i];
    }
    lives.resize(used);
    placed.resize(used);
    size_t bytes = 0;
    const std::vector<size_t> offsets = PlaceBuffers(lives, kCacheLine, &bytes);
    arena_.assign(bytes, 0xFF);
    for (size_t i = 0; i < placed.size(); ++i) placed[i]->buffer = arena_.data() + offsets[i];
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "tensors: " << static_cast<double>(bytes) / (1 << 20)
         << " MiB in one arena (" << static_cast<double>(apart) / (1 << 20) << " MiB each apart)\n";
    return line.str();
  }

  void AddKernel(const Op& op) {
    auto step = std::make_unique<KernelStep>();
    step->fn = op.Kernel(KernelContext{pool_.get(), &int8Scratch_, int8Isa_, f32Isa_});
    steps_.push_back(std::move(step));
  }
};

}  // namespace

std::unique_ptr<Plan> BuildPlan(const Graph& graph, int threads, bool threadsExplicit, bool profiling) {
  return std::make_unique<GraphPlan>(graph, threads, threadsExplicit, profiling);
}

// ---------------------------------------------------------------------------------------------------------
// int8 elementwise ops as tables of their 256 input values.

std::array<float, 256> DequantizedTableInputs(const Value& v) {
  std::array<int8_t, 256> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<int8_t>(static_cast<uint8_t>(i));
  std::array<float, 256> f{};
  kernels::Dequantize(bytes.data(), DType::I8, f.data(), f.size(), v.scale, v.zeroPoint);
  return f;
}

std::array<int8_t, 256> QuantizedTable(std::array<float, 256> p, float lo, float hi, float scale, int32_t zeroPoint) {
  for (float& x : p) {
    x = x > lo ? x : lo;
    x = x < hi ? x : hi;
  }
  std::array<int8_t, 256> t{};
  kernels::Quantize(p.data(), t.data(), p.size(), scale, zeroPoint, true);
  return t;
}

std::optional<std::array<int8_t, 256>> Int8Remap(const Value& x, float lo, float hi, float scale, int32_t zeroPoint) {
  const std::array<int8_t, 256> t = QuantizedTable(DequantizedTableInputs(x), lo, hi, scale, zeroPoint);
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] != static_cast<int8_t>(static_cast<uint8_t>(i))) return t;
  return std::nullopt;
}

namespace {

#if defined(__x86_64__)
// The table as 16 vpshufb tables of 16 bytes (each twice, one per 128-bit lane), for LookupAvx2's schedule: x as is,
// then x - 16 k wrapping for k = 1..8, saturating (signed) for k = 9..15. vpshufb gives 0 where the index byte is
// negative, else table[index & 15]; step k so contributes for the high nibbles h of x with max(0, h - 7) <= k <= h,
// and XORing the steps' results gives t[x] when tk = t_k ^ t_(k-1) (^ t'_(k-8) for k >= 8), t_k the k-th 16 bytes.
std::array<uint8_t, 512> ShuffleTables(const std::array<int8_t, 256>& t) {
  std::array<uint8_t, 256> d{};
  for (size_t k = 0; k < 16; ++k)
    for (size_t l = 0; l < 16; ++l) {
      uint8_t v = static_cast<uint8_t>(t[16 * k + l]);
      if (k > 0) v ^= static_cast<uint8_t>(t[16 * (k - 1) + l]);
      if (k >= 8) v ^= d[16 * (k - 8) + l];
      d[16 * k + l] = v;
    }
  std::array<uint8_t, 512> lanes{};
  for (size_t k = 0; k < 16; ++k)
    for (size_t l = 0; l < 32; ++l) lanes[32 * k + l] = d[16 * k + l % 16];
  return lanes;
}

__attribute__((target("avx2"))) inline __m256i TableAt(const uint8_t* tables, int k) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tables + 32 * k));
}

// 32 bytes of y at i.
__attribute__((target("avx2"))) inline void LookupBlockAvx2(const uint8_t* x, int8_t* y, size_t i,
                                                            const uint8_t* tables) {
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256i vx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
  __m256i vy = _mm256_shuffle_epi8(TableAt(tables, 0), vx);
  for (int k = 1; k <= 8; ++k) {
    vx = _mm256_sub_epi8(vx, sixteen);
    vy = _mm256_xor_si256(vy, _mm256_shuffle_epi8(TableAt(tables, k), vx));
  }
  for (int k = 9; k < 16; ++k) {
    vx = _mm256_subs_epi8(vx, sixteen);
    vy = _mm256_xor_si256(vy, _mm256_shuffle_epi8(TableAt(tables, k), vx));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), vy);
}

__attribute__((target("avx2"))) void LookupAvx2(const uint8_t* x, int8_t* y, size_t n, const uint8_t* tables,
                                                const int8_t* t) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) LookupBlockAvx2(x, y, i, tables);
  if (i == n) return;
  if (n >= 32) {  // the tail as the last 32 bytes again (the same values where they overlap; x and y are apart)
    LookupBlockAvx2(x, y, n - 32, tables);
    return;
  }
  for (; i < n; ++i) y[i] = t[x[i]];
}
#endif

}  // namespace

Int8Lookup::Int8Lookup(const std::array<int8_t, 256>& table) : table_(table) {
#if defined(__x86_64__)
  const Int8Isa isa = SelectInt8Isa();
  avx2_ = Int8IsaUsesAvx2(isa);
  if (avx2_) lanes_ = ShuffleTables(table);
#endif
}

void Int8Lookup::operator()(const uint8_t* x, int8_t* y, size_t n) const {
#if defined(__x86_64__)
  if (avx2_) return LookupAvx2(x, y, n, lanes_.data(), table_.data());
#endif
  for (size_t i = 0; i < n; ++i) y[i] = table_[x[i]];
}

std::function<void()> Int8TableOp::Kernel(const KernelContext&) const {
  Value* x = in[0];
  Value* y = out;
  return [x, y, lookup = Int8Lookup(table)] { lookup(x->data(), reinterpret_cast<int8_t*>(y->data()), y->Elements()); };
}

Op* Lowering::ProducerOp(const Value* v) const {
  for (auto it = ops.rbegin(); it != ops.rend(); ++it)
    if ((*it)->out == v) return it->get();
  return nullptr;
}

void RunInXnnOnce(Op* floatOp, Value* x, Value* y) {
  floatOp->in = {x};
  floatOp->out = y;
  XnnRun({floatOp}, {x, y}, nullptr).Run();
}

bool Lowering::LowerInt8Table(const Node& n, std::unique_ptr<Op> floatOp) {
  Int8Match m;
  if (!MatchInt8(n, 1, &m)) return false;
  // The float op's own XNNPACK node over the 256 values as a 1-D tensor: the computation of the float path.
  Value x, y;
  for (Value* v : {&x, &y}) {
    v->name = "table of " + n.op + " '" + n.name + "'";
    v->shape = {256};
    v->nhwc = false;
    v->Allocate();
  }
  const std::array<float, 256> xs = DequantizedTableInputs(*m.ins[0]);
  std::memcpy(x.data(), xs.data(), x.Bytes());
  RunInXnnOnce(floatOp.get(), &x, &y);
  std::array<float, 256> ys{};
  std::memcpy(ys.data(), y.data(), y.Bytes());

  auto op = std::make_unique<Int8TableOp>();
  op->table = QuantizedTable(ys, m.lo, m.hi, m.outScale, m.outZeroPoint);
  Int8TableOp* raw = op.get();
  EmitInt8(std::move(op), n, m);
  raw->what = raw->label;
  raw->label += " (table)";
  return true;
}

}  // namespace hostnn