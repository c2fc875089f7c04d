// ONNX MaxPool and AveragePool (2-D, NCHW): one family, they share everything but the reduction.
#include "ops/op.h"

#include <memory>

#include "kernels.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  if (x.shape.size() != 4) c.Unsup("only 2-D pooling (4-D NCHW input) is supported");
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) c.Unsup("the Indices output is not supported");
  if (!node.Has("kernel_shape")) c.Bad("kernel_shape is required");
  std::vector<int64_t> pads;
  Shape sp = c.Spatial(x.shape, node.Ints("kernel_shape", {}), node.Int("ceil_mode", 0) != 0, true, &pads);
  if (node.op == "MaxPool" && node.Int("storage_order", 0) != 0) c.Unsup("storage_order=1");
  c.Out(0, DType::F32, {x.shape[0], x.shape[1], sp[0], sp[1]});
}

class PoolOp : public Op {
 public:
  bool max = false;  // MaxPool, else AveragePool
  bool countIncludePad = false;
  Window2D win;

  bool InXnn() const override { return max && win.kh * win.kw > 1; }
  void Define(XnnDefiner& d) const override {
    XnnCheck(xnn_define_max_pooling_2d(d.sg, win.pads[0], win.pads[3], win.pads[2], win.pads[1], win.kh, win.kw, win.sh,
                                       win.sw, win.dh, win.dw, outMin, outMax, d.Id(in[0]), d.Id(out), 0),
             label);
  }
  std::function<void()> Kernel(const KernelContext&) const override {
    Value* x = in[0];
    Value* y = out;
    Window2D w = win;
    bool isMax = max, cip = countIncludePad;
    return [x, y, w, isMax, cip] {
      kernels::Pool2D(reinterpret_cast<const float*>(x->data()), x->Physical(), reinterpret_cast<float*>(y->data()),
                      y->Physical(), w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, w.pads, isMax, cip);
    };
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<PoolOp>(n);
  op->max = n.op == "MaxPool";
  op->in = {l.Act(n, 0)};
  auto k = n.Ints("kernel_shape", {});
  l.Window(n, op->in[0]->shape, k[0], k[1], n.Int("ceil_mode", 0) != 0, &op->win);
  op->countIncludePad = n.Int("count_include_pad", 0) != 0;
  if (!op->max && n.Int("ceil_mode", 0) != 0 && op->countIncludePad) l.Unsup(n, "ceil_mode=1 with count_include_pad=1");
  l.Emit(std::move(op));
}

// int8 MaxPool in XNNPACK (same params in and out).
bool LowerInt8MaxPool(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m) || !m.SameParams()) return false;
  auto op = std::make_unique<PoolOp>();
  op->max = true;
  auto k = n.Ints("kernel_shape", {});
  // A 1x1 window runs in our float kernel (XNNPACK has no 1x1 max pooling): keep the float path for it.
  if (k[0] * k[1] == 1) return false;
  l.Window(n, m.ins[0]->shape, k[0], k[1], n.Int("ceil_mode", 0) != 0, &op->win);
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

namespace ops {
const OpDef& MaxPool() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8MaxPool};
  return kDef;
}
const OpDef& AveragePool() {
  static const OpDef kDef{Infer, LowerFloat};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
