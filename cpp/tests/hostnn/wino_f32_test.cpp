// The fp32 Winograd F(4x4, 3x3) convolution (wino_f32.h): every variant this CPU supports against the naive
// reference accumulated in double (conv_reference.h), over image sizes from 1x1 to 30x28 (whole and edge tiles),
// padding 0, 1 and one-sided, 1 to 130 channels (16-channel block and 64-channel chunk tails), a clamp and none,
// 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "conv_reference.h"
#include "f32_isas.h"
#include "random_data.h"
#include "wino_f32.h"

using hostnn::ConvGeometry2D;
using hostnn::F32Isa;
using hostnn::WinogradF32;
using hostnn_test::SupportedF32Isas;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The error bound of F(4x4, 3x3) per output. Output (i, j) of a tile is A^T [sum_c (G g_c G^T) . (B^T d_c B)] A
// (g_c: the 3x3 kernel of input channel c, d_c: the tile's 6x6 input patch, zeros outside the image). Each step rounds
// a sum of terms: the input transform two passes of at most 3 roundings, the transformed weight once (from double),
// the product once, the sum over inC channels inC times, the output transform two passes of 3 and the bias once. The
// computed result then differs from the exact one by at most gamma(inC + 16) times the same expression with every
// matrix, kernel and patch replaced by its absolute value (Higham, Accuracy and Stability of Numerical Algorithms,
// 3.5), plus |bias|. That magnitude is what the transforms amplify: it is larger than the direct convolution's
// sum |x * w| (by up to ~100x at a tile's far corner), and the kernel's error is measured against it. A wrong
// transform coefficient, tap or channel moves an output by the size of a term, far above the bound.
std::vector<double> WinogradBound(const ConvGeometry2D& g, const std::vector<float>& x, const std::vector<float>& w,
                                  const std::vector<float>& bias) {
  static const double kG[6][3] = {{1.0 / 4, 0, 0},
                                  {1.0 / 6, 1.0 / 6, 1.0 / 6},
                                  {1.0 / 6, 1.0 / 6, 1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
  static const double kBt[6][6] = {{4, 0, 5, 0, 1, 0}, {0, 4, 4, 1, 1, 0}, {0, 4, 4, 1, 1, 0},
                                   {0, 2, 1, 2, 1, 0}, {0, 2, 1, 2, 1, 0}, {0, 4, 0, 5, 0, 1}};
  static const double kAt[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, 1, 2, 2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, 1, 8, 8, 1}};
  const double u = std::ldexp(1.0, -24), k = static_cast<double>(g.inC + 16), gamma = k * u / (1 - k * u);
  std::vector<double> bound(static_cast<size_t>(g.batch * g.outH * g.outW * g.outC));
  const int64_t tilesH = (g.outH + 3) / 4, tilesW = (g.outW + 3) / 4;
  std::vector<double> xt(static_cast<size_t>(36 * g.inC)), wt(static_cast<size_t>(36 * g.inC));
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t ty = 0; ty < tilesH; ++ty)
      for (int64_t tx = 0; tx < tilesW; ++tx) {
        // |B^T| |d_c| |B| per input channel.
        for (int64_t c = 0; c < g.inC; ++c) {
          double d[6][6], t[6][6];
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              const int64_t iy = 4 * ty - g.padTop + i, ix = 4 * tx - g.padLeft + j;
              const bool in = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
              d[i][j] = in ? std::fabs(x[static_cast<size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC + c)]) : 0.0;
            }
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              t[i][j] = 0;
              for (int m = 0; m < 6; ++m) t[i][j] += kBt[i][m] * d[m][j];
            }
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              double s = 0;
              for (int m = 0; m < 6; ++m) s += t[i][m] * kBt[j][m];
              xt[static_cast<size_t>(c * 36 + i * 6 + j)] = s;
            }
        }
        for (int64_t o = 0; o < g.outC; ++o) {
          double p[6][6] = {};
          for (int64_t c = 0; c < g.inC; ++c) {
            const float* kern = w.data() + (o * g.inC + c) * 9;
            double t[6][3];
            for (int i = 0; i < 6; ++i)
              for (int j = 0; j < 3; ++j)
                t[i][j] = kG[i][0] * std::fabs(kern[j]) + kG[i][1] * std::fabs(kern[3 + j]) +
                          kG[i][2] * std::fabs(kern[6 + j]);
            for (int i = 0; i < 6; ++i)
              for (int j = 0; j < 6; ++j)
                p[i][j] += (t[i][0] * kG[j][0] + t[i][1] * kG[j][1] + t[i][2] * kG[j][2]) *
                           xt[static_cast<size_t>(c * 36 + i * 6 + j)];
          }
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
              const int64_t oy = 4 * ty + i, ox = 4 * tx + j;
              if (oy >= g.outH || ox >= g.outW) continue;
              double s = 0;
              for (int m = 0; m < 6; ++m)
                for (int n = 0; n < 6; ++n) s += kAt[i][m] * p[m][n] * kAt[j][n];
              bound[static_cast<size_t>(((b * g.outH + oy) * g.outW + ox) * g.outC + o)] =
                  gamma * (s + std::fabs(bias[static_cast<size_t>(o)]));
            }
        }
      }
  return bound;
}

struct Case {
  int64_t batch, inH, inW, inC, outC, padTop, padLeft, padBottom, padRight;
  float lo, hi;
};

std::string Name(const Case& c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.inH) + "x" + std::to_string(c.inW) + " " +
         std::to_string(c.inC) + "->" + std::to_string(c.outC) + " pad " + std::to_string(c.padTop) +
         std::to_string(c.padLeft) + std::to_string(c.padBottom) + std::to_string(c.padRight) +
         (std::isfinite(c.hi) ? " clamp" : "");
}

// Largest error seen relative to the Winograd bound and to the direct convolution's rounding bound.
struct Worst {
  double ofWinogradBound = 0, ofDirectBound = 0;
};

void ExpectMatchesTheReference(const Case& c, uint32_t seed, pthreadpool_t pool, Worst* worst) {
  const int64_t outH = c.inH + c.padTop + c.padBottom - 2, outW = c.inW + c.padLeft + c.padRight - 2;
  const ConvGeometry2D g{c.batch, c.inH, c.inW, c.inC, outH, outW, c.outC, 3, 3, 1, 1, 1, 1, c.padTop, c.padLeft};
  ASSERT_TRUE(WinogradF32::Supports(g));
  const auto x = hostnn_test::RandomF(static_cast<size_t>(c.batch * c.inH * c.inW * c.inC), seed);
  const auto w = hostnn_test::RandomF(static_cast<size_t>(c.outC * c.inC * 9), seed + 1, -0.3f, 0.3f);
  const auto bias = hostnn_test::RandomF(static_cast<size_t>(c.outC), seed + 2);
  const hostnn_test::Reference ref = hostnn_test::Naive(g, x, w, bias, c.lo, c.hi);
  const std::vector<double> bound = WinogradBound(g, x, w, bias);
  for (F32Isa isa : SupportedF32Isas()) {
    SCOPED_TRACE(hostnn::F32IsaLabel(isa));
    const WinogradF32 conv(g, w.data(), bias.data(), c.lo, c.hi, isa);
    EXPECT_EQ(conv.isa(), isa);
    for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool}) {
      SCOPED_TRACE(p ? "2 threads" : "1 thread");
      std::vector<float> y(ref.y.size(), std::numeric_limits<float>::quiet_NaN());  // every output must be written
      conv.Run(x.data(), y.data(), p);
      size_t bad = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const double err = std::fabs(y[i] - ref.y[i]);
        if (!(err <= bound[i]) && bad++ < 5)
          ADD_FAILURE() << "output " << i << ": " << y[i] << ", reference " << ref.y[i] << " +- " << bound[i];
        worst->ofWinogradBound = std::max(worst->ofWinogradBound, err / bound[i]);
        worst->ofDirectBound = std::max(worst->ofDirectBound, err / ref.bound[i]);
      }
      EXPECT_EQ(bad, 0u);
    }
  }
}

}  // namespace

// Image sizes from 1x1 to 15x17 (odd and even, fewer than a tile's 4 outputs to several tiles with edge tiles),
// with padding 1, none (where there is an output) and one-sided, over input/output channel pairs with the 8-lane and
// 16-channel tails (1 to 67), batches of 1 and 2, a clamp on every other case; and larger ones with several blocks of
// tiles and 64-channel chunks (the 2-thread split of tiles and channels).
TEST(WinogradF32Test, EveryVariantMatchesTheReferenceWithinTheTransformsErrorBound) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  struct Size {
    int64_t h, w;
  };
  const Size sizes[] = {{1, 1}, {2, 3}, {3, 3}, {4, 4}, {5, 7}, {6, 6}, {8, 9}, {10, 10}, {13, 6}, {15, 17}};
  struct Pad {
    int64_t top, left, bottom, right;
  };
  const Pad pads[] = {{1, 1, 1, 1}, {0, 0, 0, 0}, {1, 0, 2, 1}};
  struct Channels {
    int64_t in, out;
  };
  const Channels channels[] = {{1, 1}, {3, 5}, {8, 16}, {13, 31}, {17, 8}, {67, 67}};
  uint32_t seed = 1;
  Worst worst;
  int cases = 0;
  for (const Size& s : sizes)
    for (const Pad& p : pads)
      for (const Channels& ch : channels) {
        if (s.h + p.top + p.bottom < 3 || s.w + p.left + p.right < 3) continue;
        const Case c{
            1 + cases % 2,          s.h, s.w, ch.in, ch.out, p.top, p.left, p.bottom, p.right, cases % 2 ? 0.0f : -kInf,
            cases % 2 ? 6.0f : kInf};
        SCOPED_TRACE(Name(c));
        ExpectMatchesTheReference(c, seed, pool.get(), &worst);
        seed += 3;
        ++cases;
      }
  const Case large[] = {{2, 30, 28, 20, 130, 1, 1, 1, 1, -kInf, kInf},
                        {1, 14, 14, 200, 40, 1, 1, 1, 1, 0.0f, kInf},
                        {1, 7, 7, 96, 200, 1, 1, 1, 1, -kInf, kInf}};
  for (const Case& c : large) {
    SCOPED_TRACE(Name(c));
    ExpectMatchesTheReference(c, seed, pool.get(), &worst);
    seed += 3;
    ++cases;
  }
  EXPECT_GT(cases, 150);
  std::printf("%d cases: largest error %.3g of the Winograd bound, %.3g of a direct convolution's rounding bound\n",
              cases, worst.ofWinogradBound, worst.ofDirectBound);
}

// Without a bias the outputs are the plain sums; a NaN input gives NaN in the outputs of its tiles through the clamp
// (the ONNX semantics of Conv then Relu), not the clamp's lower bound.
TEST(WinogradF32Test, NoBiasAndNaNPropagateInEveryVariant) {
  const ConvGeometry2D g{1, 4, 4, 3, 4, 4, 20, 3, 3, 1, 1, 1, 1, 1, 1};
  std::vector<float> x(48, 1.0f), w(540, 0.5f);
  for (F32Isa isa : SupportedF32Isas()) {
    SCOPED_TRACE(hostnn::F32IsaLabel(isa));
    const WinogradF32 conv(g, w.data(), nullptr, 0.0f, kInf, isa);
    std::vector<float> y(320, -1.0f);
    conv.Run(x.data(), y.data(), nullptr);
    // Output (oy, ox) sums 1.5 per tap inside the image: 4 at a corner, 6 at an edge, 9 inside.
    for (int64_t oy = 0; oy < 4; ++oy)
      for (int64_t ox = 0; ox < 4; ++ox) {
        const int64_t rows = 3 - (oy == 0) - (oy == 3), cols = 3 - (ox == 0) - (ox == 3);
        for (int64_t o = 0; o < 20; ++o)
          EXPECT_NEAR(y[static_cast<size_t>((oy * 4 + ox) * 20 + o)], 1.5f * static_cast<float>(rows * cols), 1e-4f)
              << oy << "," << ox << " channel " << o;
      }
    std::vector<float> xn = x;
    xn[5 * 3 + 1] = std::numeric_limits<float>::quiet_NaN();
    conv.Run(xn.data(), y.data(), nullptr);
    for (float v : y) EXPECT_TRUE(std::isnan(v));
  }
}

TEST(WinogradF32Test, SupportsOnly3x3StrideOneWithoutDilation) {
  const ConvGeometry2D ok{1, 8, 8, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1};
  EXPECT_TRUE(WinogradF32::Supports(ok));
  ConvGeometry2D g = ok;
  g.strideW = 2;
  EXPECT_FALSE(WinogradF32::Supports(g));
  g = ok;
  g.dilationH = 2;
  EXPECT_FALSE(WinogradF32::Supports(g));
  g = ok;
  g.kernelW = 5;
  EXPECT_FALSE(WinogradF32::Supports(g));
  g = ok;
  g.outH = 0;
  EXPECT_FALSE(WinogradF32::Supports(g));
}
