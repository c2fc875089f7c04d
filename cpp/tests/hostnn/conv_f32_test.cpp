// The fp32 convolution kernel (conv_f32.h): every variant this CPU supports against a naive reference accumulated in
// double, over many geometries, with 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "conv_f32.h"
#include "conv_reference.h"
#include "cpu_info.h"
#include "f32_isas.h"
#include "random_data.h"

using hostnn::ConvF32;
using hostnn::ConvGeometry2D;
using hostnn::F32Isa;
using hostnn_test::Naive;
using hostnn_test::RandomF;
using hostnn_test::Reference;
using hostnn_test::SupportedF32Isas;

namespace {

struct Case {
  const char* name;
  int64_t batch, inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight;
  float lo, hi;
};

constexpr float kInf = std::numeric_limits<float>::infinity();

// Kernel sizes 1 to 7 (square and not), strides 1 to 3, dilations 1 and 2, symmetric, one-sided and no padding,
// channel counts that are not multiples of the 16-channel block or of anything else, pixel counts that are not
// multiples of the 6-pixel register tile or of a task, batches, a clamp and none.
const Case kCases[] = {
    {"1x1 gemm", 1, 7, 5, 9, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
    {"1x1 odd channels relu6", 2, 5, 9, 33, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0.0f, 6.0f},
    {"1x1 stride 2", 1, 13, 11, 20, 40, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, -kInf, kInf},
    {"3x3 same", 1, 9, 11, 8, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0f, kInf},
    {"3x3 stride 2 pad 1", 2, 14, 13, 16, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, -kInf, kInf},
    {"3x3 one input channel", 1, 10, 10, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf},
    {"3x3 dilation 2", 1, 12, 12, 7, 19, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, -0.5f, 0.5f},
    {"3x3 dilation 2x1 stride 1x2", 1, 11, 12, 5, 9, 3, 3, 1, 2, 2, 1, 2, 1, 2, 1, -kInf, kInf},
    {"3x3 no padding", 1, 9, 8, 6, 3, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
    {"3x3 padding only top-left", 1, 8, 8, 4, 17, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, -kInf, kInf},
    {"3x3 padding only bottom-right", 1, 8, 8, 4, 17, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, -kInf, kInf},
    {"5x5 stride 3", 1, 16, 17, 3, 8, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, -kInf, kInf},
    {"7x7 stride 2 (resnet stem)", 1, 23, 23, 3, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 0.0f, kInf},
    {"1x3", 1, 6, 9, 10, 11, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, -kInf, kInf},
    {"3x1", 1, 9, 6, 10, 11, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0, -kInf, kInf},
    {"kernel larger than the padded input rows", 1, 2, 9, 3, 4, 5, 3, 1, 1, 1, 1, 2, 1, 2, 1, -kInf, kInf},
    {"one output pixel, many channels", 1, 3, 3, 70, 100, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
    {"few pixels, many output blocks (channel split)", 1, 4, 4, 40, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf},
    {"many pixels (several tasks)", 3, 20, 19, 6, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf},
};

ConvGeometry2D Geometry(const Case& c) {
  const int64_t outH = (c.inH + c.padTop + c.padBottom - ((c.kh - 1) * c.dh + 1)) / c.sh + 1;
  const int64_t outW = (c.inW + c.padLeft + c.padRight - ((c.kw - 1) * c.dw + 1)) / c.sw + 1;
  return {c.batch, c.inH, c.inW, c.inC, outH, outW, c.outC, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padTop, c.padLeft};
}

class IsaEnv {
 public:
  explicit IsaEnv(const char* value) {
    if (const char* old = std::getenv("NPULENS_HOSTNN_ISA")) old_ = old, had_ = true;
    setenv("NPULENS_HOSTNN_ISA", value, 1);
  }
  ~IsaEnv() {
    if (had_)
      setenv("NPULENS_HOSTNN_ISA", old_.c_str(), 1);
    else
      unsetenv("NPULENS_HOSTNN_ISA");
  }

 private:
  std::string old_;
  bool had_ = false;
};

// Runs case c (in `groups` groups) in every supported variant with 1 and 2 threads against the naive reference; seeds
// its data from seed. withResidual: with a residual added (from its own buffer: it may not be y).
void ExpectMatchesTheReference(const Case& c, uint32_t seed, pthreadpool_t pool, int64_t groups = 1,
                               bool withResidual = false) {
  const ConvGeometry2D g = Geometry(c);
  ASSERT_GT(g.outH, 0);
  ASSERT_GT(g.outW, 0);
  const auto x = RandomF(static_cast<size_t>(c.batch * c.inH * c.inW * c.inC), seed, -1.0f, 1.0f);
  const auto w = RandomF(static_cast<size_t>(c.outC * c.inC / groups * c.kh * c.kw), seed + 1, -0.3f, 0.3f);
  const auto bias = RandomF(static_cast<size_t>(c.outC), seed + 2, -1.0f, 1.0f);
  const auto residual = withResidual
                            ? RandomF(static_cast<size_t>(g.batch * g.outH * g.outW * g.outC), seed + 3, -2.0f, 2.0f)
                            : std::vector<float>{};
  const Reference ref = Naive(g, x, w, bias, c.lo, c.hi, groups, withResidual ? &residual : nullptr);
  for (F32Isa isa : SupportedF32Isas()) {
    SCOPED_TRACE(hostnn::F32IsaLabel(isa));
    const ConvF32 conv(g, w.data(), bias.data(), c.lo, c.hi, isa, groups);
    EXPECT_EQ(conv.isa(), isa);
    for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool}) {
      SCOPED_TRACE(p ? "2 threads" : "1 thread");
      // Every output must be written: NaN where none is.
      std::vector<float> y(ref.y.size(), std::nanf(""));
      conv.Run(x.data(), y.data(), p, withResidual ? residual.data() : nullptr);
      size_t bad = 0;
      for (size_t i = 0; i < y.size(); ++i)
        if (!(std::fabs(y[i] - ref.y[i]) <= ref.bound[i]) && bad++ < 5)
          ADD_FAILURE() << "output " << i << ": " << y[i] << ", reference " << ref.y[i] << " +- " << ref.bound[i];
      EXPECT_EQ(bad, 0u);
    }
  }
}

}  // namespace

TEST(ConvF32Test, EveryVariantMatchesTheReferenceWithinTheRoundingBound) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    ExpectMatchesTheReference(c, seed, pool.get());
    seed += 3;
  }
}

// Few channels, where the kernel takes other paths: input and output channels in {3, 8, 16, 24, 40} (a 24-wide last
// block for 24 and 40 outputs, an 8-wide one for 8, a 16-wide one padded from 3; row taps for fewer than 16 inputs;
// weights small enough for the pixel-major order or not) in a 1x1 GEMM, a strided 1x1, 3x3 convolutions with and
// without padding (strided tiles inside, pointer tiles at the borders and where a tile spans two output rows) and a
// dilated one, over two images whose pixel counts are not multiples of the 4-, 6- or 12-pixel tiles, at 1 and 2
// threads.
TEST(ConvF32Test, FewChannelsInEveryPathMatchTheReference) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  struct Shape {
    const char* name;
    int64_t inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight;
    float lo, hi;
  };
  const Shape shapes[] = {
      {"1x1", 13, 11, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"1x1 stride 2", 13, 11, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 0.0f, kInf},
      {"3x3 pad 1 relu6", 13, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0f, 6.0f},
      {"3x3 stride 2 pad 1 (stem)", 23, 21, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, -kInf, kInf},
      {"3x3 no padding", 9, 26, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"3x3 dilation 2 pad 2", 12, 14, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, -kInf, kInf},
  };
  uint32_t seed = 1000;
  for (const Shape& s : shapes)
    for (int64_t inC : {3, 8, 16, 24, 40})
      for (int64_t outC : {3, 8, 16, 24, 40}) {
        const std::string name = std::string(s.name) + " " + std::to_string(inC) + "->" + std::to_string(outC);
        SCOPED_TRACE(name);
        const Case c{name.c_str(), 2,    s.inH, s.inW,    inC,       outC,        s.kh,       s.kw, s.sh,
                     s.sw,         s.dh, s.dw,  s.padTop, s.padLeft, s.padBottom, s.padRight, s.lo, s.hi};
        ExpectMatchesTheReference(c, seed, pool.get());
        seed += 3;
      }
}

// Grouped convolutions (RegNet's group width 8 and others): 2 to 55 groups of 8, 16 or 24 input and output channels
// (an 8-, 16- and 24-wide last block, one to three blocks a group), 3x3 stride 1 and 2 with padding (strided and
// pointer tiles), 1x1 (a GEMM per group) and a 1x1 of stride 2, 1 and 2 threads (with 55 groups of a 7x7 image, the
// split of output blocks across groups), every variant. 8 outputs a group take the AVX2 partial-sum tile (3 pixels x 8
// outputs): odd and even group counts, 4, 8, 12 and 16 input channels a group (one to four 4-channel steps per tap),
// pixel counts leaving 2-pixel tiles. A channel or weight of the wrong group moves outputs by the size of a
// term.
TEST(ConvF32Test, GroupedConvolutionsMatchTheReference) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  struct Shape {
    const char* name;
    int64_t inH, inW, kh, sh, pad;
    float lo, hi;
  };
  const Shape shapes[] = {
      {"3x3 pad 1 relu", 11, 13, 3, 1, 1, 0.0f, kInf}, {"3x3 stride 2 pad 1", 13, 12, 3, 2, 1, -kInf, kInf},
      {"3x3 no padding", 9, 10, 3, 1, 0, -kInf, kInf}, {"1x1", 9, 7, 1, 1, 0, -kInf, kInf},
      {"1x1 stride 2", 9, 8, 1, 2, 0, 0.0f, 6.0f},
  };
  struct Groups {
    int64_t groups, icg, ocg, size;  // size: overrides the shape's inH and inW when not 0
  };
  const Groups groupings[] = {{2, 8, 8, 0},   {6, 8, 8, 0},  {3, 16, 16, 0}, {2, 24, 24, 0}, {4, 8, 16, 0},
                              {5, 16, 8, 0},  {3, 8, 24, 0}, {13, 8, 8, 0},  {55, 8, 8, 7},  {7, 24, 16, 0},
                              {26, 16, 8, 5}, {3, 4, 8, 0},  {4, 12, 8, 0},  {9, 16, 8, 6},  {2, 8, 8, 4}};
  uint32_t seed = 5000;
  for (const Shape& s : shapes)
    for (const Groups& gr : groupings) {
      const std::string name = std::string(s.name) + " " + std::to_string(gr.groups) + " groups " +
                               std::to_string(gr.icg) + "->" + std::to_string(gr.ocg);
      SCOPED_TRACE(name);
      const int64_t inH = gr.size ? gr.size : s.inH, inW = gr.size ? gr.size : s.inW;
      const Case c{name.c_str(),
                   2,
                   inH,
                   inW,
                   gr.groups * gr.icg,
                   gr.groups * gr.ocg,
                   s.kh,
                   s.kh,
                   s.sh,
                   s.sh,
                   1,
                   1,
                   s.pad,
                   s.pad,
                   s.pad,
                   s.pad,
                   s.lo,
                   s.hi};
      ExpectMatchesTheReference(c, seed, pool.get(), gr.groups);
      seed += 3;
    }
}

// A residual added before the clamp (a fused residual Add): output channels that fill 16-wide blocks, leave a part
// of one (17, 33), take a 24- or 8-wide last block (24, 40, 8, 3), in a 1x1 GEMM, a 3x3 (strided and pointer tiles),
// a strided 1x1 and groups, with and without a clamp, from its own buffer and in y, every variant, 1 and 2 threads.
// A residual of the wrong pixel or channel, or added after the clamp, moves outputs by about 1.
TEST(ConvF32Test, ResidualIsAddedBeforeTheClampInEveryPath) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  const Case cases[] = {
      {"1x1 16->96 (MobileNetV2 expansion)", 1, 13, 11, 16, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"1x1 96->24 relu6", 2, 7, 9, 96, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0.0f, 6.0f},
      {"1x1 33->17", 1, 5, 9, 33, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"1x1 20->40 clamp", 1, 9, 7, 20, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -1.0f, 1.0f},
      {"1x1 12->8", 1, 7, 5, 12, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"1x1 stride 2 24->33", 1, 13, 11, 24, 33, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, -kInf, kInf},
      {"3x3 pad 1 16->3", 2, 9, 11, 16, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf},
      {"3x3 stride 2 pad 1 8->40 relu", 1, 14, 13, 8, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.0f, kInf},
      {"few pixels, many output blocks (channel split)", 1, 4, 4, 40, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf},
  };
  uint32_t seed = 7000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectMatchesTheReference(c, seed, pool.get(), 1, true);
    seed += 4;
  }
  // 6 groups of 16 outputs: the broadcast tiles; 8 outputs a group: the partial-sum tile (DotTileFma).
  const struct {
    Case c;
    int64_t groups;
  } grouped[] = {{{"3x3 6 groups 8->16", 1, 9, 10, 48, 96, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0f, 6.0f}, 6},
                 {{"3x3 5 groups 8->8", 1, 9, 10, 40, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -kInf, kInf}, 5},
                 {{"3x3 stride 2 3 groups 4->8 relu", 1, 11, 9, 12, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.0f, kInf}, 3}};
  for (const auto& k : grouped) {
    SCOPED_TRACE(k.c.name);
    ExpectMatchesTheReference(k.c, seed, pool.get(), k.groups, true);
    seed += 4;
  }
}

// The AVX-512 tile runs 16-channel blocks in pairs (12 pixels x 32 channels): an even and an odd count of blocks (a
// pair and one alone), a pair whose second block is part zeros (28, 60 outputs: masked stores), a 24-wide last block
// after pairs (40, 72), with weights past L1 (block-major: the pair of one task's blocks) and within it (pixel-major),
// pixel counts leaving part tiles (9 x 11 = 99), images of at most 49 pixels (7 x 7, 4 x 7: 13- and 14-pixel tiles),
// a 3x3 with padding (strided and pointer tiles) and a 1x1, a clamp, a residual; every variant, 1 and 2 threads. A
// wrong lane mask or second block's weights moves outputs by a term.
TEST(ConvF32Test, BlockPairsAndTheirTailsMatchTheReference) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  uint32_t seed = 9000;
  const int64_t sizes[][2] = {{9, 11}, {7, 7}, {4, 7}};
  for (const auto& hw : sizes)
    for (int64_t inC : {8, 64})
      for (int64_t outC : {28, 48, 60, 64, 72, 80, 40})
        for (int64_t k : {1, 3}) {
          const std::string name = std::to_string(k) + "x" + std::to_string(k) + " " + std::to_string(inC) + "->" +
                                   std::to_string(outC) + " @" + std::to_string(hw[0]) + "x" + std::to_string(hw[1]);
          SCOPED_TRACE(name);
          const int64_t pad = k / 2;
          const Case c{name.c_str(), 2, hw[0], hw[1], inC, outC, k, k, 1, 1, 1, 1, pad, pad, pad, pad, 0.0f, 6.0f};
          ExpectMatchesTheReference(c, seed, pool.get(), 1, outC % 16 != 0);
          seed += 4;
        }
}

// Without a bias the outputs are the plain sums; a NaN input gives NaN outputs through the clamp in every variant
// (the ONNX semantics of Conv followed by Relu/Clip), not the clamp's lower bound.
TEST(ConvF32Test, NoBiasAndNaNPropagateInEveryVariant) {
  const ConvGeometry2D g{1, 1, 7, 3, 1, 7, 20, 1, 1, 1, 1, 1, 1, 0, 0};
  std::vector<float> x(21, 1.0f), w(60, 0.5f);
  x[3 * 3 + 1] = std::numeric_limits<float>::quiet_NaN();  // pixel 3, channel 1
  for (F32Isa isa : SupportedF32Isas()) {
    SCOPED_TRACE(hostnn::F32IsaLabel(isa));
    const ConvF32 conv(g, w.data(), nullptr, 0.0f, 6.0f, isa);
    std::vector<float> y(140, -1.0f);
    conv.Run(x.data(), y.data(), nullptr);
    for (int64_t px = 0; px < 7; ++px)
      for (int64_t o = 0; o < 20; ++o) {
        const float v = y[static_cast<size_t>(px * 20 + o)];
        if (px == 3)
          EXPECT_TRUE(std::isnan(v)) << "pixel 3 channel " << o << ": " << v;
        else
          EXPECT_EQ(v, 1.5f) << "pixel " << px << " channel " << o;
      }
  }
}

TEST(ConvF32Test, TheSimdVariantsAreAvailableOnX86WithTheirExtensions) {
#if defined(__x86_64__)
  const bool avx2 = __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
  EXPECT_EQ(hostnn::F32IsaSupported(F32Isa::kAvx2Fma), avx2);
  EXPECT_EQ(hostnn::F32IsaSupported(F32Isa::kAvx512), avx2 && __builtin_cpu_supports("avx512f") != 0);
#else
  EXPECT_FALSE(hostnn::F32IsaSupported(F32Isa::kAvx2Fma));
  EXPECT_FALSE(hostnn::F32IsaSupported(F32Isa::kAvx512));
#endif
  EXPECT_TRUE(hostnn::F32IsaSupported(F32Isa::kScalar));
}

// Half-width AVX-512 FMA exactly on the AMD family 19h (25) cores with AVX-512F, as the kernel reports them
// (/proc/cpuinfo: vendor_id, cpu family, flags): Zen 4, not Zen 5 (family 26) nor Zen 3 (no AVX-512).
TEST(ConvF32Test, HalfWidthAvx512IsZen4AsTheKernelReportsIt) {
#if defined(__x86_64__) && defined(__linux__)
  const std::string vendor = hostnn_test::CpuInfoValue("vendor_id"), family = hostnn_test::CpuInfoValue("cpu family"),
                    flags = " " + hostnn_test::CpuInfoValue("flags") + " ";
  ASSERT_FALSE(vendor.empty() || family.empty() || flags == "  ") << "no vendor_id, cpu family or flags line";
  const bool avx512f = flags.find(" avx512f ") != std::string::npos;
  EXPECT_EQ(hostnn::Avx512FmaIsHalfWidth(), vendor == "AuthenticAMD" && family == "25" && avx512f)
      << vendor << " family " << family;
#else
  EXPECT_FALSE(hostnn::Avx512FmaIsHalfWidth());
#endif
}

// Without an override the fastest variant; NPULENS_HOSTNN_ISA=scalar the portable one, =avx2 AVX2 and =avx512
// AVX-512, or an error naming it on a CPU without; the int8-only names leave the fastest.
TEST(ConvF32Test, SelectionHonoursTheOverrideAndPrefersTheFastest) {
  const F32Isa fastest = SupportedF32Isas().back();
  {
    IsaEnv env("");
    EXPECT_EQ(hostnn::SelectF32Isa(), fastest);
  }
  {
    IsaEnv env("scalar");
    EXPECT_EQ(hostnn::SelectF32Isa(), F32Isa::kScalar);
  }
  {
    IsaEnv env("vnni");
    EXPECT_EQ(hostnn::SelectF32Isa(), fastest);
  }
  {
    IsaEnv env("avx512");
    if (hostnn::F32IsaSupported(F32Isa::kAvx512)) {
      EXPECT_EQ(hostnn::SelectF32Isa(), F32Isa::kAvx512);
      EXPECT_EQ(fastest, F32Isa::kAvx512);
    } else {
      try {
        hostnn::SelectF32Isa();
        ADD_FAILURE() << "no error";
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "NPULENS_HOSTNN_ISA=avx512: this CPU has no AVX-512F");
      }
    }
  }
  IsaEnv env("avx2");
  if (hostnn::F32IsaSupported(F32Isa::kAvx2Fma)) {
    EXPECT_EQ(hostnn::SelectF32Isa(), F32Isa::kAvx2Fma);
  } else {
    try {
      hostnn::SelectF32Isa();
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "NPULENS_HOSTNN_ISA=avx2: this CPU has no AVX2+FMA");
    }
  }
}
