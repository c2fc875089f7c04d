// The depthwise convolution kernels (dwconv.h): every variant this CPU has against a naive reference over many
// geometries (kernel sizes 1x1 to 8x8, strides, dilations, one-sided padding, channel counts around the 8-channel
// block and its groups of 4, rows long enough for the fp32 kernel's groups of 8, 4 and 1 pixels), with 1 and 2
// threads. int8: exact (the int32 sums and qconv_int8's requantization); fp32: within a rounding bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dwconv.h"
#include "f32_isas.h"

using hostnn::ConvGeometry2D;
using hostnn::DwConvF32;
using hostnn::DwConvInt8;
using hostnn::F32Isa;
using hostnn::Int8Isa;

namespace {

struct Case {
  const char* name;
  int64_t batch, inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight;
};

const Case kCases[] = {
    {"3x3 same, 32 channels", 1, 9, 11, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"3x3 stride 2, 96 channels", 2, 14, 13, 96, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
    {"3x3 stride 2 pad bottom-right (tf same)", 1, 12, 12, 40, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},
    {"5x5 same, 72 channels (4 + 1 blocks)", 1, 10, 9, 72, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
    {"5x5 stride 2, 120 channels", 1, 15, 15, 120, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
    {"3x3 dilation 2", 1, 12, 12, 24, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},
    {"3x3 dilation 2x1 stride 1x2", 1, 11, 12, 16, 3, 3, 1, 2, 2, 1, 2, 1, 2, 1},
    {"odd channels: 1", 1, 7, 6, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"odd channels: 3", 1, 7, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"odd channels: 17 (2 blocks + 1)", 2, 8, 7, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"odd channels: 45 (5 blocks + 5)", 1, 6, 6, 45, 3, 3, 2, 1, 1, 1, 1, 0, 1, 1},
    {"1x1", 1, 5, 7, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
    {"1x3 and 3x1 halves", 1, 6, 9, 16, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1},
    {"7x7 (odd taps)", 1, 9, 9, 33, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3},
    {"8x8 (64 taps, the most)", 1, 10, 10, 16, 8, 8, 2, 2, 1, 1, 3, 3, 4, 4},
    {"kernel larger than the input", 1, 2, 3, 8, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
    {"no padding", 1, 8, 9, 48, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0},
    {"many rows (several tasks)", 3, 20, 19, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"3x3 long row: 8 + 4 + 1 interior pixels", 1, 6, 15, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"3x3 stride 2 long row, odd channels: 12", 1, 7, 40, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
    {"5x5 long row, 24 channels", 1, 7, 31, 24, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
    {"5x5 stride 2 long row (tf same), 20 channels", 1, 9, 44, 20, 5, 5, 2, 2, 1, 1, 1, 1, 2, 2},
    {"5x5 no padding, 7 columns (no interior group of 8)", 1, 9, 11, 8, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0},
    {"3x3 wide padding (columns of padding only)", 1, 5, 6, 8, 3, 3, 1, 1, 1, 1, 3, 3, 3, 3},
    {"3x3 stride 3", 1, 10, 23, 8, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1},
    {"7x7 stride 2 long row (generic), 19 channels", 1, 9, 37, 19, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
    {"3x3 dilation 3 long row (generic)", 1, 9, 30, 8, 3, 3, 1, 1, 3, 3, 3, 3, 3, 3},
    // The int8 row kernel's kernel rows in pairs: an even kernel height (two pairs), an odd one with vertical
    // dilation, one pair of rows only, a single output column, a row of 29 (groups of 8, 8, 8, 4, 1).
    {"4x3 kernel (two row pairs), stride 1x2", 1, 9, 33, 24, 4, 3, 1, 2, 1, 1, 2, 1, 1, 1},
    {"5x3 kernel, dilation 2x1, 16 channels", 1, 12, 10, 16, 5, 3, 1, 1, 2, 1, 4, 1, 4, 1},
    {"2x5 kernel stride 2, padding bottom-right only", 2, 7, 37, 8, 2, 5, 2, 2, 1, 1, 0, 0, 1, 4},
    {"3x3 stride 2 tf same, 16 columns, 17 channels", 1, 6, 33, 17, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},
    {"5x5 stride 2, 16 columns, 40 channels", 1, 9, 32, 40, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
    {"3x3 stride 2, one output column", 1, 5, 2, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
    {"3x3 row of 29, 32 channels", 1, 4, 29, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
};

ConvGeometry2D Geometry(const Case& c) {
  const int64_t outH = (c.inH + c.padTop + c.padBottom - ((c.kh - 1) * c.dh + 1)) / c.sh + 1;
  const int64_t outW = (c.inW + c.padLeft + c.padRight - ((c.kw - 1) * c.dw + 1)) / c.sw + 1;
  return {c.batch, c.inH, c.inW, c.c, outH, outW, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padTop, c.padLeft};
}

// Calls f(b, oy, ox, ch, iy, ix, t) for every tap of every output that lies inside the input, and done(i, ch) after
// each output (NHWC index i).
template <typename Tap, typename Done>
void ForEachTap(const ConvGeometry2D& g, Tap tap, Done done) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox)
        for (int64_t ch = 0; ch < g.outC; ++ch) {
          for (int64_t ky = 0; ky < g.kernelH; ++ky)
            for (int64_t kx = 0; kx < g.kernelW; ++kx) {
              const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
              const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
              if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
              tap(static_cast<size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC + ch),
                  static_cast<size_t>((ch * g.kernelH + ky) * g.kernelW + kx));
            }
          done(static_cast<size_t>(((b * g.outH + oy) * g.outW + ox) * g.outC + ch), static_cast<size_t>(ch));
        }
}

// An int8 depthwise convolution's data and quantization.
struct Int8Data {
  std::vector<int8_t> x, w;
  std::vector<int32_t> bias;
  std::vector<float> wScale;
  float xScale;
  int32_t xZp;
  float yScale;
  int32_t yZp, qmin, qmax;
};

// The naive reference: the int32 sum of (x - x_zp) * w + bias over the taps inside the input, then float(acc) *
// (x_scale * w_scale / y_scale), clamped, rounded half to even, + y_zp.
std::vector<int8_t> Int8Reference(const ConvGeometry2D& g, const Int8Data& d) {
  std::vector<int8_t> want(static_cast<size_t>(g.batch * g.outH * g.outW * g.outC));
  int32_t sum = 0;
  ForEachTap(
      g, [&](size_t xi, size_t wi) { sum += (d.x[xi] - d.xZp) * d.w[wi]; },
      [&](size_t i, size_t ch) {
        const float m = d.xScale * d.wScale[ch] / d.yScale;
        float f = static_cast<float>(sum + d.bias[ch]) * m;
        f = std::min(std::max(f, static_cast<float>(d.qmin - d.yZp)), static_cast<float>(d.qmax - d.yZp));
        want[i] = static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + d.yZp);
        sum = 0;
      });
  return want;
}

std::vector<Int8Isa> Int8Isas() {
  std::vector<Int8Isa> out;
  for (Int8Isa isa :
       {Int8Isa::kScalar, Int8Isa::kAvx2, Int8Isa::kAvxVnni, Int8Isa::kAvx512Vnni, Int8Isa::kNeon, Int8Isa::kNeonDot})
    if (hostnn::Int8IsaSupported(isa)) out.push_back(isa);
  return out;
}

using Pool = std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)>;

// Calls body(c, g, rng, seed) for every case, under its name, with its geometry (a case without outputs fails the
// test) and a generator seeded by firstSeed, firstSeed + 1, ...; `seed` is the next seed (it varies the case's other
// choices).
template <typename Body>
void ForEachCase(uint32_t firstSeed, Body body) {
  uint32_t seed = firstSeed;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const ConvGeometry2D g = Geometry(c);
    ASSERT_GT(g.outH, 0);
    ASSERT_GT(g.outW, 0);
    std::mt19937 rng(seed++);
    body(c, g, rng, seed);
  }
}

// Runs conv on x on the calling thread and on `pool`, each into exactly sized buffers filled with two values in turn
// (an output left unwritten differs in at least one run; the sanitizer build catches a read or write past either),
// and expects every output byte to equal want's (and scalar's, when given). Returns the runs made.
int ExpectRunsGive(const DwConvInt8& conv, const std::vector<int8_t>& x, const std::vector<int8_t>& want,
                   const std::vector<int8_t>* scalar, pthreadpool_t pool) {
  int runs = 0;
  for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool}) {
    SCOPED_TRACE(p ? "2 threads" : "1 thread");
    for (int8_t fill : {int8_t{85}, int8_t{-86}}) {
      std::vector<int8_t> y(want.size(), fill);
      conv.Run(x.data(), y.data(), p);
      ++runs;
      size_t bad = 0;
      for (size_t i = 0; i < y.size(); ++i)
        if ((y[i] != want[i] || (scalar && y[i] != (*scalar)[i])) && bad++ < 5)
          ADD_FAILURE() << "output " << i << ": " << int{y[i]} << ", want " << int{want[i]}
                        << (scalar ? " (scalar " + std::to_string((*scalar)[i]) + ")" : std::string());
      EXPECT_EQ(bad, 0u);
    }
  }
  return runs;
}

}  // namespace

// Exact: the int32 sum of (x - x_zp) * w + bias over the taps inside the input, then float(acc) * (x_scale * w_scale
// / y_scale), clamped, rounded half to even, + y_zp; the zero points and clamps vary by case, weights reach -128.
TEST(DwConvTest, Int8EveryVariantIsExact) {
  Pool pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  int rowKernelCases = 0;
  ForEachCase(1, [&](const Case& c, const ConvGeometry2D& g, std::mt19937& rng, uint32_t seed) {
    std::uniform_int_distribution<int> i8(-128, 127);
    std::vector<int8_t> x(static_cast<size_t>(g.batch * g.inH * g.inW * g.inC)),
        w(static_cast<size_t>(g.inC * c.kh * c.kw));
    for (auto& v : x) v = static_cast<int8_t>(i8(rng));
    for (auto& v : w) v = static_cast<int8_t>(i8(rng));
    std::vector<int32_t> bias(static_cast<size_t>(g.inC));
    std::vector<float> wScale(static_cast<size_t>(g.inC));
    for (size_t ch = 0; ch < bias.size(); ++ch) {
      bias[ch] = static_cast<int32_t>(rng() % 20001) - 10000;
      wScale[ch] = 0.002f + 0.0001f * static_cast<float>(rng() % 50);
    }
    // Every fifth case: a multiplier of ~2e7, products far beyond the int32 range on both sides.
    const bool huge = seed % 5 == 0;
    const float xScale = huge ? 1e4f : 0.05f, yScale = huge ? 1e-6f : 0.2f + 0.01f * static_cast<float>(seed % 7);
    const int32_t xZp = i8(rng), yZp = i8(rng) / 2;
    const int32_t qmin = seed % 2 ? -128 : yZp, qmax = seed % 3 ? 127 : 100;  // a Relu, a Clip, none
    const std::vector<int8_t> want = Int8Reference(g, {x, w, bias, wScale, xScale, xZp, yScale, yZp, qmin, qmax});
    for (Int8Isa isa : Int8Isas()) {
      SCOPED_TRACE(hostnn::Int8IsaLabel(isa));
      const DwConvInt8 conv(g, w.data(), bias.data(), wScale.data(), xScale, xZp, yScale, yZp, qmin, qmax, isa);
      EXPECT_EQ(conv.vnni(), hostnn::DwInt8Vnni(g, isa));
      EXPECT_EQ(conv.avx2(), hostnn::Int8IsaUsesAvx2(isa) && !conv.vnni());
      EXPECT_EQ(conv.rowKernel(), hostnn::DwInt8RowKernel(g, isa));
      rowKernelCases += conv.rowKernel() ? 1 : 0;
      ExpectRunsGive(conv, x, want, nullptr, pool.get());
    }
  });
  // Every x86 CPU with AVX2 runs the row kernel in most cases (the per-pixel one in the rest).
  if (hostnn::Int8IsaSupported(Int8Isa::kAvx2)) {
    EXPECT_GE(rowKernelCases, 15);
  }
}

// The AVX2 row kernel's requantization and stores: every output width 1-17 (its groups of 8, 4, 2 and 1 pixels in
// every combination), 3x3 and 5x5, stride 1 and 2, symmetric, one-sided and no padding, channel counts that are not
// multiples of 16 or 8 (1-4 blocks at a time, a scalar tail), 1 and 2 threads; with random data and with extreme
// data (weights -128 / 127, |x - x_zp| = 255, a large bias) whose multipliers put the accumulator bound just below
// 2^30 (the integer clamp, outputs far beyond int16 that the packs saturate) or, for one channel, products beyond
// 2^31 (the float clamp). Every
// variant is compared with the naive reference and byte for byte with the scalar variant.
TEST(DwConvTest, Int8RowKernelEveryWidthAndClampChoice) {
  Pool pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  const int64_t channelCounts[] = {8, 24, 20, 40, 72, 36, 16, 33};
  int runs = 0, intClampRuns = 0, floatClampRuns = 0;
  uint32_t seed = 500;
  for (int64_t k : {3, 5})
    for (int64_t stride : {1, 2})
      for (int64_t outW = 1; outW <= 17; ++outW)
        for (int mode = 0; mode < 3; ++mode) {  // random, extreme below the bound, extreme above it
          const int64_t c = channelCounts[(outW + mode + k) % 8];
          const int64_t padKind = (outW + stride) % 3;  // symmetric, top-left none (tf same), none
          const int64_t pad0 = padKind == 0 ? k / 2 : 0, pad1 = padKind == 2 ? 0 : k / 2;
          const int64_t inW = (outW - 1) * stride + k - pad0 - pad1, outH = 3;
          const int64_t inH = (outH - 1) * stride + k - pad0 - pad1;
          const ConvGeometry2D g{1, inH, inW, c, outH, outW, c, k, k, stride, stride, 1, 1, pad0, pad0};
          SCOPED_TRACE(std::to_string(k) + "x" + std::to_string(k) + " stride " + std::to_string(stride) + ", " +
                       std::to_string(outW) + " columns, " + std::to_string(c) + " channels, padding " +
                       std::to_string(pad0) + "/" + std::to_string(pad1) + ", mode " + std::to_string(mode));
          std::mt19937 rng(seed++);
          std::uniform_int_distribution<int> i8(-128, 127);
          Int8Data d;
          d.x.resize(static_cast<size_t>(inH * inW * c));
          d.w.resize(static_cast<size_t>(c * k * k));
          d.bias.resize(static_cast<size_t>(c));
          d.wScale.resize(static_cast<size_t>(c));
          d.xScale = 1.0f;
          d.yScale = 1.0f;  // the multiplier is w_scale itself
          d.yZp = i8(rng) / 2;
          d.qmin = seed % 2 ? -128 : d.yZp;  // none or a Relu
          d.qmax = seed % 3 ? 127 : 100;     // or a Clip
          if (mode == 0) {
            for (auto& v : d.x) v = static_cast<int8_t>(i8(rng));
            for (auto& v : d.w) v = static_cast<int8_t>(i8(rng));
            for (auto& v : d.bias) v = static_cast<int32_t>(rng() % 20001) - 10000;
            for (auto& v : d.wScale) v = 0.0005f + 0.00005f * static_cast<float>(rng() % 50);
            d.xZp = i8(rng);
          } else {
            // |x - x_zp| = 255 at every tap inside the input; weights -128 or 127 per channel; bias +-2^20.
            d.xZp = seed % 2 ? -128 : 127;
            for (auto& v : d.x) v = static_cast<int8_t>(d.xZp == -128 ? 127 : -128);
            for (size_t i = 0; i < d.w.size(); ++i) d.w[i] = static_cast<int8_t>((i / (k * k)) % 2 ? -128 : 127);
            for (size_t ch = 0; ch < d.bias.size(); ++ch) d.bias[ch] = ch % 3 ? 1 << 20 : -(1 << 20);
            // The bound DwConvInt8 checks: |bias| + 255 * sum |w|; the multiplier 0.9 times 2^30 over it, or (one
            // channel) 4 times: products beyond 2^31, which only the float clamp handles.
            for (size_t ch = 0; ch < d.wScale.size(); ++ch) {
              const double bound = (1 << 20) + 255.0 * (ch % 2 ? 128.0 : 127.0) * static_cast<double>(k * k);
              const double factor = mode == 2 && ch == d.wScale.size() / 2 ? 4.0 : 0.9;
              d.wScale[ch] = static_cast<float>(factor * 1073741824.0 / bound);
            }
          }
          const std::vector<int8_t> want = Int8Reference(g, d);
          const DwConvInt8 scalar(g, d.w.data(), d.bias.data(), d.wScale.data(), d.xScale, d.xZp, d.yScale, d.yZp,
                                  d.qmin, d.qmax, Int8Isa::kScalar);
          std::vector<int8_t> scalarY(want.size());
          scalar.Run(d.x.data(), scalarY.data(), nullptr);
          for (Int8Isa isa : Int8Isas()) {
            SCOPED_TRACE(hostnn::Int8IsaLabel(isa));
            const DwConvInt8 conv(g, d.w.data(), d.bias.data(), d.wScale.data(), d.xScale, d.xZp, d.yScale, d.yZp,
                                  d.qmin, d.qmax, isa);
            const bool avx2 = hostnn::Int8IsaUsesAvx2(isa) && !hostnn::DwInt8Vnni(g, isa);
            EXPECT_EQ(conv.rowKernel(), avx2);
            // The integer clamp wherever the bound allows it on the AVX2 blocks' channels (the one channel of mode
            // 2 above the bound lies in them: c >= 8).
            EXPECT_EQ(conv.integerClamp(), avx2 && mode != 2);
            if (avx2) (conv.integerClamp() ? intClampRuns : floatClampRuns)++;
            runs += ExpectRunsGive(conv, d.x, want, &scalarY, pool.get());
          }
        }
  EXPECT_GT(runs, 0);
  if (hostnn::Int8IsaSupported(Int8Isa::kAvx2)) {
    EXPECT_GT(intClampRuns, 100);
    EXPECT_GT(floatClampRuns, 30);
  }
}

#if defined(__x86_64__)  // an x86 variant: the aarch64 kernel build has nothing to run here
// The AVX-512 VNNI variant (DwInt8Vnni: 3x3 and 5x5, stride 1 and 2; here with at least 128 channels, which both
// strides take), byte for byte against the scalar variant and the reference: channel counts whose last block of 16
// has 1-15 channels or is full, output rows of 1, 2, 3, 5, 8, 9 and 13 columns (its groups of 8, 4, 2 and 1), padding
// on each side alone, on all four and none, and per shape random data, then extreme data: weights -128 and 127, x_zp
// -128, 127 and 0 with x at the far end (|x - x_zp| up to 255), y_zp at the ends and a Relu / Clip; 1 and 2 threads.
TEST(DwConvTest, Int8VnniMatchesScalarByteForByte) {
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvx512Vnni)) GTEST_SKIP() << "no AVX-512 VNNI";
  Pool pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  const int64_t channelCounts[] = {128, 129, 136, 143, 152, 160, 184, 200, 131};
  // padTop, padLeft, padBottom, padRight (of k / 2 each where set).
  const int pads[][4] = {{1, 1, 1, 1}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0},
                         {0, 0, 0, 1}, {0, 0, 0, 0}, {1, 0, 1, 1}};
  int runs = 0;
  uint32_t seed = 900;
  for (int64_t s : {1, 2})
    for (int64_t k : {3, 5})
      for (int64_t outW : {1, 2, 3, 5, 8, 9, 13})
        for (const auto& pad : pads)
          for (int mode = 0; mode < 2; ++mode) {  // random, extreme
            const int64_t c = channelCounts[seed % 9], h = k / 2;
            const int64_t pt = pad[0] * h, pl = pad[1] * h, pb = pad[2] * h, pr = pad[3] * h;
            const int64_t outH = 1 + seed % 4, inW = (outW - 1) * s + k - pl - pr, inH = (outH - 1) * s + k - pt - pb;
            const ConvGeometry2D g{1, inH, inW, c, outH, outW, c, k, k, s, s, 1, 1, pt, pl};
            SCOPED_TRACE(std::to_string(k) + "x" + std::to_string(k) + " stride " + std::to_string(s) + ", " +
                         std::to_string(outH) + "x" + std::to_string(outW) + " outputs, " + std::to_string(c) +
                         " channels, padding " + std::to_string(pt) + "/" + std::to_string(pl) + "/" +
                         std::to_string(pb) + "/" + std::to_string(pr) + ", mode " + std::to_string(mode));
            std::mt19937 rng(seed++);
            std::uniform_int_distribution<int> i8(-128, 127);
            Int8Data d;
            d.x.resize(static_cast<size_t>(inH * inW * c));
            d.w.resize(static_cast<size_t>(c * k * k));
            d.bias.resize(static_cast<size_t>(c));
            d.wScale.resize(static_cast<size_t>(c));
            for (auto& v : d.bias) v = static_cast<int32_t>(rng() % 20001) - 10000;
            for (auto& v : d.wScale) v = 0.0005f + 0.00005f * static_cast<float>(rng() % 50);
            d.xScale = 1.0f;
            d.yScale = 1.0f;
            if (mode == 0) {
              for (auto& v : d.x) v = static_cast<int8_t>(i8(rng));
              for (auto& v : d.w) v = static_cast<int8_t>(i8(rng));
              d.xZp = i8(rng);
              d.yZp = i8(rng) / 2;
            } else {
              const int32_t zps[] = {-128, 127, 0};
              d.xZp = zps[seed % 3];
              for (auto& v : d.x) v = static_cast<int8_t>(d.xZp >= 0 ? -128 : 127);
              for (size_t i = 0; i < d.w.size(); ++i) d.w[i] = static_cast<int8_t>((i / 3 + seed) % 2 ? -128 : 127);
              d.yZp = seed % 2 ? -128 : 127;
            }
            d.qmin = seed % 2 ? -128 : d.yZp;
            d.qmax = seed % 3 ? 127 : std::max(d.qmin, 100);
            const std::vector<int8_t> want = Int8Reference(g, d);
            const DwConvInt8 scalar(g, d.w.data(), d.bias.data(), d.wScale.data(), d.xScale, d.xZp, d.yScale, d.yZp,
                                    d.qmin, d.qmax, Int8Isa::kScalar);
            std::vector<int8_t> scalarY(want.size());
            scalar.Run(d.x.data(), scalarY.data(), nullptr);
            const DwConvInt8 conv(g, d.w.data(), d.bias.data(), d.wScale.data(), d.xScale, d.xZp, d.yScale, d.yZp,
                                  d.qmin, d.qmax, Int8Isa::kAvx512Vnni);
            EXPECT_EQ(conv.vnni(), hostnn::DwInt8Vnni(g, Int8Isa::kAvx512Vnni));
            if (!conv.vnni()) continue;  // a CPU without VBMI
            runs += ExpectRunsGive(conv, d.x, want, &scalarY, pool.get());
          }
  if (hostnn::DwInt8Vnni({1, 3, 3, 128, 3, 3, 128, 3, 3, 1, 1, 1, 1, 1, 1}, Int8Isa::kAvx512Vnni)) {
    EXPECT_EQ(runs, 2 * 2 * 7 * 7 * 2 * 4);
  }
}
#endif  // __x86_64__

// Within rounding: the double sum of x * w + bias over the taps inside the input, clamped; |got - want| at most
// (taps + 1) * 2^-22 * (sum |x * w| + |bias|) (a float sum of n terms, FMA or not, in any order, is within
// n * 2^-24 of that sum; 4x slack). The clamp (none, Relu, Clip 0..6) and a missing bias vary by case.
TEST(DwConvTest, Fp32EveryVariantMatchesReference) {
  Pool pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  const std::vector<F32Isa> isas = hostnn_test::SupportedF32Isas();
  ForEachCase(100, [&](const Case& c, const ConvGeometry2D& g, std::mt19937& rng, uint32_t seed) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(g.batch * g.inH * g.inW * g.inC)),
        w(static_cast<size_t>(g.inC * c.kh * c.kw)), bias(static_cast<size_t>(g.inC));
    for (auto& v : x) v = dist(rng);
    for (auto& v : w) v = dist(rng);
    for (auto& v : bias) v = dist(rng);
    const bool noBias = seed % 4 == 0;
    const float inf = std::numeric_limits<float>::infinity();
    const float lo = seed % 3 == 0 ? -inf : 0.0f, hi = seed % 3 == 1 ? 6.0f : inf;  // none, Clip 0..6, Relu
    std::vector<double> sum(static_cast<size_t>(g.batch * g.outH * g.outW * g.outC)), bound(sum.size());
    double s = 0, magnitude = 0;
    ForEachTap(
        g,
        [&](size_t xi, size_t wi) {
          s += static_cast<double>(x[xi]) * w[wi];
          magnitude += std::fabs(static_cast<double>(x[xi]) * w[wi]);
        },
        [&](size_t i, size_t ch) {
          const double b = noBias ? 0.0 : bias[ch];
          sum[i] = std::min(std::max(s + b, static_cast<double>(lo)), static_cast<double>(hi));
          bound[i] = static_cast<double>(c.kh * c.kw + 1) * std::ldexp(magnitude + std::fabs(b), -22);
          s = magnitude = 0;
        });
    for (F32Isa isa : isas) {
      SCOPED_TRACE(hostnn::F32IsaLabel(isa));
      const DwConvF32 conv(g, w.data(), noBias ? nullptr : bias.data(), lo, hi, isa);
      EXPECT_EQ(conv.isa(), isa);
      for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
        SCOPED_TRACE(p ? "2 threads" : "1 thread");
        // An exactly sized output (the sanitizer build catches a read or write past it or the input) filled with NaN:
        // an output left unwritten fails the bound.
        std::vector<float> y(sum.size(), std::numeric_limits<float>::quiet_NaN());
        conv.Run(x.data(), y.data(), p);
        size_t bad = 0;
        for (size_t i = 0; i < y.size(); ++i)
          if (!(std::fabs(y[i] - sum[i]) <= bound[i]) && bad++ < 5)
            ADD_FAILURE() << "output " << i << ": " << y[i] << ", want " << sum[i] << " +- " << bound[i];
        EXPECT_EQ(bad, 0u);
      }
    }
  });
}

TEST(DwConvTest, BadCall_NotDepthwiseIsRefused) {
  SCOPED_TRACE("BAD CALL - a multiplier-2 (grouped) or a 9x9 (81-tap) convolution given to the depthwise kernels");
  const ConvGeometry2D multiplier2{1, 4, 4, 8, 4, 4, 16, 3, 3, 1, 1, 1, 1, 1, 1};
  const ConvGeometry2D taps81{1, 9, 9, 8, 1, 1, 8, 9, 9, 1, 1, 1, 1, 0, 0};
  EXPECT_FALSE(hostnn::IsDepthwise(multiplier2, 8));
  EXPECT_FALSE(hostnn::IsDepthwise(taps81, 8));
  EXPECT_FALSE(hostnn::IsDepthwise(taps81, 1));
  const ConvGeometry2D ok{1, 4, 4, 8, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1};
  EXPECT_TRUE(hostnn::IsDepthwise(ok, 8));
  std::vector<int8_t> w8(81 * 16);
  std::vector<int32_t> b32(16);
  std::vector<float> scales(16, 1.0f), wf(81 * 16);
  for (const ConvGeometry2D* g : {&multiplier2, &taps81}) {
    EXPECT_THROW(DwConvInt8(*g, w8.data(), b32.data(), scales.data(), 1.0f, 0, 1.0f, 0, -128, 127, Int8Isa::kScalar),
                 std::logic_error);
    EXPECT_THROW(DwConvF32(*g, wf.data(), nullptr, 0.0f, 6.0f, F32Isa::kScalar), std::logic_error);
  }
}
