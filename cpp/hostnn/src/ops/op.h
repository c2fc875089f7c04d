// What an op file (ops/<op>.cpp) implements and the contexts it is given: shape inference at import (model.cpp)
// and, in the execution plan (plan.cpp), float and int8 QDQ lowering to a typed Op that XNNPACK defines or our
// kernel runs. The registry (registry.h) maps an ONNX op type to its OpDef.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conv_f32.h"
#include "model.h"
#include "qconv_int8.h"

namespace hostnn {

// Static shape inference of one node: attribute checks, checked arithmetic, the output ValueInfos.
class InferContext {
 public:
  explicit InferContext(Graph& graph) : g(graph) {}
  Graph& g;
  const Node* n = nullptr;

  [[noreturn]] void Bad(const std::string& msg) const;    // OH_NN_INVALID_FILE "invalid ONNX model: <op> <node>: "
  [[noreturn]] void Unsup(const std::string& msg) const;  // OH_NN_UNSUPPORTED "unsupported <op> <node>: "
  const ValueInfo& In(size_t i) const;                    // a present, defined input
  bool HasIn(size_t i) const { return i < n->inputs.size() && !n->inputs[i].empty(); }
  const Const& ConstIn(size_t i, const char* what) const;  // an input that must be a constant
  [[noreturn]] void TooLarge(const std::string& what) const;
  void Out(size_t i, DType t, Shape s);  // declares output i (positive dims, at most kMaxElements, once)
  void RequireFloat(const ValueInfo& v, const char* what) const;
  // Output 0 has input 0's type and shape (elementwise ops); floatOnly: the input must be float32.
  void SameAsInput(bool floatOnly);
  // Input 1 of QuantizeLinear / DequantizeLinear: float32, every value finite, positive and normal.
  const Const& Scales() const;
  static int64_t NormAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }
  Shape Broadcast(const Shape& a, const Shape& b) const;
  // Spatial output size for conv/pool with explicit or auto padding; fills pads (begin..., end...).
  Shape Spatial(const Shape& x, const std::vector<int64_t>& kernel, bool ceilMode, bool pool,
                std::vector<int64_t>* padsOut) const;
};

// ---- execution plan -----------------------------------------------------------------------------------------

constexpr float kInf = std::numeric_limits<float>::infinity();

// Allocates on 64-byte (cache line) boundaries: the kernels' 32-byte loads and stores of a tensor then never span
// two cache lines (malloc's large blocks start 16 bytes into a page: half of them did).
constexpr size_t kCacheLine = 64;
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{kCacheLine};
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}  // NOLINT(google-explicit-constructor): rebinding
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};

// A tensor of the lowered graph. 4-D activations are stored NHWC ("nhwc"); everything else in ONNX order.
struct Value {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;  // ONNX (logical) shape
  bool nhwc = false;
  bool quantized = false;  // int8 activation with per-tensor params (scale, zero_point)
  float scale = 1.f;
  int32_t zeroPoint = 0;
  // Its bytes (+ XNN_EXTRA_BYTES slack): a part of its plan's arena (arena.h), or its own storage (Allocate).
  uint8_t* buffer = nullptr;
  std::vector<uint8_t, CacheLineAllocator<uint8_t>> storage;
  uint8_t* data() { return buffer; }
  void Allocate() {
    storage.resize(Bytes() + XNN_EXTRA_BYTES);
    buffer = storage.data();
  }
  size_t Elements() const { return static_cast<size_t>(NumElements(shape)); }
  size_t Bytes() const { return Elements() * ElementSize(dtype); }
  Shape Physical() const { return nhwc ? Shape{shape[0], shape[2], shape[3], shape[1]} : shape; }
};

// Stored in ONNX element order: not NHWC, or NHWC where that is the same order (one channel or one pixel).
bool SameOrder(const Value* v);
// A logical (ONNX) axis of a 4-D tensor as the axis of its stored (NHWC) layout.
int64_t PhysicalAxis(int64_t axis);

// Window of a 2-D convolution or pooling: pads top, left, bottom, right.
struct Window2D {
  int64_t pads[4] = {0, 0, 0, 0}, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
};

// Constant weights of an int8 Conv/FC: int8 values (zero point 0) in ONNX layout, a scale per output channel and
// the int32 bias (scale x_s * w_s[c]).
struct QuantWeights {
  std::vector<int8_t> w;
  std::vector<float> scale;
  std::vector<int32_t> bias;
  Shape shape;
};

class XnnDefiner;
// The byte-streaming kernels (Concat, int8 BatchNormalization) split a tensor of more than kParallelBytes over the
// pool, in tasks of about kTaskBytes: below it a thread's wake-up costs about what it saves.
constexpr size_t kParallelBytes = size_t{1} << 16;
constexpr size_t kTaskBytes = size_t{1} << 14;
// What our kernels get: the plan's thread pool (null: one thread), the int8 convolutions' shared scratch (steps
// run one at a time) and the int8 and fp32 convolution variants the plan picked.
struct KernelContext {
  pthreadpool_t pool;
  std::vector<int16_t>* int8Scratch;
  Int8Isa int8Isa;
  F32Isa f32Isa;
};

// One lowered operation (one ONNX node, or a fused DQ→op→(Relu|Clip)→Q pattern when int8). Each op file derives
// its own with typed parameters.
class Op {
 public:
  virtual ~Op() = default;
  std::string label;  // "Conv 'name'" (+ " + Relu" when a clamp was fused)
  std::vector<Value*> in;
  Value* out = nullptr;
  bool int8 = false;
  float outMin = -kInf, outMax = kInf;  // output clamp: the op's own (Relu/Clip) or a fused one

  // XNNPACK can run it (the plan has checked that every value is fp32 or quantized int8).
  virtual bool InXnn() const { return false; }
  // Its XNNPACK node (only when InXnn()).
  virtual void Define(XnnDefiner& d) const;
  // Our kernel (only when !InXnn()); the function runs the op on the values' buffers.
  virtual std::function<void()> Kernel(const KernelContext& k) const;
  // Runs in our int8 convolution kernel (qconv_int8.h): the plan picks its variant and names it.
  virtual bool UsesInt8Conv() const { return false; }
  // Runs in one of our fp32 kernels (conv_f32.h, dwconv.h, wino_f32.h, fc_f32.h): the plan picks its F32Isa and names
  // it.
  virtual bool UsesF32Conv() const { return false; }
  // The kernel variant the plan description names after the label ("AVX2", "AVX2 depthwise"), from the variants the
  // plan picked; "" when the op names none.
  virtual std::string Variant(Int8Isa int8Isa, F32Isa f32Isa) const {
    return UsesInt8Conv() ? Int8IsaLabel(int8Isa) : UsesF32Conv() ? F32IsaLabel(f32Isa) : "";
  }
  // Multiply-accumulates of a convolution or fully connected layer (the work threads can share); 0 otherwise.
  virtual int64_t Macs() const { return 0; }
  // Takes over a float Add of its output and residual (a value of its output's shape and layout computed before it):
  // the kernel adds residual to its results before the clamp, in[1] = residual. False when it cannot (then nothing
  // changed).
  virtual bool FuseResidual(Value*) { return false; }
};

// An int8 output's clamp bound v (float) as a quantized value of y, or def when v is infinite.
int32_t QuantizedBound(const Value* y, float v, int32_t def);
// Our int8 convolution over x → y with the op's output clamp (Conv with groups = 1; Gemm as a 1x1 convolution).
std::function<void()> Int8ConvKernel(const ConvGeometry2D& geo, const QuantWeights& q, Value* x, Value* y, float outMin,
                                     float outMax, const KernelContext& k);

// y[i] = table[x[i]] over n bytes (x and y must not overlap); with AVX2 (the int8 kernels' ISA choice,
// NPULENS_HOSTNN_ISA) 32 bytes at a time in vpshufb. Made once when the plan is built, applied to any number of ranges.
class Int8Lookup {
 public:
  explicit Int8Lookup(const std::array<int8_t, 256>& table);
  void operator()(const uint8_t* x, int8_t* y, size_t n) const;

 private:
  std::array<int8_t, 256> table_;
#if defined(__x86_64__)
  std::array<uint8_t, 512> lanes_{};  // the vpshufb form (AVX2 only)
  bool avx2_ = false;
#endif
};

// An int8 elementwise op as a table of its 256 input values (input params → output params). Exact by construction:
// the table holds what DequantizeLinear → the float op → [Relu|Clip] → QuantizeLinear gives for each value.
class Int8TableOp : public Op {
 public:
  std::array<int8_t, 256> table{};  // indexed by the input's byte
  std::string what;                 // the op it computes, for a Mul that composes it ("Sigmoid 's'")
  std::function<void()> Kernel(const KernelContext& k) const override;
};

// The 256 int8 values in table order (entry i is the value whose byte is i), dequantized with v's params exactly as
// the DequantizeLinear kernel does.
std::array<float, 256> DequantizedTableInputs(const Value& v);
// Entry i: the product p[i] clamped to [lo, hi] (NaN to lo, as XNNPACK's clamp), then the QuantizeLinear kernel's int8.
std::array<int8_t, 256> QuantizedTable(std::array<float, 256> p, float lo, float hi, float scale, int32_t zeroPoint);

// An int8 tensor x moved to an int8 output (scale, zeroPoint) by a byte-moving op (Concat, Split): the table of what
// DequantizeLinear → [clamp to lo..hi] → QuantizeLinear gives for each of its 256 values, as the float path computes
// them; nullopt when that leaves every value as it is (a plain copy).
std::optional<std::array<int8_t, 256>> Int8Remap(const Value& x, float lo, float hi, float scale, int32_t zeroPoint);

// Runs a float op (InXnn) once on x -> y, outside any plan (their buffers allocated, + XNN_EXTRA_BYTES): an int8
// table op computes its entries with the float path's own XNNPACK nodes, so it gives that path's bits.
void RunInXnnOnce(Op* floatOp, Value* x, Value* y);

// XNNPACK subgraph under construction, for Op::Define: value ids and static (weight) tensors it keeps alive.
class XnnDefiner {
 public:
  explicit XnnDefiner(xnn_subgraph_t sg) : sg(sg) {}
  xnn_subgraph_t sg;
  uint32_t Id(Value* v);  // the value's id (defined on first use)
  uint32_t Define(Value* v, uint32_t extId, uint32_t flags);
  template <typename T>
  const void* Keep(const std::vector<T>& data) {  // a copy (+ XNN_EXTRA_BYTES) that lives as long as the runtime
    return KeepBytes(data.data(), data.size() * sizeof(T));
  }
  uint32_t StaticF(const std::vector<float>& data, const std::vector<size_t>& dims);
  // An fp32 value only the subgraph sees, with `like`'s stored dims: between two nodes of one op.
  uint32_t Internal(const Value* like);

 private:
  const void* KeepBytes(const void* data, size_t bytes);
  std::map<Value*, uint32_t> ids_;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> statics_;
};

std::vector<size_t> ToSizes(const Shape& s);
void XnnCheck(xnn_status st, const std::string& what);

// The int8 QDQ pattern around a node: its output Q (after an optional Relu/Clip) and its activation inputs' DQ.
struct Int8Match {
  size_t qIndex = 0;
  std::vector<size_t> absorbed;  // node indices the int8 op replaces besides its own
  float lo = -kInf, hi = kInf;
  std::vector<Value*> ins;  // the int8 activations (params set)
  float outScale = 1.f;
  int32_t outZeroPoint = 0;
  bool SameParams() const { return ins[0]->scale == outScale && ins[0]->zeroPoint == outZeroPoint; }
  // No Relu/Clip absorbed before the Q: a byte copy (Concat, Reshape, Identity, Transpose) cannot apply one.
  bool Unclamped() const { return lo == -kInf && hi == kInf; }
};

// Lowering of ONNX nodes to Ops: the graph's producers and consumers and the helpers op files share.
class Lowering {
 public:
  explicit Lowering(const Graph& g, int threads = 1);
  // Threads the plan is built for (a kernel choice may depend on it: ConvOp::XnnGemmFaster).
  const int threads;
  std::vector<std::unique_ptr<Value>> values;
  std::vector<std::unique_ptr<Op>> ops;
  std::vector<Value*> inputValues, outputValues;
  void Run();

  const Graph& Imported() const { return g_; }  // the graph being lowered
  [[noreturn]] void Unsup(const Node& n, const std::string& msg) const;
  Value* Get(const std::string& name);
  // Input i as a computed tensor (a constant there is unsupported).
  Value* Act(const Node& n, size_t i);
  // A new float op for n: label set, out = n's output 0.
  template <typename T>
  std::unique_ptr<T> New(const Node& n) {
    auto op = std::make_unique<T>();
    op->label = n.op + " '" + n.name + "'";
    op->out = Get(n.outputs[0]);
    return op;
  }
  void Emit(std::unique_ptr<Op> op) { ops.push_back(std::move(op)); }
  const Node* Producer(const std::string& name) const;
  // Scalar float constant (Clip bounds, quant scales) and a zero point input (0 when absent).
  float ScalarF(const std::string& name) const;
  int32_t ScalarZp(const Node& n, size_t idx) const;
  // A constant as float: a float initializer, or DequantizeLinear of an integer initializer (folded).
  bool FloatConst(const std::string& name, std::vector<float>* out, Shape* shape) const;
  bool IsFloatConst(const std::string& name) const;  // what FloatConst accepts, by its form
  // Window of a 2-D conv/pool node over input x (ceilMode: end padding grown to give the ceil-mode size).
  void Window(const Node& n, const Shape& x, int64_t kh, int64_t kw, bool ceilMode, Window2D* w) const;
  // n → Relu|Clip (sole consumer): fold the clamp into op's output range.
  void FuseClamp(const Node& n, Op* op);

  // ---- int8 QDQ ----
  // n's output → [Relu|Clip] → QuantizeLinear(int8) (for a clamp op: n → QuantizeLinear), and its first
  // actInputs inputs DequantizeLinear of per-tensor int8 activations.
  // output: which of n's outputs (Split has several).
  bool MatchInt8(const Node& n, size_t actInputs, Int8Match* m, size_t output = 0);
  // DequantizeLinear of an int8 constant with zero zero-points; per-tensor or per-axis on wantAxis.
  bool WeightDQ(const std::string& name, int64_t wantAxis, QuantWeights* q) const;
  // DequantizeLinear of an int32 constant, zp 0, scale = x_scale * w_scale[c].
  bool BiasDQ(const std::string& name, float xScale, QuantWeights* q) const;
  // Adds op as the int8 op for n and the match (label, clamp, in, out set here).
  void EmitInt8(std::unique_ptr<Op> op, const Node& n, const Int8Match& m);
  // DQ → n → [Relu|Clip] → Q of one int8 activation as an Int8TableOp: floatOp (n's float op, not emitted) runs once
  // in XNNPACK over the 256 dequantized values; false (nothing emitted) when n is not in that pattern.
  bool LowerInt8Table(const Node& n, std::unique_ptr<Op> floatOp);
  // The op emitted so far that produces v (null when none).
  Op* ProducerOp(const Value* v) const;
  // The only consumer of name (not a graph output): its node index in *c.
  bool SoleConsumer(const std::string& name, size_t* c) const;
  // A node an emitted op computes besides its own (not lowered again).
  void Claim(size_t node) { claimed_[node] = true; }

 private:
  const Graph& g_;
  std::map<std::string, size_t> producer_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graphOutputs_;
  std::map<std::string, Value*> byName_;
  std::vector<bool> claimed_;

  size_t ConsumerCount(const std::string& name) const;
  Value* ActDQ(const std::string& name);
  bool OutQ(const std::string& name, Int8Match* m);
  bool IsInt8Q(size_t index) const;
  void EliminateDead();
};

// One ONNX op type (default domain, the opsets ImportOnnx accepts; an op whose meaning changed between them reads
// Graph::opset, e.g. Softmax). Hooks an op does not have are null.
struct OpDef {
  // The fields in the order an op file lists them: `static const OpDef kDef{Infer, LowerFloat, LowerInt8};`.
  void (*infer)(InferContext& c) = nullptr;
  // Plan: the float lowering (Lowering::Emit of the op, or nothing when the node folds away).
  void (*lowerFloat)(Lowering& l, const Node& n) = nullptr;
  // Plan: the int8 QDQ lowering; false when the node is not in an int8 pattern this op runs (then lowerFloat).
  bool (*lowerInt8)(Lowering& l, const Node& n) = nullptr;
  // An op that clamps its input (Relu, Clip): its range, so the plan can fold it into the op before it.
  void (*clampRange)(const Lowering& l, const Node& n, float* lo, float* hi) = nullptr;
  // Import-time folding: true when the node was replaced by a constant (Identity of a constant).
  bool (*foldConstant)(Graph& g, const Node& n) = nullptr;
};

// A float elementwise op XNNPACK defines in one call with xnn_define_sigmoid's signature (Sigmoid, HardSwish): its
// output has the input's shape, and its int8 QDQ form is a table of the 256 input values (Lowering::LowerInt8Table).
template <xnn_status (*kDefine)(xnn_subgraph_t, uint32_t, uint32_t, uint32_t)>
class XnnUnaryOp : public Op {
 public:
  bool InXnn() const override { return true; }
  void Define(XnnDefiner& d) const override { XnnCheck(kDefine(d.sg, d.Id(in[0]), d.Id(out), 0), label); }

  static OpDef Def() {
    OpDef d;
    d.infer = [](InferContext& c) { c.SameAsInput(true); };
    d.lowerFloat = [](Lowering& l, const Node& n) {
      auto op = l.New<XnnUnaryOp>(n);
      op->in = {l.Act(n, 0)};
      l.Emit(std::move(op));
    };
    d.lowerInt8 = [](Lowering& l, const Node& n) { return l.LowerInt8Table(n, std::make_unique<XnnUnaryOp>()); };
    return d;
  }
};

}  // namespace hostnn
