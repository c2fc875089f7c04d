// ONNX BatchNormalization, inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1),
// with scale, B, mean and var float32 constants of one value per channel. A BN after a Conv is usually folded
// into it by the exporter; the ones left (DenseNet's pre-activation BN → Relu on a Concat) run as the per-channel
// affine y = x * a + b, a = scale / sqrt(var + epsilon), b = B - mean * a (onnxruntime's CPU kernel computes the
// same two vectors), a following Relu/Clip fused: one pass of our kernel (elementwise.h ChannelAffine) over NHWC or
// (N, C) tensors, the bits of XNNPACK 2022's multiply and add nodes (it has no BN node), which take two passes and
// still run an (N, C, L) tensor. Training mode (training_mode = 1, the running mean/var outputs) is refused.
// int8 QDQ (DequantizeLinear -> BN -> [Relu|Clip] -> QuantizeLinear, DenseNet's pre-activation BN) runs as one table
// of the 256 input values per channel, computed at Build by that float path's own kernel: the same bits, without
// dequantizing and requantizing the tensor on every run. With AVX2 the tables are usually computed, not looked up: the
// per-channel affine y = clamp(round(x * s[c] + t[c])) in fp32 (x the int8 value) that Build has checked gives every
// channel's table for all 256 inputs (a channel's t nudged by a few ulps where rounding near a tie differs; the few
// channels with no such affine, 0-2 of 352-1024 in DenseNet-121, are looked up after it), 6x fewer instructions
// than the lookups.
#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "elementwise.h"

namespace hostnn {
namespace {

const char* const kParams[] = {"scale", "B", "input_mean", "input_var"};  // inputs 1..4

void Infer(InferContext& c) {
  const Node& node = *c.n;
  const ValueInfo& x = c.In(0);
  c.RequireFloat(x, "X");
  if (node.Int("training_mode", 0) != 0) c.Unsup("training_mode=1 (only inference is supported)");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty()) c.Unsup("training outputs (running_mean, running_var) are not supported");
  if (x.shape.size() < 2) c.Bad("X has rank " + std::to_string(x.shape.size()) + ", needs (N, C, ...)");
  if (x.shape.size() > 4) c.Unsup("X of rank " + std::to_string(x.shape.size()) + " (at most 4)");
  const float eps = node.Float("epsilon", 1e-5f);
  if (!(eps >= 0.f) || !std::isfinite(eps)) c.Bad("epsilon " + std::to_string(eps) + " is not a finite value >= 0");
  const int64_t channels = x.shape[1];
  for (size_t i = 1; i <= 4; ++i) {
    const char* what = kParams[i - 1];
    const Const& p = c.ConstIn(i, what);
    if (p.dtype != DType::F32) c.Bad(std::string(what) + " must be float32, got " + DTypeName(p.dtype));
    if (p.shape != Shape{channels})
      c.Bad(std::string(what) + " has shape " + ShapeString(p.shape) + ", X has " + std::to_string(channels) +
            " channels");
  }
  std::vector<float> var = c.g.GetConst(node.inputs[4]).AsFloat();
  for (size_t ch = 0; ch < var.size(); ++ch)
    if (!(var[ch] + eps > 0.f))
      c.Bad("input_var + epsilon of channel " + std::to_string(ch) + " is " + std::to_string(var[ch] + eps) +
            ", not positive");
  c.Out(0, DType::F32, x.shape);
}

// y = clamp(x * a[c] + b[c], outMin, outMax).
class BatchNormOp : public Op {
 public:
  std::vector<float> a, b;       // per channel
  F32Isa isa = F32Isa::kScalar;  // of our kernel
  bool xnn = false;              // an (N, C, L) tensor: the channel is not the innermost stored axis

  bool InXnn() const override { return xnn; }
  void Define(XnnDefiner& d) const override {
    // One value per channel, broadcast over the other axes: the channel axis is the last stored axis of an NHWC
    // tensor, axis 1 otherwise.
    std::vector<size_t> dims(out->shape.size(), 1);
    dims[out->nhwc ? dims.size() - 1 : 1] = a.size();
    uint32_t scaled = d.Internal(out);
    XnnCheck(xnn_define_multiply2(d.sg, -kInf, kInf, d.Id(in[0]), d.StaticF(a, dims), scaled, 0), label);
    XnnCheck(xnn_define_add2(d.sg, outMin, outMax, scaled, d.StaticF(b, dims), d.Id(out), 0), label);
  }
  std::string Variant(Int8Isa, F32Isa) const override { return xnn ? "" : F32IsaLabel(isa); }
  std::function<void()> Kernel(const KernelContext& k) const override {
    return [x = in[0], y = out, a = a, b = b, lo = outMin, hi = outMax, isa = isa, pool = k.pool] {
      elementwise::ChannelAffine(reinterpret_cast<const float*>(x->data()), a.data(), b.data(),
                                 reinterpret_cast<float*>(y->data()), x->Elements() / a.size(), a.size(), lo, hi, isa,
                                 pool);
    };
  }
};

// The channels innermost as stored: (N, C) or (N, C, 1), or 4-D NHWC.
bool ChannelsInnermost(const Shape& shape, bool nhwc) {
  return shape.size() == 2 || (shape.size() == 3 && shape[2] == 1) || (shape.size() == 4 && nhwc);
}

// The per-channel a and b of n's constants.
void SetAffine(const Graph& g, const Node& n, std::vector<float>* a, std::vector<float>* b) {
  const std::vector<float> scale = g.GetConst(n.inputs[1]).AsFloat(), bias = g.GetConst(n.inputs[2]).AsFloat(),
                           mean = g.GetConst(n.inputs[3]).AsFloat(), var = g.GetConst(n.inputs[4]).AsFloat();
  const float eps = n.Float("epsilon", 1e-5f);
  a->resize(scale.size());
  b->resize(scale.size());
  for (size_t ch = 0; ch < scale.size(); ++ch) {
    (*a)[ch] = scale[ch] * (1.f / std::sqrt(var[ch] + eps));
    (*b)[ch] = bias[ch] - mean[ch] * (*a)[ch];
  }
}

void LowerFloat(Lowering& l, const Node& n) {
  auto op = l.New<BatchNormOp>(n);
  op->in = {l.Act(n, 0)};
  SetAffine(l.Imported(), n, &op->a, &op->b);
  op->isa = F32IsaCappedAtAvx2(SelectF32Isa());
  op->xnn = !ChannelsInnermost(op->in[0]->shape, op->in[0]->nhwc);
  l.FuseClamp(n, op.get());
  l.Emit(std::move(op));
}

// Channels looked up per pass over a task's pixels: their tables (32 KiB; the entries of the values that occur, a
// few lines per channel, stay in L1 while the pixels stream by). Measured on DenseNet-121's 62 BNs (1 thread, Zen 3):
// 32 channels 5.9 ms, 64 5.1, 128 4.5, 192 6.1, 256 6.6, all channels at once 6.8.
constexpr size_t kChannelBlock = 128;

struct TableTask {
  const uint8_t* x;
  int8_t* y;
  const int8_t* tables;
  size_t channels;
  static void Run(void* context, size_t pixel, size_t pixels) {
    const TableTask& t = *static_cast<const TableTask*>(context);
    for (size_t c0 = 0; c0 < t.channels; c0 += kChannelBlock) {
      const size_t n = std::min(kChannelBlock, t.channels - c0);
      const int8_t* block = t.tables + 256 * c0;
      for (size_t p = pixel; p < pixel + pixels; ++p) {
        const uint8_t* x = t.x + p * t.channels + c0;
        int8_t* y = t.y + p * t.channels + c0;
        size_t c = 0;
        // 8 channels per 8-byte load: each lookup at a fixed offset from one table pointer (half the instructions of
        // a byte load and an index per channel).
        for (const int8_t* tables = block; c + 8 <= n; c += 8, tables += 8 * 256) {
          uint64_t v = 0;
          std::memcpy(&v, x + c, 8);
          for (size_t j = 0; j < 8; ++j) y[c + j] = tables[256 * j + ((v >> (8 * j)) & 255)];
        }
        for (; c < n; ++c) y[c] = block[256 * c + x[c]];
      }
    }
  }
};

#if defined(__x86_64__)
// Pixels [pixel, pixel + pixels) of y[p, c] = clamp(sat8(round(x[p, c] * s[c] + t[c])), lo, hi), 32 channels at a
// time (s and t padded to a multiple of 32), the last 1..31 through a buffer: the same vector operations everywhere;
// then the exceptions' channels from their tables.
struct AffineTask {
  const int8_t* x;
  int8_t* y;
  const float *s, *t;
  size_t channels;
  int8_t lo, hi;
  const int8_t* tables;
  const uint32_t* exceptions;
  size_t exceptionCount;

  __attribute__((target("avx2,fma"))) static __m256i Block(const int8_t* x, const float* s, const float* t, __m256i lo,
                                                           __m256i hi) {
    __m256i r[4];
    for (int k = 0; k < 4; ++k) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + 8 * k));
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
      r[k] = _mm256_cvtps_epi32(_mm256_fmadd_ps(v, _mm256_loadu_ps(s + 8 * k), _mm256_loadu_ps(t + 8 * k)));
    }
    // Saturating packs interleave the 128-bit lanes: dwords 0, 4, 1, 5, ... restore the channel order.
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(r[0], r[1]), _mm256_packs_epi32(r[2], r[3]));
    const __m256i ordered = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return _mm256_min_epi8(_mm256_max_epi8(ordered, lo), hi);
  }
  __attribute__((target("avx2,fma"))) static void Run(void* context, size_t pixel, size_t pixels) {
    const AffineTask& a = *static_cast<const AffineTask*>(context);
    const __m256i lo = _mm256_set1_epi8(a.lo), hi = _mm256_set1_epi8(a.hi);
    for (size_t p = pixel; p < pixel + pixels; ++p) {
      const int8_t* x = a.x + p * a.channels;
      int8_t* y = a.y + p * a.channels;
      size_t c = 0;
      for (; c + 32 <= a.channels; c += 32)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + c), Block(x + c, a.s + c, a.t + c, lo, hi));
      if (c < a.channels) {
        alignas(32) int8_t buf[32] = {};
        std::memcpy(buf, x + c, a.channels - c);
        _mm256_store_si256(reinterpret_cast<__m256i*>(buf), Block(buf, a.s + c, a.t + c, lo, hi));
        std::memcpy(y + c, buf, a.channels - c);
      }
      for (size_t e = 0; e < a.exceptionCount; ++e) {
        const uint32_t ch = a.exceptions[e];
        y[ch] = a.tables[256 * size_t{ch} + static_cast<uint8_t>(x[ch])];
      }
    }
  }
};
#endif

// int8: y[p, c] = tables[256 c + x[p, c]] over the pixels p (NHWC, or (N, C) with one value per channel), or with
// AVX2 the per-channel affine that gives the same bytes.
class BatchNormInt8Op : public Op {
 public:
  std::vector<int8_t> tables;  // 256 per channel, indexed by the input's byte
  // The affine (channels padded to a multiple of 32) when it reproduces the tables of all channels but a few
  // (exceptions, looked up after it); empty otherwise.
  std::vector<float> s, t;
  std::vector<uint32_t> exceptions;
  int8_t lo = -128, hi = 127;

  bool Affine() const { return !s.empty(); }
  std::string Variant(Int8Isa, F32Isa) const override {
    if (!Affine()) return "";
    return "AVX2 per-channel affine" +
           (exceptions.empty() ? std::string() : ", " + std::to_string(exceptions.size()) + " channels looked up");
  }
  std::function<void()> Kernel(const KernelContext& k) const override {
    const size_t channels = tables.size() / 256, pixels = out->Elements() / channels;
    const pthreadpool_t pool = out->Elements() > kParallelBytes ? k.pool : nullptr;
    const size_t tile = pool ? std::max<size_t>(1, kTaskBytes / channels) : pixels;
#if defined(__x86_64__)
    if (Affine())
      return [x = in[0], y = out,
              task = AffineTask{nullptr, nullptr, s.data(), t.data(), channels, lo, hi, tables.data(),
                                exceptions.data(), exceptions.size()},
              pixels, pool, tile]() mutable {
        task.x = reinterpret_cast<const int8_t*>(x->data());
        task.y = reinterpret_cast<int8_t*>(y->data());
        pthreadpool_parallelize_1d_tile_1d(pool, &AffineTask::Run, &task, pixels, tile, 0);
      };
#endif
    return [x = in[0], y = out, t = tables.data(), channels, pixels, pool, tile] {
      TableTask task{x->data(), reinterpret_cast<int8_t*>(y->data()), t, channels};
      pthreadpool_parallelize_1d_tile_1d(pool, &TableTask::Run, &task, pixels, tile, 0);
    };
  }
};

// Sets op's per-channel affine (input scale and zero point xScale, xZeroPoint; the BN's a and b; the output's params
// and clamp) when, nudged by at most 8 ulps per channel, it gives op's tables for all 256 inputs (run by the kernel
// itself over one pixel per input value) of all channels but at most 1 in 16, the exceptions; leaves it empty
// otherwise or without AVX2.
void FitAffine(const std::vector<float>& a, const std::vector<float>& b, float xScale, int32_t xZeroPoint, float yScale,
               int32_t yZeroPoint, BatchNormInt8Op* op) {
#if defined(__x86_64__)
  if (!Int8IsaUsesAvx2(SelectInt8Isa())) return;  // NPULENS_HOSTNN_ISA may pick scalar
  const size_t channels = a.size(), padded = (channels + 31) / 32 * 32;
  std::vector<float> s(padded, 0.f), t(padded, 0.f);
  for (size_t c = 0; c < channels; ++c) {
    s[c] = xScale * a[c] / yScale;
    t[c] = b[c] / yScale - static_cast<float>(xZeroPoint) * s[c] + static_cast<float>(yZeroPoint);
    if (!std::isfinite(s[c]) || !std::isfinite(t[c])) return;
  }
  std::vector<int8_t> x(256 * channels), y(256 * channels);
  for (size_t i = 0; i < 256; ++i)
    std::fill_n(x.begin() + static_cast<ptrdiff_t>(i * channels), channels,
                static_cast<int8_t>(static_cast<uint8_t>(i)));
  std::vector<size_t> wrong(channels);  // the channels to check: all, then those not matched yet
  for (size_t c = 0; c < channels; ++c) wrong[c] = c;
  const std::vector<float> t0 = t;
  // Nudges of t in ulps: 0, +1, -1, +2, -2, ...
  for (int step = 0; step <= 16 && !wrong.empty(); ++step) {
    const int ulps = (step + 1) / 2 * (step % 2 ? 1 : -1);
    for (size_t c : wrong) {
      float v = t0[c];
      for (int u = 0; u < std::abs(ulps); ++u) v = std::nextafter(v, ulps > 0 ? kInf : -kInf);
      t[c] = v;
    }
    AffineTask task{x.data(), y.data(), s.data(), t.data(), channels, op->lo, op->hi, nullptr, nullptr, 0};
    AffineTask::Run(&task, 0, 256);
    std::vector<size_t> still;
    for (size_t c : wrong)
      for (size_t i = 0; i < 256; ++i)
        if (y[i * channels + c] != op->tables[256 * c + i]) {
          still.push_back(c);
          break;
        }
    wrong = std::move(still);
  }
  if (wrong.size() > channels / 16) return;
  op->s = std::move(s);
  op->t = std::move(t);
  op->exceptions.assign(wrong.begin(), wrong.end());
#else
  (void)a, (void)b, (void)xScale, (void)xZeroPoint, (void)yScale, (void)yZeroPoint, (void)op;
#endif
}

bool LowerInt8(Lowering& l, const Node& n) {
  const Shape& shape = l.Imported().values.at(n.inputs[0]).shape;
  // The channels innermost as stored (a 4-D activation is NHWC); an (N, C, L) tensor keeps the float path.
  if (!ChannelsInnermost(shape, shape.size() == 4)) return false;
  Int8Match m;
  if (!l.MatchInt8(n, 1, &m)) return false;
  const size_t channels = static_cast<size_t>(shape[1]);
  // The float op's kernel over one pixel per int8 value (x[i, c] = value i dequantized, every channel), with the
  // clamp fused as there.
  std::vector<float> a, b;
  SetAffine(l.Imported(), n, &a, &b);
  std::vector<float> x(256 * channels), y(256 * channels);
  const std::array<float, 256> xs = DequantizedTableInputs(*m.ins[0]);
  for (size_t i = 0; i < 256; ++i) std::fill_n(x.begin() + static_cast<ptrdiff_t>(i * channels), channels, xs[i]);
  elementwise::ChannelAffine(x.data(), a.data(), b.data(), y.data(), 256, channels, m.lo, m.hi, F32Isa::kScalar,
                             nullptr);
  const float* yf = y.data();
  auto op = std::make_unique<BatchNormInt8Op>();
  op->tables.resize(256 * channels);
  for (size_t c = 0; c < channels; ++c) {
    std::array<float, 256> ys{};
    for (size_t i = 0; i < 256; ++i) ys[i] = yf[i * channels + c];
    const std::array<int8_t, 256> t = QuantizedTable(ys, m.lo, m.hi, m.outScale, m.outZeroPoint);
    std::copy(t.begin(), t.end(), op->tables.begin() + static_cast<ptrdiff_t>(256 * c));
  }
  BatchNormInt8Op* raw = op.get();
  l.EmitInt8(std::move(op), n, m);
  raw->label += " (tables)";
  raw->lo = static_cast<int8_t>(QuantizedBound(raw->out, m.lo, -128));
  raw->hi = static_cast<int8_t>(QuantizedBound(raw->out, m.hi, 127));
  FitAffine(a, b, m.ins[0]->scale, m.ins[0]->zeroPoint, m.outScale, m.outZeroPoint, raw);
  return true;
}

}  // namespace

namespace ops {
const OpDef& BatchNormalization() {
  static const OpDef kDef{Infer, LowerFloat, LowerInt8};
  return kDef;
}
}  // namespace ops
}  // namespace hostnn
