// The int8 convolution kernel (qconv_int8.h): every variant this CPU supports against a naive reference, bit for
// bit (the AVX-VNNI tiles also with the EVEX vpdpbusd where the CPU has AVX-512 VNNI), the variant selection, and
// whole int8 models giving the same bits with every variant (NPULENS_HOSTNN_ISA).
// The kernel tests need only the kernel and gtest: the aarch64 cross build (cpp/tests/hostnn/aarch64, run under
// qemu-aarch64) compiles this file with NPULENS_KERNEL_TESTS_ONLY, without the whole-model tests, whose runtime
// (ONNX, protobuf, XNNPACK) has no arm64 libraries here.
#include <gtest/gtest.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cpu_info.h"
#include "qconv_int8.h"
#include "qconv_int8_avxvnni.h"
#include "random_data.h"
#if !defined(NPULENS_KERNEL_TESTS_ONLY)
#include "onnx_builder.h"
#include "synthetic_models.h"
#include "test_util.h"
#endif

using namespace hostnn_test;
using hostnn::ConvGeometry2D;
using hostnn::Int8Isa;

namespace {

const Int8Isa kAllIsas[] = {Int8Isa::kScalar,     Int8Isa::kAvx2, Int8Isa::kAvxVnni,
                            Int8Isa::kAvx512Vnni, Int8Isa::kNeon, Int8Isa::kNeonDot};

std::vector<Int8Isa> SupportedIsas() {
  std::vector<Int8Isa> out;
  for (Int8Isa isa : kAllIsas)
    if (hostnn::Int8IsaSupported(isa)) out.push_back(isa);
  return out;
}

#if defined(__x86_64__)
// vpdpbusd ymm in its EVEX encoding (AVX-512 VNNI + VL): the instruction of the AVX-VNNI variant (DotAvxVnni, VEX),
// which a CPU with AVX-512 VNNI runs whether or not it has AVX-VNNI.
struct DotEvex {
  __attribute__((target("avx2"), always_inline)) static inline __m256i Add(__m256i acc, __m256i x, __m256i w) {
    __asm__("%{evex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(x), "x"(w));
    return acc;
  }
};
bool EvexTwinRuns() { return hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni) && __builtin_cpu_supports("avx512vl"); }
#endif

using RunFn = std::function<void(const int8_t*, int8_t*, pthreadpool_t, std::vector<int16_t>*)>;
// The ways this CPU runs conv: its Run, and for a convolution packed for AVX-512 VNNI where the EVEX vpdpbusd runs
// the AVX-VNNI variant's tiles (RunAvxVnni<DotEvex>), labelled "AVX-VNNI tiles, EVEX".
std::vector<std::pair<std::string, RunFn>> RunsOf(const hostnn::QConvInt8& conv) {
  std::vector<std::pair<std::string, RunFn>> runs;
  runs.emplace_back(hostnn::Int8IsaLabel(conv.isa()), [&conv](const int8_t* x, int8_t* y, pthreadpool_t p,
                                                              std::vector<int16_t>* s) { conv.Run(x, y, p, s); });
#if defined(__x86_64__)
  if (conv.isa() == Int8Isa::kAvx512Vnni && EvexTwinRuns())
    runs.emplace_back("AVX-VNNI tiles, EVEX",
                      [&conv](const int8_t* x, int8_t* y, pthreadpool_t p, std::vector<int16_t>* s) {
                        conv.RunAvxVnni<DotEvex>(x, y, p, s);
                      });
#endif
  return runs;
}

struct Params {
  float xScale, yScale;
  int32_t xZp, yZp, qmin, qmax;
};

// Naive reference on NHWC tensors: int64 sum of (x - x_zp) * w + bias, then the documented requantization:
// float(acc) * (x_s * w_s[o] / y_s computed in float), clamped to [qmin, qmax] - y_zp, round half to even, + y_zp.
std::vector<int8_t> Reference(const ConvGeometry2D& g, const std::vector<int8_t>& x, const std::vector<int8_t>& w,
                              const std::vector<int32_t>& bias, const std::vector<float>& ws, const Params& p) {
  std::vector<int8_t> y(static_cast<size_t>(g.batch * g.outH * g.outW * g.outC));
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox)
        for (int64_t o = 0; o < g.outC; ++o) {
          int64_t acc = bias[o];
          for (int64_t c = 0; c < g.inC; ++c)
            for (int64_t ky = 0; ky < g.kernelH; ++ky)
              for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
                int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                acc += (x[((b * g.inH + iy) * g.inW + ix) * g.inC + c] - p.xZp) *
                       int64_t{w[((o * g.inC + c) * g.kernelH + ky) * g.kernelW + kx]};
              }
          const float m = p.xScale * ws[o] / p.yScale;
          const double prod = static_cast<double>(static_cast<float>(acc) * m);
          const double v = std::min<double>(std::max<double>(prod, p.qmin - p.yZp), p.qmax - p.yZp);
          y[((b * g.outH + oy) * g.outW + ox) * g.outC + o] = static_cast<int8_t>(std::nearbyint(v) + p.yZp);
        }
  return y;
}

struct Case {
  const char* name;
  ConvGeometry2D g;
  Params p;
  int wlo = -127, whi = 127;  // weight range
  float wScale = 0.f;         // all weight scales; 0: 0.001 + 0.0007 (o % 7) for output channel o
};

int64_t Out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pad) {
  return (in + 2 * pad - d * (k - 1) - 1) / s + 1;
}

ConvGeometry2D Geo(int64_t batch, int64_t h, int64_t w, int64_t c, int64_t oc, int64_t k, int64_t s, int64_t d,
                   int64_t pad) {
  return ConvGeometry2D{batch, h, w, c, Out(h, k, s, d, pad), Out(w, k, s, d, pad), oc, k, k, s, s, d, d, pad, pad};
}

struct IsaEnv {  // sets NPULENS_HOSTNN_ISA for the scope
  explicit IsaEnv(const char* v) { setenv("NPULENS_HOSTNN_ISA", v, 1); }
  ~IsaEnv() { unsetenv("NPULENS_HOSTNN_ISA"); }
};
const char* EnvName(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::kScalar: return "scalar";
    case Int8Isa::kAvx2: return "avx2";
    case Int8Isa::kAvxVnni: return "avxvnni";
    case Int8Isa::kAvx512Vnni: return "vnni";
    case Int8Isa::kNeon: return "neon";
    case Int8Isa::kNeonDot: return "neondot";
  }
  return "?";
}

}  // namespace

TEST(QConvInt8Test, EveryVariantMatchesTheReferenceBitForBit) {
  const Params plain{0.02f, 0.05f, -5, 3, -128, 127};
  const Case cases[] = {
      {"3x3 pad1 in_c 3 (first layer)", Geo(1, 10, 9, 3, 8, 3, 1, 1, 1), plain},
      {"1x1 k and n tails, 35 rows", Geo(1, 7, 5, 5, 17, 1, 1, 1, 0), {0.02f, 0.05f, -5, -128, -128, 127}},
      {"1x1 wide, batch 2, 130 rows over tasks", Geo(2, 13, 5, 40, 33, 1, 1, 1, 0), plain},
      {"3x3 stride 2 no pad odd size", Geo(1, 9, 8, 6, 20, 3, 2, 1, 0), plain},
      {"5x5 pad 2 stride 2", Geo(1, 11, 11, 4, 16, 5, 2, 1, 2), plain},
      {"3x3 dilation 2 with relu clamp", Geo(1, 9, 9, 4, 8, 3, 1, 2, 2), {0.02f, 0.05f, 7, -20, -20, 127}},
      {"clip to [qmin, qmax] = [-60, 90]", Geo(1, 6, 6, 16, 24, 3, 1, 1, 1), {0.05f, 0.02f, 0, 10, -60, 90}},
      {"zero points -128 / 127, saturating", Geo(1, 5, 6, 32, 48, 3, 1, 1, 1), {0.1f, 0.01f, -128, 127, -128, 127}},
      {"zero points 127 / -128, extreme weights",
       Geo(1, 5, 6, 31, 16, 3, 1, 1, 1),
       {0.1f, 0.01f, 127, -128, -128, 127},
       -128,
       127},
      {"huge multiplier: products far beyond int32", Geo(1, 4, 4, 8, 16, 1, 1, 1, 0), {1e4f, 1e-6f, 0, 0, -128, 127}},
      // The AVX2 variant clamps the rounded integers when the weights, bias and multipliers keep every product
      // within 2^30 (all other cases), else in float (the two huge multipliers): products beyond int16 and
      // y_zero_point near the int8 limits make its saturating steps clip, in full and half blocks.
      {"huge multiplier, 24 outputs, clip to [-100, 100]",
       Geo(1, 4, 4, 8, 24, 1, 1, 1, 0),
       {1e4f, 1e-6f, 0, 0, -100, 100}},
      {"large multiplier within the integer clamp, y_zp 120",
       Geo(1, 5, 4, 8, 16, 1, 1, 1, 0),
       {1e3f, 1e-2f, 0, 120, -128, 127}},
      {"large multiplier within the integer clamp, 24 outputs, y_zp -120, clip to [-100, 100]",
       Geo(1, 5, 4, 8, 24, 1, 1, 1, 0),
       {1e3f, 1e-2f, 0, -120, -100, 100}},
      {"small multiplier: values near the zero point, many ties",
       Geo(1, 4, 4, 8, 16, 3, 1, 1, 1),
       {0.01f, 1.f, 0, 5, -128, 127}},
      {"FC as 1x1 over rows, K 1000", Geo(3, 1, 1, 1000, 10, 1, 1, 1, 0), {0.03f, 0.5f, 2, -1, -128, 127}},
      {"kernel larger than input, all padding taps", Geo(1, 2, 2, 3, 5, 5, 1, 1, 2), plain},
      {"multiplier 1/64: exact ties (accumulator 32 mod 64), round half to even",
       Geo(1, 8, 8, 4, 16, 1, 1, 1, 0),
       {0.015625f, 1.f, 0, 0, -128, 127},
       -1,
       1,
       1.f},
      // The AVX2 variant's row chunks (48) and tiles (6): a last chunk of 1 row, then of 2 rows; in_c 20 and 18
      // leave a tail after 16 widened at a time.
      {"3x3 taps over 20 channels, 49 rows", Geo(1, 7, 7, 20, 24, 3, 1, 1, 1), plain},
      {"3x3 taps over 18 channels, 500 rows", Geo(1, 25, 20, 18, 20, 3, 1, 1, 1), plain},
      // One patch per pixel (im2col): a 7x7 stride-2 first layer (147 values: 9 vectors of 16 and a masked tail of
      // 2 pairs), dilation 2 over 5 channels (taps not contiguous), 1x1 with stride 2 and an odd in_c.
      {"7x7 stride 2 pad 3 over RGB, 64 outputs", Geo(1, 23, 21, 3, 64, 7, 2, 1, 3), plain},
      {"3x3 dilation 2 over 5 channels", Geo(1, 12, 11, 5, 16, 3, 1, 2, 1), plain},
      {"1x1 stride 2, in_c 37", Geo(1, 15, 13, 37, 40, 1, 2, 1, 0), plain},
      // The AVX2 variant widens the input with its padding around it and reads one run per kernel row (dilation_w 1)
      // or per tap: uneven kernel, strides, dilations and pads (the end pads larger than needed: pad rows below and
      // right of the input), a 1x1 kernel with padding and one whose end pad leaves output pixels on padding only,
      // batch 2 through the padded input, runs of an odd length (in_c 3 x 5 taps), a layer of 3136 rows over 64
      // channels and one of 49 rows over 512 channels (K = 4608, 32 output blocks: one chunk, tiles of 6 and 5).
      {"3x5 kernel, stride 2x1, dilation 1x2, pads 1/2 and end pads 2/3",
       ConvGeometry2D{1, 9, 11, 6, (9 + 1 + 2 - 3) / 2 + 1, (11 + 2 + 3 - 9) / 1 + 1, 20, 3, 5, 2, 1, 1, 2, 1, 2},
       plain},
      {"1x1 with padding 1", Geo(1, 6, 5, 10, 18, 1, 1, 1, 1), plain},
      {"1x1 stride 2, end pad 2: a last row of padding",
       ConvGeometry2D{1, 5, 5, 8, (5 + 2 - 1) / 2 + 1, (5 + 2 - 1) / 2 + 1, 16, 1, 1, 2, 2, 1, 1, 0, 0}, plain},
      {"3x3 pad 1, batch 2", Geo(2, 7, 6, 12, 16, 3, 1, 1, 1), plain},
      {"5x5 stride 2 over 3 channels, odd runs", Geo(1, 14, 13, 3, 24, 5, 2, 1, 2), plain},
      {"3x3 over 64 channels, 3136 rows", Geo(1, 56, 56, 64, 32, 3, 1, 1, 1), plain},
      // Weights beyond L2 take chunks of more rows: 60 here (then 16: tiles of 6, 5 and 5).
      {"1x1 over 2048 channels, 196 rows, 80 outputs", Geo(1, 14, 14, 2048, 80, 1, 1, 1, 0), plain},
      // A last block of at most 8 outputs runs in tiles of up to 12 rows: MobileNetV2's 1x1 96 -> 24 at 56x56 (48-row
      // chunks of 4 tiles), and 40 outputs over 20 rows (with 2 threads each block a task of its own).
      {"1x1 96 -> 24 outputs, 3136 rows", Geo(1, 56, 56, 96, 24, 1, 1, 1, 0), plain},
      {"1x1 40 outputs, 20 rows", Geo(1, 4, 5, 24, 40, 1, 1, 1, 0), {0.02f, 0.05f, -5, -20, -20, 127}},
      // At most 6 rows and weights beyond L2: the AVX2 variant keeps them as int8 (a classifier), also in a last
      // block of 8 outputs.
      {"FC 1280 -> 1000 over 2 rows", Geo(2, 1, 1, 1280, 1000, 1, 1, 1, 0), {0.03f, 0.5f, 2, -1, -128, 127}},
      {"1x1 2048 -> 72 over 6 rows", Geo(1, 2, 3, 2048, 72, 1, 1, 1, 0), {0.03f, 0.5f, 2, -1, -128, 127}},
      {"3x3 over 512 channels, 49 rows, 512 outputs",
       Geo(1, 7, 7, 512, 512, 3, 1, 1, 1),
       {0.02f, 0.2f, -5, 3, -128, 127}},
  };
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  uint32_t seed = 1;
  int narrowCases = 0, floatClampCases = 0, vnniFloatClampCases = 0, evexRuns = 0;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const ConvGeometry2D& g = k.g;
    auto x = RandomI8(static_cast<size_t>(g.batch * g.inH * g.inW * g.inC), seed++, -128, 127);
    auto w = RandomI8(static_cast<size_t>(g.outC * g.inC * g.kernelH * g.kernelW), seed++, k.wlo, k.whi);
    std::vector<int32_t> bias(static_cast<size_t>(g.outC));
    std::vector<float> ws(static_cast<size_t>(g.outC));
    std::mt19937 rng(seed++);
    for (int64_t o = 0; o < g.outC; ++o) {
      bias[o] = static_cast<int32_t>(rng() % 4001) - 2000;
      ws[o] = k.wScale != 0.f ? k.wScale : 0.001f + 0.0007f * static_cast<float>(o % 7);
    }
    const auto want = Reference(g, x, w, bias, ws, k.p);
    x.resize(x.size() + 3);  // the kernel may read 3 bytes past the input (the plan's buffers have XNNPACK's slack)
    x.shrink_to_fit();       // no spare capacity: the sanitizer build sees any read beyond those 3 bytes
    int distinct = 0;
    for (int8_t v : want) distinct += v != want[0];
    EXPECT_GT(distinct, 0) << "the case should produce more than one value";
    for (Int8Isa isa : SupportedIsas()) {
      SCOPED_TRACE(hostnn::Int8IsaLabel(isa));
      hostnn::QConvInt8 conv(g, w.data(), bias.data(), ws.data(), k.p.xScale, k.p.xZp, k.p.yScale, k.p.yZp, k.p.qmin,
                             k.p.qmax, isa);
      if (isa == Int8Isa::kAvx2) {
        narrowCases += conv.narrowWeights() ? 1 : 0;
        floatClampCases += conv.integerClamp() ? 0 : 1;
      }
      if (isa == Int8Isa::kAvx512Vnni) vnniFloatClampCases += conv.integerClamp() ? 0 : 1;
      for (const auto& [label, run] : RunsOf(conv)) {
        SCOPED_TRACE(label);
        evexRuns += label == "AVX-VNNI tiles, EVEX";
        // A plan's convolutions share one scratch buffer: it holds what the previous one left there.
        std::vector<int16_t> scratch(1 << 20);
        for (size_t i = 0; i < scratch.size(); ++i) scratch[i] = static_cast<int16_t>(i * 7919);
        for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
          std::vector<int8_t> y(want.size(), 99);
          run(x.data(), y.data(), p, &scratch);
          size_t bad = 0;
          for (size_t i = 0; i < y.size(); ++i)
            if (y[i] != want[i] && bad++ < 5)
              ADD_FAILURE() << "element " << i << ": " << int(y[i]) << " != " << int(want[i])
                            << (p ? " (2 threads)" : "");
          EXPECT_EQ(bad, 0u);
        }
      }
    }
  }
  // The two classifier-like cases (and no other) keep int8 weights in the AVX2 variant; the two huge multipliers
  // (and no other) keep its float clamp.
  if (hostnn::Int8IsaSupported(Int8Isa::kAvx2)) {
    EXPECT_EQ(narrowCases, 2);
    EXPECT_EQ(floatClampCases, 2);
  }
  // The VNNI variant leaves the clamp to its saturating store where [qmin, qmax] is all of int8 and the bound holds:
  // the float clamp stays in the 5 cases with a narrower range and the huge multiplier over all of int8.
  if (hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni)) {
    EXPECT_EQ(vnniFloatClampCases, 6);
  }
#if defined(__x86_64__)
  EXPECT_EQ(evexRuns, EvexTwinRuns() ? static_cast<int>(std::size(cases)) : 0);
#endif
}

// The VNNI variants' register tiles: groups of 1-4 blocks of 16 outputs (out_c 16-64, 80 and 100: a full group and a
// last one of 1 or 3 blocks, 100 with 4 outputs in its last block), each with every tile height from 1 row up to
// its largest (AVX-512: 6-12; AVX-VNNI: 6, 12 for a last block of 4 outputs; 1-13 rows in one chunk: one tile of each
// height, then two), 3x3 pad 1 over a 1-row input (every
// tap row but one on padding) with runs of 15 or 24 values (in_c 5 and 8: a run's last 4 bytes partly past it) and
// 1x1 stride 2 over in_c 7 (the pixels gathered), random data over all of int8 (VNNI: the store's saturation
// clamps) and extreme data (x and w only -128 and 127, x zero points -128 and 127) clipped to [-100, 100] (the float
// clamp), 1 and 2 threads: every variant byte for byte against the scalar one and the reference.
TEST(QConvInt8Test, EveryTileShapeMatchesTheScalarVariant) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  uint32_t seed = 100;
  int convs = 0;
  for (int extreme = 0; extreme < 2; ++extreme)
    for (int64_t outC : {16, 32, 48, 64, 80, 100})
      for (int64_t inC : {5, 7, 8})
        for (int64_t width = 1; width <= 13; ++width) {
          const bool pointwise = inC == 7;
          const ConvGeometry2D g =
              pointwise ? Geo(1, 1, 2 * width - 1, inC, outC, 1, 2, 1, 0) : Geo(1, 1, width, inC, outC, 3, 1, 1, 1);
          const Params p = extreme ? Params{0.01f, 0.05f, width % 2 ? -128 : 127, 3, -100, 100}
                                   : Params{0.02f, 0.05f, -5, 3, -128, 127};
          auto x = RandomI8(static_cast<size_t>(g.inH * g.inW * inC), seed++, -128, 127);
          auto w = RandomI8(static_cast<size_t>(outC * inC * g.kernelH * g.kernelW), seed++, -128, 127);
          if (extreme) {
            for (int8_t& v : x) v = v < 0 ? -128 : 127;
            for (int8_t& v : w) v = v < 0 ? -128 : 127;
          }
          std::vector<int32_t> bias(static_cast<size_t>(outC));
          std::vector<float> ws(static_cast<size_t>(outC));
          for (int64_t o = 0; o < outC; ++o) {
            bias[o] = static_cast<int32_t>(o * 37 % 4001) - 2000;
            ws[o] = 0.001f + 0.0007f * static_cast<float>(o % 7);
          }
          const auto want = Reference(g, x, w, bias, ws, p);
          x.resize(x.size() + 3);
          x.shrink_to_fit();
          std::vector<int16_t> scratch;
          std::vector<int8_t> scalar;
          for (Int8Isa isa : SupportedIsas()) {
            hostnn::QConvInt8 conv(g, w.data(), bias.data(), ws.data(), p.xScale, p.xZp, p.yScale, p.yZp, p.qmin,
                                   p.qmax, isa);
            for (const auto& [label, run] : RunsOf(conv))
              for (pthreadpool_t tp : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
                std::vector<int8_t> y(want.size(), 99);
                run(x.data(), y.data(), tp, &scratch);
                if (isa == Int8Isa::kScalar) scalar = y;
                ++convs;
                const bool same = y == want && y == scalar;
                EXPECT_TRUE(same) << label << (tp ? ", 2 threads" : "") << ": out_c " << outC << ", in_c " << inC
                                  << ", " << width << " rows" << (extreme ? ", extreme data" : "");
              }
          }
        }
  EXPECT_GE(convs, 2 * 6 * 3 * 13 * 2);
}

TEST(QConvInt8Test, TheScalarAndAvx2VariantsAreAvailableOnX86) {
#if defined(__x86_64__)
  // CI runs on an x86-64 CPU with AVX2: both variants must be exercised by the test above there.
  EXPECT_TRUE(hostnn::Int8IsaSupported(Int8Isa::kScalar));
  EXPECT_EQ(hostnn::Int8IsaSupported(Int8Isa::kAvx2), __builtin_cpu_supports("avx2") != 0);
#else
  EXPECT_FALSE(hostnn::Int8IsaSupported(Int8Isa::kAvx2));
#endif
  EXPECT_TRUE(hostnn::Int8IsaSupported(Int8Isa::kScalar));
}

// The VNNI variants are supported exactly where the kernel lists the CPU flags (/proc/cpuinfo: avx_vnni; avx512f,
// avx512bw, avx512_vnni), which it reports only where the OS saves the registers they use.
TEST(QConvInt8Test, TheVnniVariantsFollowTheCpuFlags) {
#if defined(__x86_64__) && defined(__linux__)
  const std::string flags = " " + CpuInfoValue("flags") + " ";
  ASSERT_NE(flags, "  ") << "no flags line in /proc/cpuinfo";
  const auto has = [&flags](const char* f) { return flags.find(" " + std::string(f) + " ") != std::string::npos; };
  EXPECT_EQ(hostnn::Int8IsaSupported(Int8Isa::kAvxVnni), has("avx_vnni"));
  EXPECT_EQ(hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni), has("avx512f") && has("avx512bw") && has("avx512_vnni"));
#else
  EXPECT_FALSE(hostnn::Int8IsaSupported(Int8Isa::kAvxVnni));
  EXPECT_FALSE(hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni));
#endif
}

// On aarch64 plain NEON is always there and the dot-product variant follows AT_HWCAP; elsewhere neither is.
// NPULENS_TEST_INT8_ISAS, when set (scripts/test.d/15-aarch64.sh sets it for each CPU it has qemu-aarch64 emulate),
// lists exactly the variants that must be supported, so a detection that misses one cannot leave it untested.
TEST(QConvInt8Test, TheNeonVariantsFollowTheCpu) {
#if defined(__aarch64__)
  EXPECT_TRUE(hostnn::Int8IsaSupported(Int8Isa::kNeon));
  EXPECT_EQ(hostnn::Int8IsaSupported(Int8Isa::kNeonDot), (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0);
#else
  EXPECT_FALSE(hostnn::Int8IsaSupported(Int8Isa::kNeon));
  EXPECT_FALSE(hostnn::Int8IsaSupported(Int8Isa::kNeonDot));
#endif
  if (const char* want = std::getenv("NPULENS_TEST_INT8_ISAS")) {
    std::string got;
    for (Int8Isa isa : SupportedIsas()) got += (got.empty() ? "" : ",") + std::string(EnvName(isa));
    EXPECT_EQ(got, want);
  }
}

// NPULENS_HOSTNN_ISA names any supported variant; without it, or with the fp32-only name avx512, the fastest one is
// used (VNNI, AVX2, NEON dotprod, NEON, scalar); an unsupported one is refused with its label.
TEST(QConvInt8Test, SelectionHonoursTheOverrideAndPrefersTheFastest) {
  const std::vector<Int8Isa> supported = SupportedIsas();
  EXPECT_EQ(hostnn::SelectInt8Isa(), supported.back());  // kAllIsas lists the variants slowest first per CPU
  {
    IsaEnv env("avx512");
    EXPECT_EQ(hostnn::SelectInt8Isa(), supported.back());
  }
  for (Int8Isa isa : kAllIsas) {
    SCOPED_TRACE(EnvName(isa));
    IsaEnv env(EnvName(isa));
    if (hostnn::Int8IsaSupported(isa)) {
      EXPECT_EQ(hostnn::SelectInt8Isa(), isa);
    } else {
      try {
        hostnn::SelectInt8Isa();
        ADD_FAILURE() << "no error";
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  std::string("NPULENS_HOSTNN_ISA=") + EnvName(isa) + ": this CPU has no " + hostnn::Int8IsaLabel(isa));
      }
    }
  }
}

TEST(QConvInt8Test, BAD_CALL_AnUnknownIsaNameIsRefusedWithTheKnownOnes) {
  IsaEnv env("sve2");
  try {
    hostnn::SelectInt8Isa();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "NPULENS_HOSTNN_ISA='sve2' is not one of scalar, avx2, avxvnni, vnni, neon, neondot");
  }
}

#if !defined(NPULENS_KERNEL_TESTS_ONLY)

TEST(QConvInt8Test, MobileNetV2Int8GivesTheSameBitsWithEveryVariant) {
  const std::string model = MobileNetV2Onnx(true);
  const auto x = RandomF(3 * 224 * 224, 7, -2.f, 2.f);
  HostNN_SetThreadCount(2);
  std::vector<float> first;
  for (Int8Isa isa : SupportedIsas()) {
    SCOPED_TRACE(hostnn::Int8IsaLabel(isa));
    IsaEnv env(EnvName(isa));
    std::string describe;
    auto got = RunModel(model, std::vector<std::vector<float>>{x}, &describe);
    ASSERT_EQ(got.size(), 1000u);
    // Every groups = 1 convolution and the classifier run in our kernel, in this variant.
    const std::string label = std::string(" (") + hostnn::Int8IsaLabel(isa) + ")";
    EXPECT_NE(describe.find("kernel int8: Gemm"), std::string::npos) << describe;
    EXPECT_EQ(describe.find("xnnpack fp32: Gemm"), std::string::npos) << describe;
    size_t ours = 0;
    for (size_t at = describe.find(label); at != std::string::npos; at = describe.find(label, at + 1)) ++ours;
    EXPECT_GE(ours, 36u) << describe;  // 35 pointwise + the first 3x3 + the classifier
    if (first.empty()) {
      first = got;
    } else {
      for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], first[i]) << "logit " << i;
    }
  }
  HostNN_SetThreadCount(0);
}

TEST(QConvInt8Test, BAD_CALL_UnknownOrUnsupportedIsaOverrideFailsBuild) {
  std::vector<const char*> names = {"sse9"};  // and the VNNI variants this CPU lacks
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvxVnni)) names.push_back("avxvnni");
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni)) names.push_back("vnni");
  for (const char* v : names) {
    SCOPED_TRACE(v);
    IsaEnv env(v);
    Executor e;
    std::string error;
    EXPECT_EQ(BuildModel(MobileNetV2Onnx(true), &e, &error), OH_NN_FAILED);
    const std::string want =
        v[0] == 's'   ? "Build: NPULENS_HOSTNN_ISA='sse9' is not one of scalar, avx2, avxvnni, vnni, neon, neondot"
        : v[0] == 'a' ? "Build: NPULENS_HOSTNN_ISA=avxvnni: this CPU has no AVX-VNNI"
                      : "Build: NPULENS_HOSTNN_ISA=vnni: this CPU has no AVX-512 VNNI";
    EXPECT_EQ(error, want);
  }
}

#endif  // !NPULENS_KERNEL_TESTS_ONLY
