// ONNX Concat.
#include "ops/op.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  if (node.inputs.empty()) c.Bad("no inputs");
  Shape o = c.In(0).shape;
  DType t = c.In(0).dtype;
  if (!node.Has("axis")) c.Bad("axis is required");
  int64_t axis = InferContext::NormAxis(node.Int("axis", 0), o.size());
  if (axis < 0 || axis >= static_cast<int64_t>(o.size())) c.Bad("axis out of range");
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const ValueInfo& v = c.In(i);
    if (v.dtype != t || v.shape.size() != o.size()) c.Bad("inputs differ in type or rank");
    for (size_t d = 0; d < o.size(); ++d)
      if (static_cast<int64_t>(d) != axis && v.shape[d] != o[d]) c.Bad("input shapes differ off the concat axis");
    o[axis] += v.shape[axis];
  }
  c.Out(0, t, o);
}

class ConcatOp : public Op {
 public:
  int64_t axis = 0;  // logical, normalized
  // int8 only, one per input: its table to the output's params (Int8Remap; nullopt: its bytes are copied). Empty:
  // every input is copied.
  std::vector<std::optional<std::array<int8_t, 256>>> remap;

  // Per outer index (in NHWC along C: per pixel) each input's run of bytes, copied or looked up.
  struct Part {
    const uint8_t* src;
    size_t bytes, offset;  // per outer index; offset in the output row
    std::optional<Int8Lookup> lookup;
  };
  struct Task {
    const std::vector<Part>* parts;
    uint8_t* y;
    size_t row;
    // Outer indices [start, start + count).
    static void Run(void* context, size_t start, size_t count) {
      const Task& t = *static_cast<const Task*>(context);
      uint8_t* dst = t.y + start * t.row;
      for (size_t o = start; o < start + count; ++o, dst += t.row)
        for (const Part& p : *t.parts) {
          const uint8_t* src = p.src + o * p.bytes;
          if (p.lookup)
            (*p.lookup)(src, reinterpret_cast<int8_t*>(dst + p.offset), p.bytes);
          else
            std::memcpy(dst + p.offset, src, p.bytes);
        }
    }
  };

  std::function<void()> Kernel(const KernelContext& k) const override {
    Value* y = out;
    const int64_t a = y->nhwc ? PhysicalAxis(axis) : axis;
    const Shape ys = y->Physical();
    size_t outer = 1, inner = ElementSize(y->dtype);
    for (int64_t d = 0; d < a; ++d) outer *= static_cast<size_t>(ys[d]);
    for (size_t d = static_cast<size_t>(a) + 1; d < ys.size(); ++d) inner *= static_cast<size_t>(ys[d]);
    auto parts = std::make_shared<std::vector<Part>>();  // the plan's buffers are in place before kernels are made
    size_t offset = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const size_t bytes = static_cast<size_t>(in[i]->Physical()[a]) * inner;
      parts->push_back(Part{in[i]->data(), bytes, offset, std::nullopt});
      if (!remap.empty() && remap[i]) parts->back().lookup.emplace(*remap[i]);
      offset += bytes;
    }
    const size_t row = offset;
    // Outer indices over the pool past kParallelBytes (DenseNet's concatenations: up to 3.6 MB per image).
    const pthreadpool_t pool = outer * row > kParallelBytes ? k.pool : nullptr;
    const size_t tile = pool ? std::max<size_t>(1, kTaskBytes / row) : outer;
    return [parts, y, outer, row, pool, tile] {
      Task task{parts.get(), y->data(), row};
      pthreadpool_parallelize_1d_tile_1d(pool, &Task::Run, &task, outer, tile, 0);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<ConcatOp>(n);
  for (size_t i = 0; i < n.inputs.size(); ++i) op->in.push_back(l.Act(n, i));
  op->axis = n.Int("axis", 0);
  if (op->axis < 0) op->axis += static_cast<int64_t>(op->in[0]->shape.size());
  l.Emit(std::move(op));
}

// int8: each input's bytes copied when its params are the output's, else mapped through its table of the float
// path's DequantizeLinear → [Relu|Clip] → QuantizeLinear (the same bits as that path).
bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, n.inputs.size(), &m)) return false;
  auto op = std::make_unique<ConcatOp>();
  op->axis = n.Int("axis", 0);
  if (op->axis < 0) op->axis += static_cast<int64_t>(m.ins[0]->shape.size());
  for (Value* v : m.ins) op->remap.push_back(Int8Remap(*v, m.lo, m.hi, m.outScale, m.outZeroPoint));
  if (std::none_of(op->remap.begin(), op->remap.end(), [](const auto& r) { return r.has_value(); })) op->remap.clear();
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& Concat() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
