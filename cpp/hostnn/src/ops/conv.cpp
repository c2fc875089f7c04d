// ONNX Conv (2-D, NCHW): groups = 1 in our kernels (fp32: conv_f32.h where the CPU has AVX2+FMA, else XNNPACK, and
// XNNPACK's AVX-512 GEMM on one thread of a Zen 4 core: ConvOp::XnnGemmFaster;
// int8: qconv_int8.h, 3x3 stride 1 with AVX2 in the exact Winograd of wino_int8.h); fp32 grouped of at least 8
// channels per group in conv_f32.h (AVX2+FMA); depthwise in ours (dwconv.h: int8 where the CPU has AVX2, fp32 where it
// has AVX2+FMA); fp32 3x3 stride 1 of enough channels and pixels in Winograd F(4x4, 3x3) (wino_f32.h, AVX2+FMA or
// AVX-512); the others in XNNPACK.
#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "dwconv.h"
#include "wino_f32.h"
#include "wino_int8.h"

namespace hostnn {
namespace {

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "input");
  const ValueInfo& w = c.In(1);
  if (x.shape.size() != 4)
    c.Unsup("only 2-D convolution (4-D NCHW input) is supported, input is " + ShapeString(x.shape));
  if (w.shape.size() != 4) c.Bad("weight must be 4-D, got " + ShapeString(w.shape));
  int64_t group = node.Int("group", 1);
  // group <= channels first: the product below then stays under 2^60.
  if (group <= 0 || group > x.shape[1] || x.shape[1] % group != 0 || w.shape[0] % group != 0 ||
      w.shape[1] * group != x.shape[1])
    c.Bad("group " + std::to_string(group) + " does not match input " + ShapeString(x.shape) + " and weight " +
          ShapeString(w.shape));
  if (c.HasIn(2) && NumElements(c.In(2).shape) != w.shape[0]) c.Bad("bias size does not match the output channels");
  auto ks = node.Ints("kernel_shape", {w.shape[2], w.shape[3]});
  if (ks != std::vector<int64_t>{w.shape[2], w.shape[3]}) c.Bad("kernel_shape does not match the weight");
  std::vector<int64_t> pads;
  Shape sp = c.Spatial(x.shape, ks, false, false, &pads);
  c.Out(0, DType::F32, {x.shape[0], w.shape[0], sp[0], sp[1]});
}

class ConvOp : public Op {
 public:
  Window2D win;
  int64_t groups = 1;
  Shape wshape;                  // OIHW
  std::vector<float> wf, biasF;  // fp32
  QuantWeights q;                // int8

  bool InXnn() const override { return !UsesInt8Conv() && !UsesF32Conv(); }
  // Depthwise (multiplier 1, at most kDwMaxTaps taps): the kernel's weights have one input channel per group.
  bool Depthwise() const {
    return wshape.size() == 4 && wshape[1] == 1 && wshape[0] == groups && wshape[2] * wshape[3] <= kDwMaxTaps;
  }
  // int8 depthwise in our dwconv.h where the CPU has AVX2, of at least 64 channels (the per-pixel kernel: 0.80-0.91x
  // XNNPACK 2022's time on MobileNetV2's layers of 96-960 channels, 1.08x on its 32-channel one; npulens_bench
  // --profile, 1 thread) or of a multiple of 8 channels where the row kernel runs (DwInt8RowKernel; MobileNetV2's 32
  // channels at 112x112: 0.49x XNNPACK's time, EfficientNet-B0's 0.50x; ShuffleNetV2's 58 channels at 28x28, whose
  // last 2 channels run in portable C++, 1.05-1.17x: XNNPACK); elsewhere XNNPACK. Below 64 channels only rows of at
  // least 8 output columns (16 at stride 2), where the row kernel was measured against XNNPACK.
  bool OursDepthwise() const {
    if (!int8 || !Depthwise() || !Int8IsaSupported(Int8Isa::kAvx2)) return false;
    if (groups >= 64) return true;
    const ConvGeometry2D g = Geometry();
    return groups % 8 == 0 && DwInt8RowKernel(g, Int8Isa::kAvx2) && g.outW >= (g.strideW == 1 ? 8 : 16);
  }
  // NHWC geometry of in[0] -> out.
  ConvGeometry2D Geometry() const {
    return ConvGeometry2D{in[0]->shape[0], in[0]->shape[2], in[0]->shape[3], in[0]->shape[1], out->shape[2],
                          out->shape[3],   out->shape[1],   win.kh,          win.kw,          win.sh,
                          win.sw,          win.dh,          win.dw,          win.pads[0],     win.pads[1]};
  }
  // fp32 depthwise in our dwconv.h where it measured faster than XNNPACK 2022 (AVX2+FMA; npulens_bench --profile 20,
  // 1 thread, every depthwise layer of MobileNetV2/V3-L/V3-S and EfficientNet-B0, ours / XNNPACK's fastest run, two
  // rounds alternating with a build of the parent commit, load 15-18):
  // - 5x5, stride 1 or 2: 0.49-0.97 (EfficientNet-B0's 240ch@28: 0.49, 672ch@14: 0.54-0.56), 672ch@7 stride 2
  //   0.96-1.03 (even);
  // - 3x3 of at most 32 channels: 0.51-0.71 (16ch@112: 0.51, 32ch@112: 0.63-0.71, 16ch@56 stride 2: 0.63);
  // - 3x3 stride 1 of at least 480 channels: 0.67-1.00 (672ch@14: 0.67, 960ch@7: 0.73-0.80, 480ch@14: 0.92-1.00).
  // The other 3x3 layers stay in XNNPACK: stride 2 of 64-576 channels 1.3-1.8, stride 1 of 72-384 channels 1.0-1.45
  // (their input comes from the previous layer out of cache; ours reads 8 pixels block by block, a pattern the
  // hardware prefetcher follows worse than XNNPACK's pixel by pixel sweep over all channels). Other kernel sizes and
  // dilations (not in these networks, unmeasured) and CPUs without AVX2+FMA (aarch64: XNNPACK's NEON): XNNPACK.
  bool OursF32Depthwise() const {
    if (int8 || groups <= 1 || !Depthwise() || !F32IsaSupported(F32Isa::kAvx2Fma)) return false;
    if (win.dh != 1 || win.dw != 1 || win.sh != win.sw || (win.sh != 1 && win.sh != 2) || win.kh != win.kw)
      return false;
    if (win.kh == 5) return true;
    return win.kh == 3 && (groups <= 32 || (win.sh == 1 && groups >= 480));
  }
  // fp32 grouped with at least 8 input and 8 output channels per group: conv_f32.h per group where the CPU has
  // AVX2+FMA. RegNetY-400MF's 16 grouped 3x3 convolutions (8 channels per group, stride 1 and 2, 48ch@56, 104@28,
  // 208@14, 440@7; npulens_bench --profile 20, 1 thread, fastest runs, two rounds alternating with the parent
  // commit): 0.57 / 0.31-0.36 / 0.14-0.15 / 0.072-0.082 ms against XNNPACK 2022's 1.33 / 0.71-0.81 / 0.37-0.39 /
  // 0.19-0.20 (16.5-21.6 GMAC/s against 7.3-8.3). Fewer channels per group (not in the benchmark set, unmeasured)
  // and CPUs without AVX2+FMA stay in XNNPACK; 16 and 24 per group are tested, not measured in a network.
  bool OursF32Grouped() const {
    return !int8 && groups > 1 && wshape.size() == 4 && wshape[1] >= 8 && wshape[0] / groups >= 8 &&
           F32IsaSupported(F32Isa::kAvx2Fma);
  }
  // fp32 3x3 stride 1 (groups = 1) in Winograd F(4x4, 3x3) (wino_f32.h) instead of conv_f32.h where f32Isa is
  // AVX2+FMA and it measured faster. npulens_conv_f32_bench (p50, Winograd / conv_f32, every 3x3 stride-1 layer of
  // ResNet18/50, GoogLeNet, SqueezeNet 1.1, DenseNet121): 1 thread 0.16-0.78, 512->512 @7 1.00-1.03 (its 36 MiB of
  // transformed weights stream from L3 for 4 tiles): at most 2^17 input x output channels. In the networks
  // (npulens_bench --profile 20, fastest runs, 2 rounds alternating with the parent, load ~20), 1 / 2 threads:
  // 56x56 and 28x28 0.37-0.44 / 0.23-0.86, 14x14 of 208-512 outputs 0.52-0.59 / 0.67-0.91 (one 1.37), but 14x14
  // of 32 outputs (DenseNet) 0.85 / 1.43, 13x13 0.81-0.86 / 0.99-1.09 and 7x7 0.87-0.97 / 1.24-1.8 (few tiles to
  // share between threads): so at least 27x27 pixels, or 14x14 with 64 outputs. Fewer than 16 channels: unmeasured.
  bool WinogradGeometry() const {
    if (int8 || groups != 1 || wshape.size() != 4 || out == nullptr || !WinogradF32::Supports(Geometry())) return false;
    const int64_t inC = wshape[1], outC = wshape[0], pixels = out->shape[2] * out->shape[3];
    return inC >= 16 && outC >= 16 && inC * outC <= (int64_t{1} << 17) &&
           (pixels >= 27 * 27 || (pixels >= 14 * 14 && outC >= 64));
  }
  // Where f32Isa is AVX-512 both kernels run their zmm code. Below 27x27 pixels Winograd still only with at most 2^15
  // input x output channels: in the networks (npulens_bench --profile 10, 1 thread, 2 rounds alternating with the
  // AVX2 GEMM) the 14x14 layers of more were even (ResNet 256->256 1.09-1.12 ms direct, 1.01-1.14 Winograd;
  // GoogLeNet 144->288 0.69-0.71 and 0.72-0.79), though npulens_conv_f32_bench's warm-cache 256->256 ran 0.6-0.74x.
  bool OursWinograd(F32Isa f32Isa) const {
    if (!F32IsaUsesAvx2(f32Isa) || !WinogradGeometry()) return false;
    return f32Isa != F32Isa::kAvx512 || out->shape[2] * out->shape[3] >= 27 * 27 ||
           wshape[0] * wshape[1] <= (int64_t{1} << 15);
  }
  // The ISA of a groups = 1 or grouped convolution in conv_f32.h: AVX2 where its tiles ran faster than the AVX-512
  // ones in the networks (npulens_bench --profile 10, 1 thread, fastest of 2 runs each, NPULENS_HOSTNN_ISA=avx2 /
  // default): 24 output channels with a fused residual (one 24-wide block, half a zmm of it masked; EfficientNet-B0
  // and MobileNetV2's 144->24 and MobileNetV3-L's 72->24 + Add at 56x56: 0.74-0.88; without a residual 0.99-1.06)
  // and one output pixel (squeeze-excite, 32 layers of EfficientNet-B0 and 16 of MobileNetV3-L: 0.86 and 0.90 in
  // sum). 16 and 40 outputs measured either way (0.81-1.19).
  F32Isa DirectF32Isa(F32Isa f32Isa) const {
    if (f32Isa != F32Isa::kAvx512 || out == nullptr) return f32Isa;
    const bool narrow = wshape.size() == 4 && wshape[0] == 24 && groups == 1 && in.size() > 1;
    return narrow || out->shape[2] * out->shape[3] == 1 ? F32Isa::kAvx2Fma : f32Isa;
  }
  bool UsesInt8Conv() const override { return int8 && (groups == 1 || OursDepthwise()); }
  // Our fp32 kernel where it has a SIMD variant: with AVX2+FMA it ran every ResNet18 and MobileNetV2 convolution
  // (1x1 to 7x7, strides 1 and 2) 1.3-5x faster than XNNPACK 2022's (npulens_conv_f32_bench); elsewhere (aarch64)
  // XNNPACK's NEON kernels, and xnnGemm's. Grouped ones: OursF32Grouped.
  bool UsesF32Conv() const override {
    return !int8 && !xnnGemm &&
           (OursF32Depthwise() || OursF32Grouped() || (groups == 1 && F32IsaSupported(F32Isa::kAvx2Fma)));
  }
  // A groups = 1 fp32 convolution that XNNPACK runs faster than conv_f32.h (set at lowering, XnnGemmFaster).
  bool xnnGemm = false;
  // On a CPU with AVX-512F XNNPACK runs its own AVX-512 GEMM micro-kernels (not the FMA3 one of the comment above).
  // On Zen 4 they ran every non-grouped convolution faster than conv_f32's AVX-512 tiles on one thread
  // (npulens_conv_f32_bench: ours/XNNPACK geometric mean 1.085 over 77 layers, 1x1 ones 1.15) and the networks too
  // (npulens_bench p50, 1 thread: EfficientNet-B0 0.96x the time, MobileNetV2 0.95, MobileNetV3-L 0.92, ResNet50
  // 0.94, ResNet18 1.03); on two threads slower (EfficientNet-B0 1.05x, MobileNetV2 1.10, ResNet18 1.04): XNNPACK's
  // split of each GEMM costs more there than our tasks. Winograd layers stay ours (0.3-0.4x XNNPACK's time). On Zen 5
  // (full-width zmm FMA) ours won on one thread too (ours/XNNPACK 0.874 over 87 layers; ResNet50 67-68 -> 57.6 ms),
  // so only a half-width AVX-512 core takes XNNPACK's (Avx512FmaIsHalfWidth).
  bool XnnGemmFaster(int threads) const {
    return !int8 && groups == 1 && threads == 1 && SelectF32Isa() == F32Isa::kAvx512 && Avx512FmaIsHalfWidth() &&
           !OursWinograd(F32Isa::kAvx512);
  }
  std::string Variant(Int8Isa int8Isa, F32Isa f32Isa) const override {
    if (int8 && groups == 1 && QWinogradInt8::Handles(Geometry(), int8Isa)) return QWinogradInt8::Label();
    if (OursDepthwise()) return DwInt8Label(Geometry(), int8Isa);
    if (OursF32Depthwise()) return DwIsaLabel(F32IsaUsesAvx2(f32Isa));
    if (OursWinograd(f32Isa)) return std::string(F32IsaLabel(f32Isa)) + " Winograd F(4x4,3x3)";
    return Op::Variant(int8Isa, DirectF32Isa(f32Isa));
  }
  // A residual Add after a convolution in conv_f32.h without an output clamp of its own (MobileNetV2/V3 and
  // EfficientNet's projections): one pass over the output instead of the Add's read of both tensors and write.
  // Not where the Winograd kernel may run (it takes no residual; the plan's ISA is not known here).
  bool FuseResidual(Value* residual) override {
    if (OursF32Depthwise() || WinogradGeometry() || !UsesF32Conv() || in.size() != 1 || outMin != -kInf ||
        outMax != kInf || residual->shape != out->shape || residual->nhwc != out->nhwc || residual->dtype != DType::F32)
      return false;
    in.push_back(residual);
    label += " + Add";
    return true;
  }
  int64_t Macs() const override {
    if (wshape.empty() || wshape[0] <= 0) return 0;
    const int64_t weights = static_cast<int64_t>(int8 ? q.w.size() : wf.size());
    return static_cast<int64_t>(out->Elements()) * (weights / wshape[0]);
  }

  void Define(XnnDefiner& d) const override {
    Value* x = in[0];
    uint32_t xid = d.Id(x), yid = d.Id(out);
    int64_t oc = wshape[0], icg = wshape[1], kh = win.kh, kw = win.kw;
    int64_t cin = x->shape[1];
    bool depthwise = groups == cin && icg == 1 && groups > 1;
    size_t count = static_cast<size_t>(oc * icg * kh * kw);
    std::vector<size_t> fdims;
    std::vector<float> wfl(int8 ? 0 : count);
    std::vector<int8_t> wq(int8 ? count : 0);
    auto put = [&](size_t dst, size_t src) {
      if (int8)
        wq[dst] = q.w[src];
      else
        wfl[dst] = wf[src];
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
    if (int8) {
      std::vector<float> bscale(boc);
      for (size_t c = 0; c < boc; ++c) bscale[c] = x->scale * q.scale[c];
      const float* ws = reinterpret_cast<const float*>(d.Keep(q.scale));
      const float* bs = reinterpret_cast<const float*>(d.Keep(bscale));
      XnnCheck(xnn_define_channelwise_quantized_tensor_value(d.sg, xnn_datatype_qcint8, ws, 4, depthwise ? 3 : 0,
                                                             fdims.data(), d.Keep(wq), XNN_INVALID_VALUE_ID, 0, &wid),
               label + " weights");
      XnnCheck(xnn_define_channelwise_quantized_tensor_value(d.sg, xnn_datatype_qcint32, bs, 1, 0, &boc, d.Keep(q.bias),
                                                             XNN_INVALID_VALUE_ID, 0, &bid),
               label + " bias");
    } else {
      wid = d.StaticF(wfl, fdims);
      bid = d.StaticF(biasF, {boc});
    }
    uint32_t p[4] = {static_cast<uint32_t>(win.pads[0]), static_cast<uint32_t>(win.pads[3]),
                     static_cast<uint32_t>(win.pads[2]), static_cast<uint32_t>(win.pads[1])};  // t, r, b, l
    if (depthwise)
      XnnCheck(xnn_define_depthwise_convolution_2d(d.sg, p[0], p[1], p[2], p[3], kh, kw, win.sh, win.sw, win.dh, win.dw,
                                                   static_cast<uint32_t>(oc / cin), cin, outMin, outMax, xid, wid, bid,
                                                   yid, 0),
               label);
    else
      XnnCheck(xnn_define_convolution_2d(d.sg, p[0], p[1], p[2], p[3], kh, kw, win.sh, win.sw, win.dh, win.dw,
                                         static_cast<uint32_t>(groups), icg, oc / groups, outMin, outMax, xid, wid, bid,
                                         yid, 0),
               label);
  }

  // groups = 1 (conv_f32.h, qconv_int8.h or wino_int8.h), fp32 grouped (conv_f32.h) or depthwise (dwconv.h):
  // UsesInt8Conv, UsesF32Conv.
  std::function<void()> Kernel(const KernelContext& k) const override {
    Value* x = in[0];
    Value* y = out;
    const ConvGeometry2D geo = Geometry();
    pthreadpool_t pool = k.pool;
    if (OursWinograd(k.f32Isa)) {
      auto conv = std::make_shared<WinogradF32>(geo, wf.data(), biasF.data(), outMin, outMax, k.f32Isa);
      return [conv, x, y, pool] {
        conv->Run(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()), pool);
      };
    }
    if (!int8 && (groups == 1 || OursF32Grouped())) {
      auto conv =
          std::make_shared<ConvF32>(geo, wf.data(), biasF.data(), outMin, outMax, DirectF32Isa(k.f32Isa), groups);
      Value* residual = in.size() > 1 ? in[1] : nullptr;  // FuseResidual
      return [conv, x, y, residual, pool] {
        conv->Run(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()), pool,
                  residual ? reinterpret_cast<const float*>(residual->data()) : nullptr);
      };
    }
    if (!int8) {
      auto conv = std::make_shared<DwConvF32>(geo, wf.data(), biasF.data(), outMin, outMax, k.f32Isa);
      return [conv, x, y, pool] {
        conv->Run(reinterpret_cast<const float*>(x->data()), reinterpret_cast<float*>(y->data()), pool);
      };
    }
    if (groups > 1) {
      auto conv = std::make_shared<DwConvInt8>(geo, q.w.data(), q.bias.data(), q.scale.data(), x->scale, x->zeroPoint,
                                               y->scale, y->zeroPoint, QuantizedBound(y, outMin, -128),
                                               QuantizedBound(y, outMax, 127), k.int8Isa);
      return [conv, x, y, pool] {
        conv->Run(reinterpret_cast<const int8_t*>(x->data()), reinterpret_cast<int8_t*>(y->data()), pool);
      };
    }
    return Int8ConvKernel(geo, q, x, y, outMin, outMax, k);
  }
};

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<ConvOp>(n);
  op->in = {l.Act(n, 0)};
  if (!l.FloatConst(n.inputs[1], &op->wf, &op->wshape)) l.Unsup(n, "the weight must be a constant");
  Shape bs;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!l.FloatConst(n.inputs[2], &op->biasF, &bs)) l.Unsup(n, "the bias must be a constant");
  } else {
    op->biasF.assign(static_cast<size_t>(op->wshape[0]), 0.f);
  }
  op->groups = n.Int("group", 1);
  l.Window(n, op->in[0]->shape, op->wshape[2], op->wshape[3], false, &op->win);
  op->xnnGemm = op->XnnGemmFaster(l.threads);
  l.FuseClamp(n, op.get());
  l.Emit(std::move(op));
}

bool LowerInt8(Lowering& l, const Node& n) {
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m)) return false;
  auto op = std::make_unique<ConvOp>();
  if (!l.WeightDQ(n.inputs[1], 0, &op->q)) return false;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!l.BiasDQ(n.inputs[2], m.ins[0]->scale, &op->q)) return false;
  } else {
    op->q.bias.assign(op->q.scale.size(), 0);
  }
  op->wshape = op->q.shape;
  op->groups = n.Int("group", 1);
  l.Window(n, m.ins[0]->shape, op->wshape[2], op->wshape[3], false, &op->win);
  l.EmitInt8(std::move(op), n, m);
  return true;
}

}  // namespace

int32_t QuantizedBound(const Value* y, float v, int32_t def) {
  if (!std::isfinite(v)) return def;
  return static_cast<int32_t>(std::min(127.f, std::max(-128.f, std::nearbyint(v / y->scale) + y->zeroPoint)));
}

std::function<void()> Int8ConvKernel(const ConvGeometry2D& geo, const QuantWeights& q, Value* x, Value* y, float outMin,
                                     float outMax, const KernelContext& k) {
  pthreadpool_t pool = k.pool;
  std::vector<int16_t>* scratch = k.int8Scratch;
  const int32_t qmin = QuantizedBound(y, outMin, -128), qmax = QuantizedBound(y, outMax, 127);
  // 3x3 stride 1 with AVX2: the exact Winograd kernel, the same bits in fewer multiplies. It ran every such layer of
  // the int8 networks 1.5-2.3x faster than QConvInt8's AVX2 variant (npulens_qconv_int8_bench --filter '3x3 ', 1
  // thread, effective GMAC/s: ResNet18's 64-512 channel layers 78-80 -> 131-165, GoogLeNet's 64->192@56 78 -> 159,
  // DenseNet's 128->32@56 78 -> 136, SqueezeNet's 16->64@55 73 -> 111 and 64->256@13 79 -> 139; 2 threads alike).
  if (QWinogradInt8::Handles(geo, k.int8Isa)) {
    auto wino = std::make_shared<QWinogradInt8>(geo, q.w.data(), q.bias.data(), q.scale.data(), x->scale, x->zeroPoint,
                                                y->scale, y->zeroPoint, qmin, qmax);
    return [wino, x, y, pool, scratch] {
      wino->Run(reinterpret_cast<const int8_t*>(x->data()), reinterpret_cast<int8_t*>(y->data()), pool, scratch);
    };
  }
  auto conv = std::make_shared<QConvInt8>(geo, q.w.data(), q.bias.data(), q.scale.data(), x->scale, x->zeroPoint,
                                          y->scale, y->zeroPoint, qmin, qmax, k.int8Isa);
  return [conv, x, y, pool, scratch] {
    conv->Run(reinterpret_cast<const int8_t*>(x->data()), reinterpret_cast<int8_t*>(y->data()), pool, scratch);
  };
}

namespace ops {
const OpDef& Conv() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
