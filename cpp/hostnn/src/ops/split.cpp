// ONNX Split: the input cut along `axis` (default 0) into one output per part; the part sizes come from the
// `split` input (opset 13+) or attribute (opset 11), else equal parts. Each output is lowered as its own copy of
// a slice (an Op has one output), in the stored layout: a 4-D tensor's axis is mapped onto NHWC. In int8 QDQ
// models (DequantizeLinear → Split → QuantizeLinear on every output) each slice moves int8 bytes: copied, or through
// a table to its output's params.
#include "ops/op.h"

#include <cstring>
#include <memory>
#include <optional>

namespace hostnn {
namespace {

// The part sizes along the axis (checked by Infer).
std::vector<int64_t> Parts(const Graph& g, const Node& n, int64_t dim) {
  if (g.opset >= 13) {
    if (n.inputs.size() > 1 && !n.inputs[1].empty()) return g.GetConst(n.inputs[1]).AsInt64();
  } else if (n.Has("split")) {
    return n.Ints("split", {});
  }
  return std::vector<int64_t>(n.outputs.size(), dim / static_cast<int64_t>(n.outputs.size()));  // equal parts
}

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  if (node.outputs.empty()) c.Bad("no outputs");
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = InferContext::NormAxis(node.Int("axis", 0), x.shape.size());
  if (axis < 0 || axis >= rank)
    c.Bad("axis " + std::to_string(node.Int("axis", 0)) + " out of range for rank " + std::to_string(rank));
  if (c.g.opset >= 13 && c.HasIn(1)) {
    const Const& s = c.ConstIn(1, "split");
    if (s.dtype != DType::I64 || s.shape.size() != 1) c.Bad("split must be a 1-D int64 tensor");
  } else if (c.g.opset < 13 && c.HasIn(1)) {
    c.Bad("split is an attribute before opset 13, not an input");
  }
  const int64_t dim = x.shape[axis];
  const bool given = c.g.opset >= 13 ? c.HasIn(1) : node.Has("split");
  const int64_t count = static_cast<int64_t>(node.outputs.size());
  if (!given && dim % count != 0)
    c.Bad("axis " + std::to_string(axis) + " of " + ShapeString(x.shape) + " does not split into " +
          std::to_string(count) + " equal parts");
  const std::vector<int64_t> parts = Parts(c.g, node, dim);
  if (parts.size() != node.outputs.size())
    c.Bad("split has " + std::to_string(parts.size()) + " sizes for " + std::to_string(node.outputs.size()) +
          " outputs");
  int64_t sum = 0;
  for (int64_t p : parts)
    if (p <= 0 || !CheckedAdd(sum, p, &sum))
      c.Bad("split sizes " + ShapeString(parts) + " do not cut axis " + std::to_string(axis) + " of " +
            ShapeString(x.shape) + " into positive parts");
  if (sum != dim)
    c.Bad("split sizes " + ShapeString(parts) + " add up to " + std::to_string(sum) + ", axis " + std::to_string(axis) +
          " of " + ShapeString(x.shape) + " is " + std::to_string(dim));
  for (size_t i = 0; i < parts.size(); ++i) {
    Shape o = x.shape;
    o[axis] = parts[i];
    c.Out(i, x.dtype, o);
  }
}

// out = the slice [offset, offset + out's size) of in[0] along the stored axis.
class SliceOp : public Op {
 public:
  int64_t axis = 0;  // logical
  int64_t offset = 0;
  std::optional<std::array<int8_t, 256>> remap;  // int8 only: the table to out's params (Int8Remap), else a copy

  std::function<void()> Kernel(const KernelContext&) const override {
    const Value* x = in[0];
    Value* y = out;
    const Shape xs = x->Physical(), ys = y->Physical();
    const size_t a = static_cast<size_t>(x->nhwc ? PhysicalAxis(axis) : axis);
    size_t outer = 1, inner = ElementSize(y->dtype);
    for (size_t d = 0; d < a; ++d) outer *= static_cast<size_t>(xs[d]);
    for (size_t d = a + 1; d < xs.size(); ++d) inner *= static_cast<size_t>(xs[d]);
    const size_t inRow = static_cast<size_t>(xs[a]) * inner, outRow = static_cast<size_t>(ys[a]) * inner,
                 start = static_cast<size_t>(offset) * inner;
    Value* src = in[0];
    if (remap)
      return [src, y, outer, inRow, outRow, start, lookup = Int8Lookup(*remap)] {
        for (size_t o = 0; o < outer; ++o)
          lookup(src->data() + o * inRow + start, reinterpret_cast<int8_t*>(y->data() + o * outRow), outRow);
      };
    return [src, y, outer, inRow, outRow, start] {
      for (size_t o = 0; o < outer; ++o) std::memcpy(y->data() + o * outRow, src->data() + o * inRow + start, outRow);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  Value* x = l.Act(n, 0);
  const int64_t axis = InferContext::NormAxis(n.Int("axis", 0), x->shape.size());
  const std::vector<int64_t> parts = Parts(l.Imported(), n, x->shape[axis]);
  int64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto op = l.New<SliceOp>(n);
    op->label += " output " + std::to_string(i);
    op->out = l.Get(n.outputs[i]);
    op->in = {x};
    op->axis = axis;
    op->offset = offset;
    offset += parts[i];
    l.Emit(std::move(op));
  }
}

// int8: every output in the int8 pattern (its own QuantizeLinear, maybe after a Relu/Clip), else nothing here.
bool LowerInt8(Lowering& l, const Node& n) {
  std::vector<Int8Match> ms(n.outputs.size());
  for (size_t i = 0; i < ms.size(); ++i)
    if (!l.MatchInt8(n, 1, &ms[i], i)) return false;
  const Value* x = ms[0].ins[0];
  const int64_t axis = InferContext::NormAxis(n.Int("axis", 0), x->shape.size());
  const std::vector<int64_t> parts = Parts(l.Imported(), n, x->shape[axis]);
  int64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Int8Match& m = ms[i];
    auto op = std::make_unique<SliceOp>();
    op->axis = axis;
    op->offset = offset;
    op->remap = Int8Remap(*x, m.lo, m.hi, m.outScale, m.outZeroPoint);
    SliceOp* raw = op.get();
    l.EmitInt8(std::move(op), n, m);
    raw->label += " output " + std::to_string(i);
    offset += parts[i];
  }
  return true;
}

}  // namespace

namespace ops {
const OpDef& Split() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
