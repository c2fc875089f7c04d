// The exact int8 Winograd F(2x2, 3x3) kernel (wino_int8.h) against the direct kernel's scalar variant (QConvInt8,
// itself checked against a naive reference in qconv_int8_test.cpp), bit for bit: odd and even sizes, padding, channel
// and output channel tails, extreme values, the exactness bound on the input channels, 1 and 2 threads. The kernel
// exists on x86-64 only; elsewhere (the aarch64 kernel build) only the check that it takes nothing is compiled.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "qconv_int8.h"
#include "random_data.h"
#include "wino_int8.h"

using hostnn::ConvGeometry2D;
using hostnn::Int8Isa;
using hostnn::QWinogradInt8;
using hostnn_test::RandomI8;

namespace {

// 3x3 stride 1 geometry: padding top/left, bottom/right.
ConvGeometry2D Geometry(int64_t batch, int64_t h, int64_t w, int64_t inC, int64_t outC, int64_t padTop, int64_t padLeft,
                        int64_t padBottom, int64_t padRight) {
  return {batch, h, w,      inC,    h + padTop + padBottom - 2, w + padLeft + padRight - 2, outC, 3, 3, 1, 1,
          1,     1, padTop, padLeft};
}

}  // namespace

#if defined(__x86_64__)
namespace {

struct Quant {
  int32_t xZp, yZp, qmin, qmax;
  float yScale;  // x_scale 0.02, w_scale 0.001 + 0.0007 (o % 7)
};

// Runs both kernels on x, w, bias (unthreaded and over a 2-thread pool) and expects the same bytes.
void ExpectSameAsDirect(const ConvGeometry2D& g, const std::vector<int8_t>& x, const std::vector<int8_t>& w,
                        const std::vector<int32_t>& bias, const Quant& q, const std::string& trace) {
  SCOPED_TRACE(trace);
  ASSERT_TRUE(QWinogradInt8::Handles(g, Int8Isa::kAvx2));
  std::vector<float> ws(static_cast<size_t>(g.outC));
  for (size_t o = 0; o < ws.size(); ++o) ws[o] = 0.001f + 0.0007f * static_cast<float>(o % 7);
  const hostnn::QConvInt8 direct(g, w.data(), bias.data(), ws.data(), 0.02f, q.xZp, q.yScale, q.yZp, q.qmin, q.qmax,
                                 Int8Isa::kScalar);
  const QWinogradInt8 wino(g, w.data(), bias.data(), ws.data(), 0.02f, q.xZp, q.yScale, q.yZp, q.qmin, q.qmax);
  const size_t outSize = static_cast<size_t>(g.batch * g.outH * g.outW * g.outC);
  std::vector<int8_t> want(outSize), got(outSize);
  std::vector<int16_t> scratch;
  direct.Run(x.data(), want.data(), nullptr, &scratch);
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
    std::fill(got.begin(), got.end(), int8_t{0x55});  // nothing left from the previous run
    wino.Run(x.data(), got.data(), p, &scratch);
    size_t diff = 0;
    while (diff < outSize && got[diff] == want[diff]) ++diff;
    ASSERT_EQ(diff, outSize) << (p ? "2 threads" : "1 thread") << ": first difference at " << diff << " (pixel "
                             << diff / static_cast<size_t>(g.outC) << ", channel " << diff % static_cast<size_t>(g.outC)
                             << "): " << int{got[diff]} << " vs " << int{want[diff]};
  }
}

}  // namespace

TEST(WinoInt8Test, MatchesTheDirectKernelOverShapes) {
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  uint32_t seed = 1;
  const int64_t sizes[][2] = {{1, 1}, {2, 2}, {3, 3}, {1, 5}, {4, 7}, {5, 5}, {6, 9}, {8, 8}, {15, 17}, {16, 3}};
  const int64_t channels[][2] = {{1, 1}, {2, 16}, {3, 17}, {16, 5}, {17, 33}, {32, 16}, {67, 35}};
  for (const auto& hw : sizes)
    for (const auto& ch : channels)
      for (int pad = 0; pad <= 1; ++pad) {
        if (hw[0] + 2 * pad < 3 || hw[1] + 2 * pad < 3) continue;  // no output
        const int64_t batch = hw[0] == 4 ? 2 : 1;
        const ConvGeometry2D g = Geometry(batch, hw[0], hw[1], ch[0], ch[1], pad, pad, pad, pad);
        const auto x = RandomI8(static_cast<size_t>(batch * hw[0] * hw[1] * ch[0] + 3), seed++, -128, 127);
        const auto w = RandomI8(static_cast<size_t>(ch[1] * ch[0] * 9), seed++, -128, 127);
        std::vector<int32_t> bias(static_cast<size_t>(ch[1]));
        for (size_t o = 0; o < bias.size(); ++o) bias[o] = static_cast<int32_t>(o * 977 % 4001) - 2000;
        // y_scale: an accumulator's typical size (sqrt(9 in_c) * 74 * 74) spans about 40 output steps.
        const float yScale = 0.02f * 0.003f * std::sqrt(9.f * static_cast<float>(ch[0])) * 5500.f / 40.f;
        ExpectSameAsDirect(g, x, w, bias, {-3, 5, -128, 127, yScale},
                           std::to_string(hw[0]) + "x" + std::to_string(hw[1]) + " " + std::to_string(ch[0]) + "->" +
                               std::to_string(ch[1]) + " pad " + std::to_string(pad) + " batch " +
                               std::to_string(batch));
      }
}

// Output = accumulator itself (multiplier 1, small values): an accumulator off by one shows.
TEST(WinoInt8Test, AccumulatorsExactToTheLastBit) {
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  for (int64_t inC : {1, 2}) {
    const ConvGeometry2D g = Geometry(1, 7, 6, inC, 19, 1, 0, 1, 1);  // asymmetric padding
    auto x = RandomI8(static_cast<size_t>(7 * 6 * inC + 3), 40 + static_cast<uint32_t>(inC), 7, 13);  // x_zp 10 +- 3
    const auto w = RandomI8(static_cast<size_t>(19 * inC * 9), 50 + static_cast<uint32_t>(inC), -2, 2);
    std::vector<int32_t> bias(19, 0);
    bias[3] = 7;
    // multiplier = 0.02 * w_scale / y_scale = 1 for output channels o % 7 == 0 (w_scale 0.001)
    ExpectSameAsDirect(g, x, w, bias, {10, 0, -128, 127, 0.02f * 0.001f}, "in_c " + std::to_string(inC));
  }
}

TEST(WinoInt8Test, ExtremeValuesAndTheExactnessBound) {
  if (!hostnn::Int8IsaSupported(Int8Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  struct Extreme {
    int8_t x, w;
    int32_t xZp;
  };
  // d = +-255 with weights -128 or 127: the largest |V|, |U'| and products.
  for (const Extreme e :
       {Extreme{-128, -128, 127}, Extreme{127, -128, -128}, Extreme{127, 127, -128}, Extreme{-128, 127, 127}}) {
    for (int64_t inC : {67, 1827}) {  // 1827: the most input channels Handles takes (4 * 1827 * 9 * 255 * 128 < 2^31)
      const int64_t outC = inC == 67 ? 33 : 17;
      const ConvGeometry2D g = Geometry(1, 5, 4, inC, outC, 1, 1, 1, 1);
      std::vector<int8_t> x(static_cast<size_t>(5 * 4 * inC + 3), e.x), w(static_cast<size_t>(outC * inC * 9), e.w);
      for (size_t i = 0; i < w.size(); i += 5) w[i] = static_cast<int8_t>(-e.w - 1);  // -128 <-> 127: mixed signs
      std::vector<int32_t> bias(static_cast<size_t>(outC), -1000);
      // y_scale so that the largest accumulator (in_c * 9 * 255 * 128) spans the int8 range at w_scale 0.001.
      const float yScale = 0.02f * 0.001f * static_cast<float>(inC) * 9.f * 255.f * 128.f / 100.f;
      ExpectSameAsDirect(g, x, w, bias, {e.xZp, e.xZp == 127 ? -128 : 127, -128, 127, yScale},
                         "x " + std::to_string(e.x) + " w " + std::to_string(e.w) + " x_zp " + std::to_string(e.xZp) +
                             " in_c " + std::to_string(inC));
    }
  }
  EXPECT_TRUE(QWinogradInt8::Handles(Geometry(1, 4, 4, 1827, 16, 1, 1, 1, 1), Int8Isa::kAvx2));
  EXPECT_FALSE(QWinogradInt8::Handles(Geometry(1, 4, 4, 1828, 16, 1, 1, 1, 1), Int8Isa::kAvx2));
}

#endif  // __x86_64__

TEST(WinoInt8Test, HandlesOnlyThreeByThreeStrideOneOnAvx2) {
  const ConvGeometry2D ok = Geometry(1, 8, 8, 16, 16, 1, 1, 1, 1);
  EXPECT_EQ(QWinogradInt8::Handles(ok, Int8Isa::kAvx2), hostnn::Int8IsaSupported(Int8Isa::kAvx2));
  EXPECT_FALSE(QWinogradInt8::Handles(ok, Int8Isa::kScalar));
  ConvGeometry2D g = ok;
  g.strideH = 2;
  EXPECT_FALSE(QWinogradInt8::Handles(g, Int8Isa::kAvx2));
  g = ok;
  g.dilationW = 2;
  EXPECT_FALSE(QWinogradInt8::Handles(g, Int8Isa::kAvx2));
  g = ok;
  g.kernelW = 1;
  EXPECT_FALSE(QWinogradInt8::Handles(g, Int8Isa::kAvx2));
  EXPECT_THROW(QWinogradInt8(g, nullptr, nullptr, nullptr, 1.f, 0, 1.f, 0, -128, 127), std::logic_error);
}
