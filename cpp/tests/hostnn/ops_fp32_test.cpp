// fp32 numerics of every supported op against naive references.
#include <algorithm>
#include <cfloat>

#include "conv_f32.h"
#include "dwconv.h"
#include "elementwise.h"
#include "f32_isas.h"
#include "onnx_builder.h"
#include "test_util.h"

using namespace hostnn_test;

namespace {

struct ConvCase {
  const char* name;
  int64_t c, h, w, oc, kh, kw, group;
  ConvParams p;
  bool bias;
};

std::vector<float> RunConv(const ConvCase& k, std::string* describe, std::vector<float>* want) {
  OnnxBuilder b;
  b.Input("x", {1, k.c, k.h, k.w});
  auto wt = RandomF(static_cast<size_t>(k.oc * (k.c / k.group) * k.kh * k.kw), 2);
  auto bias = RandomF(static_cast<size_t>(k.oc), 3);
  b.InitF("w", {k.oc, k.c / k.group, k.kh, k.kw}, wt);
  std::vector<std::string> ins = {"x", "w"};
  if (k.bias) {
    b.InitF("b", {k.oc}, bias);
    ins.push_back("b");
  }
  auto* n = b.Node("Conv", ins, {"y"}, "conv");
  SetInts(n, "kernel_shape", {k.kh, k.kw});
  SetInts(n, "strides", {k.p.strideH, k.p.strideW});
  SetInts(n, "dilations", {k.p.dilH, k.p.dilW});
  SetInts(n, "pads", {k.p.padT, k.p.padL, k.p.padB, k.p.padR});
  SetInt(n, "group", k.group);
  b.Output("y");
  auto x = RandomF(static_cast<size_t>(k.c * k.h * k.w), 1);
  int64_t oh, ow;
  ConvParams p = k.p;
  p.group = k.group;
  *want = ToF(RefConv(ToD(x), 1, k.c, k.h, k.w, ToD(wt), k.oc, k.kh, k.kw, k.bias ? ToD(bias) : std::vector<double>{},
                      p, &oh, &ow));
  return RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, describe);
}

// Plans are built for `threads` threads while in scope (the count HostNN_SetThreadCount asks for; the default after).
class PlanThreads {
 public:
  explicit PlanThreads(int threads) { HostNN_SetThreadCount(threads); }
  ~PlanThreads() { HostNN_SetThreadCount(0); }
  PlanThreads(const PlanThreads&) = delete;
  PlanThreads& operator=(const PlanThreads&) = delete;
};

// Whether a plan for `threads` threads runs a groups = 1 fp32 convolution that is not Winograd in XNNPACK: on one
// thread of an AVX-512 CPU whose 512-bit FMA is half width (Zen 4; ops/conv.cpp, ConvOp::XnnGemmFaster).
bool XnnGemmOn(int threads) {
  return threads == 1 && hostnn::SelectF32Isa() == hostnn::F32Isa::kAvx512 && hostnn::Avx512FmaIsHalfWidth();
}

}  // namespace

TEST(OpsFp32Test, ConvVariantsMatchReference) {
  const ConvCase cases[] = {
      {"3x3 pad1", 3, 9, 7, 8, 3, 3, 1, {1, 1, 1, 1, 1, 1, 1, 1, 1}, true},
      {"stride2 asym pads dil2", 4, 11, 10, 5, 3, 3, 1, {2, 2, 2, 2, 1, 2, 0, 1, 1}, true},
      {"1x1 no bias", 8, 5, 5, 16, 1, 1, 1, {1, 1, 1, 1, 0, 0, 0, 0, 1}, false},
      {"depthwise", 6, 8, 8, 6, 3, 3, 6, {1, 1, 1, 1, 1, 1, 1, 1, 1}, true},
      {"depthwise 5x5 stride2 40ch", 40, 13, 12, 40, 5, 5, 40, {2, 2, 1, 1, 2, 2, 2, 2, 1}, false},
      {"depthwise 3x3 stride2 64ch", 64, 9, 9, 64, 3, 3, 64, {2, 2, 1, 1, 1, 1, 1, 1, 1}, true},
      {"depthwise x2 stride2", 4, 9, 9, 8, 3, 3, 4, {2, 2, 1, 1, 1, 1, 1, 1, 1}, true},
      {"grouped", 8, 6, 6, 12, 3, 3, 2, {1, 1, 1, 1, 1, 1, 1, 1, 1}, true},
      {"grouped 8 per group stride2", 48, 9, 10, 48, 3, 3, 6, {2, 2, 1, 1, 1, 1, 1, 1, 1}, true},
      {"5x3 kernel", 2, 10, 8, 3, 5, 3, 1, {1, 2, 1, 1, 2, 1, 2, 1, 1}, true},
      {"3x3 pad1 16->64 winograd", 16, 14, 15, 64, 3, 3, 1, {1, 1, 1, 1, 1, 1, 1, 1, 1}, true},
      {"1x1 one pixel 40->72", 40, 1, 1, 72, 1, 1, 1, {1, 1, 1, 1, 0, 0, 0, 0, 1}, true},
  };
  for (const int threads : {2, 1})
    for (const auto& k : cases) {
      SCOPED_TRACE(::testing::Message() << k.name << ", " << threads << " threads");
      const PlanThreads planThreads(threads);
      std::string describe;
      std::vector<float> want;
      auto got = RunConv(k, &describe, &want);
      ExpectClose(got, want);
      // Where the CPU has AVX2+FMA (ops/conv.cpp): groups = 1 in our kernel, in the variant NPULENS_HOSTNN_ISA picks
      // (on one thread of an AVX-512 CPU in XNNPACK's unless Winograd's);
      // grouped ones of at least 8 input and output channels per group in our kernel too; depthwise 5x5 and 3x3 of at
      // most 32 channels in our depthwise kernel; a 3x3 stride-2 depthwise one of 64 channels and the other grouped
      // ones (4 -> 6 channels per group) in XNNPACK.
      const bool avx2 = hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma);
      const bool oursDepthwise = avx2 && (std::string(k.name) == "depthwise" || (k.kh == 5 && k.group == k.c));
      std::string where = "xnnpack fp32: Conv 'conv'";
      // One output pixel in the AVX2 tiles under AVX-512 too.
      const hostnn::F32Isa isa =
          k.h * k.w == 1 ? hostnn::F32IsaCappedAtAvx2(hostnn::SelectF32Isa()) : hostnn::SelectF32Isa();
      if (avx2 && (k.group == 1 || (k.c / k.group >= 8 && k.oc / k.group >= 8)))
        where = std::string("kernel fp32: Conv 'conv' (") + hostnn::F32IsaLabel(isa) + ")";
      if (oursDepthwise)
        where = std::string("kernel fp32: Conv 'conv' (") +
                hostnn::DwIsaLabel(hostnn::F32IsaUsesAvx2(hostnn::SelectF32Isa())) + ")";
      // 3x3 stride 1 of at least 16 channels, 14x14 pixels and 64 outputs where the CPU has AVX2: Winograd
      // (wino_f32.h), in the variant NPULENS_HOSTNN_ISA picks.
      const bool winograd = std::string(k.name).find("winograd") != std::string::npos;
      if (winograd && hostnn::F32IsaUsesAvx2(hostnn::SelectF32Isa()))
        where = std::string("kernel fp32: Conv 'conv' (") + hostnn::F32IsaLabel(hostnn::SelectF32Isa()) +
                " Winograd F(4x4,3x3))";
      else if (k.group == 1 && XnnGemmOn(threads))
        where = "xnnpack fp32: Conv 'conv'";
      EXPECT_NE(describe.find(where), std::string::npos) << describe;
    }
}

// A float Add of a convolution's output and a tensor computed before it runs as that convolution's residual where
// the convolution runs in conv_f32.h (AVX2+FMA): a Relu after the Add fuses too; with two convolutions the later one
// takes the earlier one's output (not the other way round, whose residual would not exist yet). The Add stays in
// XNNPACK when the convolution has a clamp of its own (the Add would come after it) or its output is also a graph
// output. Every case against the double reference.
TEST(OpsFp32Test, ResidualAddFusesIntoTheConvolutionThatRunsLast) {
  const PlanThreads planThreads(2);  // our convolutions (one thread of an AVX-512 CPU: XNNPACK's)
  const int64_t c = 16, h = 7, w = 9;
  const auto x = RandomF(static_cast<size_t>(c * h * w), 91);
  const auto w1 = RandomF(static_cast<size_t>(c * c), 92), w2 = RandomF(static_cast<size_t>(c * c), 93);
  const auto b1 = RandomF(static_cast<size_t>(c), 94), b2 = RandomF(static_cast<size_t>(c), 95);
  int64_t oh = 0, ow = 0;
  const auto conv1 = RefConv(ToD(x), 1, c, h, w, ToD(w1), c, 1, 1, ToD(b1), {}, &oh, &ow);
  const auto conv2 = RefConv(ToD(x), 1, c, h, w, ToD(w2), c, 1, 1, ToD(b2), {}, &oh, &ow);
  const bool avx2 = hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma);
  const std::string isa = std::string(" (") + hostnn::F32IsaLabel(hostnn::SelectF32Isa()) + ")";
  struct Case {
    const char* name;
    std::string where;  // in the description
    bool reluAfterAdd, convRelu, secondConv, convIsOutput;
  };
  const Case cases[] = {
      {"conv + add + relu", avx2 ? "kernel fp32: Conv 'first' + Add + Relu" + isa : "xnnpack fp32: Add 'add' + Relu",
       true, false, false, false},
      {"two convs", avx2 ? "kernel fp32: Conv 'second' + Add" + isa : "xnnpack fp32: Add 'add'", false, false, true,
       false},
      {"conv with its own relu", "xnnpack fp32: Add 'add'", false, true, false, false},
      {"conv output is a graph output", "xnnpack fp32: Add 'add'", false, false, false, true},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    OnnxBuilder b;
    b.Input("x", {1, c, h, w});
    b.InitF("w1", {c, c, 1, 1}, w1);
    b.InitF("b1", {c}, b1);
    b.InitF("w2", {c, c, 1, 1}, w2);
    b.InitF("b2", {c}, b2);
    b.Node("Conv", {"x", "w1", "b1"}, {"c1"}, "first");
    std::string lhs = "c1", rhs = "x";
    if (k.convRelu) b.Node("Relu", {"c1"}, {"r1"}, "relu1"), lhs = "r1";
    if (k.secondConv) b.Node("Conv", {"x", "w2", "b2"}, {"c2"}, "second"), rhs = "c2";
    b.Node("Add", {lhs, rhs}, {k.reluAfterAdd ? "s" : "y"}, "add");
    if (k.reluAfterAdd) b.Node("Relu", {"s"}, {"y"}, "relu");
    b.Output("y");
    if (k.convIsOutput) b.Output("c1");
    std::vector<float> want(conv1.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const double left = k.convRelu ? std::max(0.0, conv1[i]) : conv1[i];
      const double sum = left + (k.secondConv ? conv2[i] : static_cast<double>(x[i]));
      want[i] = static_cast<float>(k.reluAfterAdd ? std::max(0.0, sum) : sum);
    }
    std::string describe;
    ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe), want);
    EXPECT_NE(describe.find(k.where + "\n"), std::string::npos) << describe;
  }
}

namespace {
// x [1, c, h, w] -> Conv (oc outputs, k x k, pads k / 2) -> Add of r: checked against the double reference (seeds
// from `seed`); returns the plan description.
std::string ConvThenAddMatchesTheReference(int64_t c, int64_t oc, int64_t h, int64_t w, int64_t k, uint32_t seed) {
  const auto x = RandomF(static_cast<size_t>(c * h * w), seed), r = RandomF(static_cast<size_t>(oc * h * w), seed + 1);
  const auto wt = RandomF(static_cast<size_t>(oc * c * k * k), seed + 2);
  const auto bias = RandomF(static_cast<size_t>(oc), seed + 3);
  ConvParams p;
  p.padT = p.padL = p.padB = p.padR = k / 2;
  int64_t oh = 0, ow = 0;
  const auto conv = RefConv(ToD(x), 1, c, h, w, ToD(wt), oc, k, k, ToD(bias), p, &oh, &ow);
  OnnxBuilder b;
  b.Input("x", {1, c, h, w});
  b.Input("r", {1, oc, h, w});
  b.InitF("w", {oc, c, k, k}, wt);
  b.InitF("b", {oc}, bias);
  auto* n = b.Node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  SetInts(n, "pads", {k / 2, k / 2, k / 2, k / 2});
  b.Node("Add", {"c", "r"}, {"y"}, "add");
  b.Output("y");
  std::vector<float> want(conv.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<float>(conv[i] + r[i]);
  std::string describe;
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x, r}, &describe), want);
  return describe;
}
}  // namespace

// 24 outputs with a residual run in the AVX2 tiles under AVX-512 too (ops/conv.cpp); against the double reference.
TEST(OpsFp32Test, ResidualAddAfterA24OutputConvolutionRunsInTheAvx2Tiles) {
  const PlanThreads planThreads(2);  // our convolutions (one thread of an AVX-512 CPU: XNNPACK's)
  const std::string describe = ConvThenAddMatchesTheReference(40, 24, 5, 7, 1, 101);
  const std::string where = hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma)
                                ? std::string("kernel fp32: Conv 'conv' + Add (") +
                                      hostnn::F32IsaLabel(hostnn::F32IsaCappedAtAvx2(hostnn::SelectF32Isa())) + ")\n"
                                : "xnnpack fp32: Add 'add'\n";
  EXPECT_NE(describe.find(where), std::string::npos) << describe;
}

// On one thread of an AVX-512 CPU a plain convolution runs in XNNPACK and the Add after it stays an Add of its own;
// on two threads (and on other CPUs) ours takes the Add as its residual.
TEST(OpsFp32Test, ConvolutionOnOneThreadOfAnAvx512CpuRunsInXnnpackWithItsAdd) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    const PlanThreads planThreads(threads);
    const std::string describe = ConvThenAddMatchesTheReference(32, 48, 6, 9, 1, 111);
    if (!hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma)) continue;  // XNNPACK either way
    if (XnnGemmOn(threads)) {
      EXPECT_NE(describe.find("xnnpack fp32: Conv 'conv'\n"), std::string::npos) << describe;
      EXPECT_NE(describe.find("xnnpack fp32: Add 'add'\n"), std::string::npos) << describe;
    } else {
      EXPECT_NE(describe.find(std::string("kernel fp32: Conv 'conv' + Add (") +
                              hostnn::F32IsaLabel(hostnn::SelectF32Isa()) + ")\n"),
                std::string::npos)
          << describe;
    }
  }
}

// The Winograd kernel takes no residual: an Add after a convolution it may run stays an Add of its own (fused, the
// residual would be dropped where the plan picks Winograd).
TEST(OpsFp32Test, ResidualAddAfterAWinogradConvolutionStaysAnAdd) {
  const std::string describe = ConvThenAddMatchesTheReference(16, 64, 14, 14, 3, 96);
  EXPECT_NE(describe.find("xnnpack fp32: Add 'add'\n"), std::string::npos) << describe;
  if (hostnn::F32IsaUsesAvx2(hostnn::SelectF32Isa())) {
    EXPECT_NE(describe.find(std::string("kernel fp32: Conv 'conv' (") + hostnn::F32IsaLabel(hostnn::SelectF32Isa()) +
                            " Winograd F(4x4,3x3))\n"),
              std::string::npos)
        << describe;
  }
}

TEST(OpsFp32Test, ConvAutoPadSameUpper) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 7, 7});
  auto wt = RandomF(4 * 2 * 3 * 3, 5);
  b.InitF("w", {4, 2, 3, 3}, wt);
  auto* n = b.Node("Conv", {"x", "w"}, {"y"});
  SetString(n, "auto_pad", "SAME_UPPER");
  SetInts(n, "strides", {2, 2});
  b.Output("y");
  auto x = RandomF(2 * 49, 6);
  ConvParams p;
  p.strideH = p.strideW = 2;
  p.padT = p.padL = p.padB = p.padR = 1;  // out 4: total pad 2 → 1/1
  int64_t oh, ow;
  auto want = ToF(RefConv(ToD(x), 1, 2, 7, 7, ToD(wt), 4, 3, 3, {}, p, &oh, &ow));
  EXPECT_EQ(oh, 4);
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

TEST(OpsFp32Test, GemmTransBAndAlphaBeta) {
  for (int transB = 0; transB < 2; ++transB) {
    SCOPED_TRACE(transB ? "transB=1" : "transB=0 alpha=0.5 beta=2");
    OnnxBuilder b;
    const int64_t m = 3, k = 7, n = 5;
    b.Input("a", {m, k});
    auto bw = RandomF(k * n, 11);
    auto c = RandomF(n, 12);
    b.InitF("b", transB ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n}, bw);
    b.InitF("c", {n}, c);
    auto* node = b.Node("Gemm", {"a", "b", "c"}, {"y"});
    float alpha = transB ? 1.f : 0.5f, beta = transB ? 1.f : 2.f;
    SetInt(node, "transB", transB);
    SetFloat(node, "alpha", alpha);
    SetFloat(node, "beta", beta);
    b.Output("y");
    auto a = RandomF(m * k, 13);
    std::vector<float> want(m * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q) acc += a[i * k + q] * (transB ? bw[j * k + q] : bw[q * n + j]);
        want[i * n + j] = static_cast<float>(alpha * acc + beta * c[j]);
      }
    ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{a}), want);
  }
}

// A Gemm + Relu of 1 to 4 rows (a classifier at batch 1..4) runs in our fc_f32.h where the CPU has AVX2+FMA, with the
// Relu fused; 5 rows stay in XNNPACK. N = 45: a tail of the 16-output block, 3 blocks (not a group of 4); transB 0
// and 1 (the lowering transposes B to [N, K] either way).
TEST(OpsFp32Test, GemmOfAFewRowsRunsInOurKernelWithTheReluFused) {
  const int64_t k = 37, n = 45;
  for (int64_t m = 1; m <= 5; ++m)
    for (int transB = 0; transB < 2; ++transB) {
      SCOPED_TRACE("rows " + std::to_string(m) + " transB " + std::to_string(transB));
      OnnxBuilder b;
      b.Input("a", {m, k});
      const auto bw = RandomF(static_cast<size_t>(k * n), 31), c = RandomF(static_cast<size_t>(n), 32);
      b.InitF("b", transB ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n}, bw);
      b.InitF("c", {n}, c);
      SetInt(b.Node("Gemm", {"a", "b", "c"}, {"g"}, "fc"), "transB", transB);
      b.Node("Relu", {"g"}, {"y"});
      b.Output("y");
      const auto a = RandomF(static_cast<size_t>(m * k), 33);
      std::vector<float> want(static_cast<size_t>(m * n));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double acc = c[j];
          for (int64_t q = 0; q < k; ++q) acc += a[i * k + q] * (transB ? bw[j * k + q] : bw[q * n + j]);
          want[i * n + j] = static_cast<float>(std::max(0.0, acc));
        }
      std::string describe;
      ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{a}, &describe), want);
      const bool ours = m <= 4 && hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma);
      EXPECT_NE(describe.find(ours ? "kernel fp32: Gemm 'fc' + Relu (AVX2)\n" : "xnnpack fp32: Gemm 'fc' + Relu\n"),
                std::string::npos)
          << describe;
    }
}

TEST(OpsFp32Test, MatMul3D) {
  OnnxBuilder b;
  b.Input("a", {2, 3, 4});
  auto bw = RandomF(4 * 5, 21);
  b.InitF("b", {4, 5}, bw);
  b.Node("MatMul", {"a", "b"}, {"y"});
  b.Output("y");
  auto a = RandomF(24, 22);
  std::vector<float> want(2 * 3 * 5);
  for (int r = 0; r < 6; ++r)
    for (int j = 0; j < 5; ++j) {
      double acc = 0;
      for (int q = 0; q < 4; ++q) acc += a[r * 4 + q] * bw[q * 5 + j];
      want[r * 5 + j] = static_cast<float>(acc);
    }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{a}), want);
}

namespace {
std::vector<float> RefPool(const std::vector<float>& x, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s,
                           int64_t pad, int64_t oh, int64_t ow, bool max, bool includePad) {
  std::vector<float> y(c * oh * ow);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t yy = 0; yy < oh; ++yy)
      for (int64_t xx = 0; xx < ow; ++xx) {
        double acc = max ? -1e30 : 0;
        int cnt = 0, padded = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t iy = yy * s - pad + ky, ix = xx * s - pad + kx;
            if (iy < h + pad && ix < w + pad) ++padded;
            if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
            double v = x[(ch * h + iy) * w + ix];
            acc = max ? std::max(acc, v) : acc + v;
            ++cnt;
          }
        y[(ch * oh + yy) * ow + xx] = static_cast<float>(max ? acc : acc / (includePad ? padded : cnt));
      }
  return y;
}
}  // namespace

TEST(OpsFp32Test, PoolsMatchReference) {
  struct Case {
    const char* op;
    int64_t k, s, pad;
    int ceil;
    int includePad;
    int64_t oh;
  };
  const Case cases[] = {
      {"MaxPool", 3, 2, 1, 0, 0, 5},     {"MaxPool", 2, 2, 0, 1, 0, 5},     {"MaxPool", 3, 2, 0, 1, 0, 4},
      {"AveragePool", 3, 2, 1, 0, 0, 5}, {"AveragePool", 3, 2, 1, 0, 1, 5}, {"AveragePool", 2, 2, 0, 0, 0, 4},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(std::string(k.op) + " k" + std::to_string(k.k) + " ceil" + std::to_string(k.ceil) + " incl" +
                 std::to_string(k.includePad));
    OnnxBuilder b;
    b.Input("x", {1, 3, 9, 9});
    auto* n = b.Node(k.op, {"x"}, {"y"});
    SetInts(n, "kernel_shape", {k.k, k.k});
    SetInts(n, "strides", {k.s, k.s});
    SetInts(n, "pads", {k.pad, k.pad, k.pad, k.pad});
    SetInt(n, "ceil_mode", k.ceil);
    if (std::string(k.op) == "AveragePool") SetInt(n, "count_include_pad", k.includePad);
    b.Output("y");
    auto x = RandomF(3 * 81, 31);
    auto want = RefPool(x, 3, 9, 9, k.k, k.s, k.pad, k.oh, k.oh, std::string(k.op) == "MaxPool", k.includePad);
    ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
  }
}

TEST(OpsFp32Test, GlobalAveragePoolFlattenSoftmax) {
  OnnxBuilder b;
  b.Input("x", {2, 5, 4, 3});
  b.Node("GlobalAveragePool", {"x"}, {"g"});
  b.Node("Flatten", {"g"}, {"f"});
  b.Node("Softmax", {"f"}, {"y"});
  b.Output("y");
  auto x = RandomF(2 * 5 * 12, 41, -3, 3);
  std::vector<float> want(10);
  for (int n = 0; n < 2; ++n) {
    double m[5], sum = 0;
    for (int c = 0; c < 5; ++c) {
      double s = 0;
      for (int i = 0; i < 12; ++i) s += x[(n * 5 + c) * 12 + i];
      m[c] = std::exp(s / 12);
      sum += m[c];
    }
    for (int c = 0; c < 5; ++c) want[n * 5 + c] = static_cast<float>(m[c] / sum);
  }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

TEST(OpsFp32Test, ReshapeAndFlattenOfSpatialTensorsKeepOnnxOrder) {
  // Conv output is stored NHWC inside; Flatten/Reshape must still see NCHW element order.
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 4});
  b.InitF("w", {3, 2, 1, 1}, {1, 0, 0, 1, 1, 1});
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Flatten", {"c"}, {"f"});  // [1, 36]
  b.InitI64("shape", {4}, {1, 6, 2, 3});
  b.Node("Reshape", {"f", "shape"}, {"r"});
  b.Node("Relu", {"r"}, {"y"});  // 4-D output again (NHWC inside, NCHW outside)
  b.Output("y");
  auto x = RandomF(24, 51);
  std::vector<float> conv(36);
  for (int i = 0; i < 12; ++i) {
    conv[i] = x[i];
    conv[12 + i] = x[12 + i];
    conv[24 + i] = x[i] + x[12 + i];
  }
  std::vector<float> want(36);
  for (int i = 0; i < 36; ++i) want[i] = std::max(0.f, conv[i]);
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

TEST(OpsFp32Test, ConcatAxis1OfSpatialAndFlatTensors) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 2, 3});
  b.Input("z", {1, 1, 2, 3});
  SetInt(b.Node("Concat", {"x", "z", "x"}, {"y"}), "axis", 1);
  b.Output("y");
  auto x = RandomF(12, 61), z = RandomF(6, 62);
  std::vector<float> want;
  want.insert(want.end(), x.begin(), x.end());
  want.insert(want.end(), z.begin(), z.end());
  want.insert(want.end(), x.begin(), x.end());
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x, z}), want);
}

TEST(OpsFp32Test, ConcatOfLargeTensorsSplitsItsPixelsOverTwoThreads) {
  // DenseNet's concatenations: past 64 KiB the pixels (rows of all inputs' channels) go over the pool in tasks of
  // ~16 KiB (a last partial one here); along the batch axis there is one row.
  for (int threads : {1, 2})
    for (int64_t axis : {1, 0}) {
      SCOPED_TRACE(::testing::Message() << threads << " threads, axis " << axis);
      OnnxBuilder b;
      b.Input("x", {2, 96, 15, 13});
      b.Input("z", {axis == 1 ? 2 : 1, axis == 1 ? 37 : 96, 15, 13});
      SetInt(b.Node("Concat", {"x", "z"}, {"y"}), "axis", axis);
      b.Output("y");
      const size_t plane = 15 * 13, zc = axis == 1 ? 37 : 96, zn = axis == 1 ? 2 : 1;
      const auto x = RandomF(2 * 96 * plane, 63), z = RandomF(zn * zc * plane, 64);
      std::vector<float> want;
      if (axis == 0) {
        want = x;
        want.insert(want.end(), z.begin(), z.end());
      } else {
        for (size_t n = 0; n < 2; ++n) {
          want.insert(want.end(), x.begin() + n * 96 * plane, x.begin() + (n + 1) * 96 * plane);
          want.insert(want.end(), z.begin() + n * zc * plane, z.begin() + (n + 1) * zc * plane);
        }
      }
      HostNN_SetThreadCount(threads);
      const auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x, z});
      HostNN_SetThreadCount(0);
      ExpectClose(got, want, 0.f);
    }
}

TEST(OpsFp32Test, ElementwiseAndActivations) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 2, 2});
  b.Input("x2", {1, 3, 2, 2});
  b.InitF("bias", {3, 1, 1}, {0.5f, -1.f, 2.f});
  b.InitF("scale", {1}, {1.5f});
  b.InitF("lo", {}, {-0.25f});
  b.InitF("hi", {}, {0.75f});
  b.Node("Add", {"x", "bias"}, {"a"});   // broadcast constant [C,1,1]
  b.Node("Mul", {"a", "scale"}, {"m"});  // scalar constant
  b.Node("Add", {"m", "x2"}, {"s"});     // two activations
  b.Node("HardSwish", {"s"}, {"h"});
  b.Node("Sigmoid", {"h"}, {"g"});
  b.Node("Clip", {"g", "lo", "hi"}, {"cl"});
  b.Node("Identity", {"cl"}, {"y"});
  b.Output("y");
  auto x = RandomF(12, 71, -3, 3), x2 = RandomF(12, 72, -3, 3);
  const float bias[3] = {0.5f, -1.f, 2.f};
  std::vector<float> want(12);
  for (int i = 0; i < 12; ++i) {
    double s = (x[i] + bias[i / 4]) * 1.5 + x2[i];
    double h = s * std::min(1.0, std::max(0.0, s / 6 + 0.5));
    double g = 1 / (1 + std::exp(-h));
    want[i] = static_cast<float>(std::min(0.75, std::max(-0.25, g)));
  }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x, x2}), want, 2e-4f);
}

TEST(OpsFp32Test, SmallResidualNetEndToEnd) {
  const PlanThreads planThreads(2);  // our convolution takes the Add (one thread of an AVX-512 CPU: XNNPACK's)
  OnnxBuilder b;
  b.Input("x", {1, 3, 8, 8});
  auto w1 = RandomF(8 * 3 * 9, 81), w2 = RandomF(8 * 8 * 9, 82, -0.2f, 0.2f), fc = RandomF(4 * 8, 83),
       fb = RandomF(4, 84);
  b.InitF("w1", {8, 3, 3, 3}, w1);
  b.InitF("w2", {8, 8, 3, 3}, w2);
  b.InitF("fc", {4, 8}, fc);
  b.InitF("fb", {4}, fb);
  auto* c1 = b.Node("Conv", {"x", "w1"}, {"c1"});
  SetInts(c1, "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"});
  auto* mp = b.Node("MaxPool", {"r1"}, {"p"});
  SetInts(mp, "kernel_shape", {2, 2});
  SetInts(mp, "strides", {2, 2});
  auto* c2 = b.Node("Conv", {"p", "w2"}, {"c2"}, "c2");
  SetInts(c2, "pads", {1, 1, 1, 1});
  b.Node("Add", {"c2", "p"}, {"res"});
  b.Node("GlobalAveragePool", {"res"}, {"g"});
  b.Node("Flatten", {"g"}, {"f"});
  SetInt(b.Node("Gemm", {"f", "fc", "fb"}, {"logits"}), "transB", 1);
  b.Node("Softmax", {"logits"}, {"y"});
  b.Output("y");
  auto x = RandomF(3 * 64, 85);
  // Reference.
  ConvParams p1;
  p1.padT = p1.padL = p1.padB = p1.padR = 1;
  int64_t oh, ow;
  auto a1 = RefConv(ToD(x), 1, 3, 8, 8, ToD(w1), 8, 3, 3, {}, p1, &oh, &ow);
  for (auto& v : a1) v = std::max(0.0, v);
  std::vector<double> pooled(8 * 16);
  for (int c = 0; c < 8; ++c)
    for (int y = 0; y < 4; ++y)
      for (int xx = 0; xx < 4; ++xx) {
        double m = -1e30;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) m = std::max(m, a1[(c * 8 + 2 * y + dy) * 8 + 2 * xx + dx]);
        pooled[(c * 4 + y) * 4 + xx] = m;
      }
  auto a2 = RefConv(pooled, 1, 8, 4, 4, ToD(w2), 8, 3, 3, {}, p1, &oh, &ow);
  double g[8], logits[4], sum = 0;
  for (int c = 0; c < 8; ++c) {
    g[c] = 0;
    for (int i = 0; i < 16; ++i) g[c] += a2[c * 16 + i] + pooled[c * 16 + i];
    g[c] /= 16;
  }
  for (int j = 0; j < 4; ++j) {
    logits[j] = fb[j];
    for (int c = 0; c < 8; ++c) logits[j] += g[c] * fc[j * 8 + c];
  }
  double mx = *std::max_element(logits, logits + 4);
  std::vector<float> want(4);
  for (int j = 0; j < 4; ++j) sum += std::exp(logits[j] - mx);
  for (int j = 0; j < 4; ++j) want[j] = static_cast<float>(std::exp(logits[j] - mx) / sum);
  std::string describe;
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe), want);
  // The residual Add runs in the convolution before it where that is ours (AVX2+FMA), else in XNNPACK.
  EXPECT_NE(describe.find(hostnn::F32IsaSupported(hostnn::F32Isa::kAvx2Fma) ? "Conv 'c2' + Add" : "xnnpack fp32: Add"),
            std::string::npos)
      << describe;
}

TEST(OpsFp32Test, Opset11SoftmaxFlattensFromAxis) {
  OnnxBuilder b(11);
  b.Input("x", {2, 3, 2});
  SetInt(b.Node("Softmax", {"x"}, {"y"}), "axis", 1);
  b.Output("y");
  auto x = RandomF(12, 91, -2, 2);
  std::vector<float> want(12);
  for (int n = 0; n < 2; ++n) {
    double s = 0;
    for (int i = 0; i < 6; ++i) s += std::exp(x[n * 6 + i]);
    for (int i = 0; i < 6; ++i) want[n * 6 + i] = static_cast<float>(std::exp(x[n * 6 + i]) / s);
  }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

TEST(OpsFp32Test, SoftmaxAndConcatOnSpatialAxesOf4DTensors) {
  // 4-D tensors are NHWC inside: ONNX axes 1/2/3 must map to the stored channel/height/width axes.
  OnnxBuilder b;
  b.Input("x", {1, 3, 2, 4});
  b.Node("Relu", {"x"}, {"r"});  // makes "r" an internal (NHWC) tensor
  SetInt(b.Node("Softmax", {"r"}, {"sm"}), "axis", 1);
  SetInt(b.Node("Concat", {"sm", "r"}, {"y"}), "axis", 2);  // [1,3,4,4]
  b.Output("y");
  auto x = RandomF(24, 95, -2, 2);
  std::vector<float> r(24), sm(24), want(48);
  for (int i = 0; i < 24; ++i) r[i] = std::max(0.f, x[i]);
  for (int p = 0; p < 8; ++p) {
    double s = 0;
    for (int c = 0; c < 3; ++c) s += std::exp(r[c * 8 + p]);
    for (int c = 0; c < 3; ++c) sm[c * 8 + p] = static_cast<float>(std::exp(r[c * 8 + p]) / s);
  }
  for (int c = 0; c < 3; ++c)
    for (int h = 0; h < 4; ++h)
      for (int w = 0; w < 4; ++w)
        want[(c * 4 + h) * 4 + w] = h < 2 ? sm[(c * 2 + h) * 4 + w] : r[(c * 2 + h - 2) * 4 + w];
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

TEST(OpsFp32Test, HardSigmoidDefaultAndGivenAlphaBeta) {
  // Spatial (NHWC inside, after an Add) and flat tensors; the defaults are alpha 0.2, beta 0.5.
  OnnxBuilder b;
  b.Input("x", {1, 3, 2, 5});
  b.InitF("zero", {1}, {0.f});
  b.Node("Add", {"x", "zero"}, {"a"});
  b.Node("HardSigmoid", {"a"}, {"h"}, "hs_default");
  auto* hs = b.Node("HardSigmoid", {"h"}, {"y"}, "hs_given");
  SetFloat(hs, "alpha", -3.f);
  SetFloat(hs, "beta", 2.f);
  b.Output("y");
  auto x = RandomF(30, 501, -4, 4);
  std::vector<float> want(30);
  for (int i = 0; i < 30; ++i) {
    double h = std::min(1.0, std::max(0.0, 0.2 * x[i] + 0.5));
    want[i] = static_cast<float>(std::min(1.0, std::max(0.0, -3.0 * h + 2.0)));
  }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want);
}

namespace {
// Runs x[dims] → Relu (an internal tensor: NHWC when 4-D) → Transpose(perm) → Relu → y and compares with a naive
// transpose in ONNX order.
void ExpectTranspose(const std::vector<int64_t>& dims, const std::vector<int64_t>& perm, uint32_t seed) {
  OnnxBuilder b;
  b.Input("x", dims);
  b.Node("Relu", {"x"}, {"r"});
  auto* t = b.Node("Transpose", {"r"}, {"t"}, "transpose");
  if (!perm.empty()) SetInts(t, "perm", perm);
  b.Node("Relu", {"t"}, {"y"});
  b.Output("y");
  const size_t rank = dims.size();
  std::vector<int64_t> p = perm;
  for (size_t i = 0; p.size() < rank; ++i) p.push_back(static_cast<int64_t>(rank - 1 - i));  // default: reversed
  size_t total = 1;
  for (int64_t d : dims) total *= static_cast<size_t>(d);
  auto x = RandomF(total, seed, -1, 1);
  std::vector<size_t> xStride(rank, 1);
  for (size_t j = rank - 1; j-- > 0;) xStride[j] = xStride[j + 1] * static_cast<size_t>(dims[j + 1]);
  std::vector<float> want(total);
  std::vector<size_t> idx(rank, 0);  // output index
  for (size_t o = 0; o < total; ++o) {
    size_t rest = o, from = 0;
    for (size_t j = rank; j-- > 0;) {
      idx[j] = rest % static_cast<size_t>(dims[p[j]]);
      rest /= static_cast<size_t>(dims[p[j]]);
    }
    for (size_t j = 0; j < rank; ++j) from += idx[j] * xStride[p[j]];
    want[o] = std::max(0.f, x[from]);
  }
  SCOPED_TRACE(::testing::Message() << "dims " << ::testing::PrintToString(dims) << " perm "
                                    << ::testing::PrintToString(perm));
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want, 0.f);
}
}  // namespace

TEST(OpsFp32Test, TransposeOfNhwcAndPlainTensorsMatchesReference) {
  ExpectTranspose({2, 3, 4, 5}, {0, 2, 3, 1}, 511);  // NCHW → NHWC order, both sides stored NHWC
  ExpectTranspose({2, 3, 4, 5}, {0, 3, 1, 2}, 512);
  ExpectTranspose({2, 3, 4, 5}, {1, 0, 3, 2}, 513);
  ExpectTranspose({2, 3, 4, 5}, {}, 514);                  // default perm: reversed
  ExpectTranspose({1, 2, 3, 4, 5}, {0, 2, 1, 3, 4}, 515);  // ShuffleNet's channel shuffle
  ExpectTranspose({3, 7}, {}, 516);
  ExpectTranspose({4, 3, 2}, {2, 0, 1}, 517);
}

TEST(OpsFp32Test, ChannelShuffleReshapeTransposeReshapeOfSpatialTensors) {
  // ShuffleNetV2: [N, C, H, W] (NHWC inside) → [N, g, C/g, H, W] → swap g and C/g → [N, C, H, W].
  OnnxBuilder b;
  b.Input("x", {1, 6, 2, 3});
  b.Node("Relu", {"x"}, {"r"});
  b.InitI64("s5", {5}, {1, 2, 3, 2, 3});
  b.Node("Reshape", {"r", "s5"}, {"r5"});
  SetInts(b.Node("Transpose", {"r5"}, {"t5"}, "shuffle"), "perm", {0, 2, 1, 3, 4});
  b.InitI64("s4", {4}, {1, 6, 2, 3});
  b.Node("Reshape", {"t5", "s4"}, {"r4"});
  b.Node("Relu", {"r4"}, {"y"});
  b.Output("y");
  auto x = RandomF(36, 518, -1, 1);
  std::vector<float> want(36);
  for (int c = 0; c < 6; ++c)  // output channel c = (i, g) with c = i * 2 + g reads input channel g * 3 + i
    for (int p = 0; p < 6; ++p) want[c * 6 + p] = std::max(0.f, x[((c % 2) * 3 + c / 2) * 6 + p]);
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want, 0.f);
}

TEST(OpsFp32Test, BatchNormalizationPerChannelWithFusedRelu) {
  // DenseNet's pre-activation BN: on a Concat (NHWC inside), then Relu; and on a flat [N, C] tensor.
  OnnxBuilder b;
  b.Input("x", {2, 3, 2, 2});
  b.Input("f", {2, 3});
  SetInt(b.Node("Concat", {"x", "x"}, {"cat"}), "axis", 1);  // [2, 6, 2, 2]
  const std::vector<float> scale = {1.5f, -0.5f, 2.f, 0.25f, 1.f, -1.f}, bias = {0.1f, 0.2f, -0.3f, 0.f, 1.f, -2.f},
                           mean = {0.5f, -0.25f, 0.f, 1.f, -1.f, 0.3f}, var = {1.f, 0.5f, 2.f, 0.01f, 4.f, 0.f};
  b.InitF("scale", {6}, scale);
  b.InitF("bias", {6}, bias);
  b.InitF("mean", {6}, mean);
  b.InitF("var", {6}, var);
  SetFloat(b.Node("BatchNormalization", {"cat", "scale", "bias", "mean", "var"}, {"bn"}, "bn"), "epsilon", 1e-3f);
  b.Node("Relu", {"bn"}, {"y"});
  b.Output("y");
  b.InitF("scale3", {3}, {2.f, -1.f, 0.5f});
  b.InitF("bias3", {3}, {0.f, 1.f, -1.f});
  b.InitF("mean3", {3}, {1.f, 0.f, -1.f});
  b.InitF("var3", {3}, {3.f, 1.f, 0.25f});
  b.Node("BatchNormalization", {"f", "scale3", "bias3", "mean3", "var3"}, {"y2"}, "bn_flat");  // epsilon 1e-5
  b.Output("y2");
  auto x = RandomF(24, 521, -2, 2), f = RandomF(6, 522, -2, 2);
  std::vector<float> want(48);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 6; ++c)
      for (int p = 0; p < 4; ++p) {
        double v = x[(n * 3 + c % 3) * 4 + p];
        double y = (v - mean[c]) / std::sqrt(double(var[c]) + 1e-3) * scale[c] + bias[c];
        want[(n * 6 + c) * 4 + p] = static_cast<float>(std::max(0.0, y));
      }
  std::string describe;
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x, f}, &describe), want);
  EXPECT_NE(describe.find("kernel fp32: BatchNormalization 'bn' + Relu ("), std::string::npos) << describe;
  EXPECT_NE(describe.find("kernel fp32: BatchNormalization 'bn_flat' ("), std::string::npos) << describe;

  Executor e;
  std::string err;
  ASSERT_EQ(BuildModel(b.Bytes(), &e, &err), OH_NN_SUCCESS) << err;
  Tensors t = MakeTensors(e.get());
  std::memcpy(OH_NNTensor_GetDataBuffer(t.in[0].get()), x.data(), x.size() * sizeof(float));
  std::memcpy(OH_NNTensor_GetDataBuffer(t.in[1].get()), f.data(), f.size() * sizeof(float));
  auto in = t.InPtrs(), out = t.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  const float s3[3] = {2.f, -1.f, 0.5f}, b3[3] = {0.f, 1.f, -1.f}, m3[3] = {1.f, 0.f, -1.f}, v3[3] = {3.f, 1.f, 0.25f};
  std::vector<float> got2(6), want2(6);
  std::memcpy(got2.data(), OH_NNTensor_GetDataBuffer(t.out[1].get()), 6 * sizeof(float));
  for (int i = 0; i < 6; ++i)
    want2[i] = static_cast<float>((f[i] - m3[i % 3]) / std::sqrt(double(v3[i % 3]) + 1e-5) * s3[i % 3] + b3[i % 3]);
  ExpectClose(got2, want2);
}

namespace {
// Builds the model and expects the build to fail with `code` and a message containing each of `parts`.
void ExpectRefused(const OnnxBuilder& b, OH_NN_ReturnCode code, const std::vector<std::string>& parts) {
  Executor e;
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), &e, &err), code) << err;
  for (const std::string& p : parts) EXPECT_NE(err.find(p), std::string::npos) << "'" << p << "' not in: " << err;
}
}  // namespace

TEST(OpsFp32Test, BAD_CALL_TransposeWithABadPermIsRefusedNamingNodeAndPerm) {
  for (const auto& perm : std::vector<std::vector<int64_t>>{{0, 2, 1}, {0, 1, 2, 2}, {0, 1, 2, 4}, {0, -1, 1, 2}}) {
    OnnxBuilder b;
    b.Input("x", {1, 2, 3, 4});
    SetInts(b.Node("Transpose", {"x"}, {"y"}, "tp"), "perm", perm);
    b.Output("y");
    SCOPED_TRACE(::testing::PrintToString(perm));
    ExpectRefused(b, OH_NN_INVALID_FILE, {"Transpose node 'tp'", "perm"});
  }
}

TEST(OpsFp32Test, BAD_CALL_BatchNormalizationParamsMustBePerChannelConstants) {
  auto model = [](const std::vector<int64_t>& meanDims, bool meanIsInput, int64_t trainingMode, bool trainingOutputs,
                  float eps) {
    OnnxBuilder b;
    b.Input("x", {1, 3, 2, 2});
    if (meanIsInput) b.Input("mean", meanDims);
    const std::vector<float> three = {1.f, 2.f, 3.f};
    b.InitF("scale", {3}, three);
    b.InitF("bias", {3}, three);
    b.InitF("var", {3}, three);
    if (!meanIsInput) b.InitF("mean", meanDims, std::vector<float>(static_cast<size_t>(meanDims[0]), 0.f));
    std::vector<std::string> outs = {"y"};
    if (trainingOutputs) outs.insert(outs.end(), {"running_mean", "running_var"});
    auto* n = b.Node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, outs, "bn");
    if (trainingMode) SetInt(n, "training_mode", trainingMode);
    SetFloat(n, "epsilon", eps);
    b.Output("y");
    return b;
  };
  ExpectRefused(model({3}, true, 0, false, 1e-5f), OH_NN_UNSUPPORTED,
                {"BatchNormalization node 'bn'", "input_mean must be a constant"});
  ExpectRefused(model({4}, false, 0, false, 1e-5f), OH_NN_INVALID_FILE,
                {"BatchNormalization node 'bn'", "input_mean has shape [4], X has 3 channels"});
  ExpectRefused(model({3}, false, 1, false, 1e-5f), OH_NN_UNSUPPORTED,
                {"BatchNormalization node 'bn'", "training_mode=1"});
  ExpectRefused(model({3}, false, 0, true, 1e-5f), OH_NN_UNSUPPORTED,
                {"BatchNormalization node 'bn'", "training outputs"});
  ExpectRefused(model({3}, false, 0, false, -1.f), OH_NN_INVALID_FILE, {"BatchNormalization node 'bn'", "epsilon"});
}

TEST(OpsFp32Test, SplitOfSpatialAndPlainTensorsGivenAndEqualParts) {
  // ShuffleNetV2's Split on channels (NHWC inside), given sizes; and an equal split of a plain tensor's last axis.
  OnnxBuilder b;
  b.Input("x", {1, 5, 2, 3});
  b.Input("f", {2, 6});
  b.Node("Relu", {"x"}, {"r"});
  b.InitI64("parts", {2}, {2, 3});
  SetInt(b.Node("Split", {"r", "parts"}, {"a", "c"}, "split"), "axis", 1);
  b.Node("Relu", {"c"}, {"y"});
  b.Output("y");
  b.Output("a");
  SetInt(b.Node("Split", {"f"}, {"f0", "f1", "f2"}, "split_flat"), "axis", -1);
  b.Output("f1");
  auto x = RandomF(30, 541, -1, 1), f = RandomF(12, 542, -1, 1);
  Executor e;
  std::string err;
  ASSERT_EQ(BuildModel(b.Bytes(), &e, &err), OH_NN_SUCCESS) << err;
  Tensors t = MakeTensors(e.get());
  std::memcpy(OH_NNTensor_GetDataBuffer(t.in[0].get()), x.data(), x.size() * sizeof(float));
  std::memcpy(OH_NNTensor_GetDataBuffer(t.in[1].get()), f.data(), f.size() * sizeof(float));
  auto in = t.InPtrs(), out = t.OutPtrs();
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size()), OH_NN_SUCCESS);
  auto output = [&](size_t i, size_t n) {
    std::vector<float> v(n);
    std::memcpy(v.data(), OH_NNTensor_GetDataBuffer(t.out[i].get()), n * sizeof(float));
    return v;
  };
  std::vector<float> wantY(18), wantA(12), wantF1 = {f[2], f[3], f[8], f[9]};
  for (int i = 0; i < 12; ++i) wantA[i] = std::max(0.f, x[i]);
  for (int i = 0; i < 18; ++i) wantY[i] = std::max(0.f, x[12 + i]);
  ExpectClose(output(0, 18), wantY, 0.f);
  ExpectClose(output(1, 12), wantA, 0.f);
  ExpectClose(output(2, 4), wantF1, 0.f);
}

TEST(OpsFp32Test, BAD_CALL_SplitSizesMustCutTheAxis) {
  for (const auto& parts : std::vector<std::vector<int64_t>>{{2, 2}, {5, 0}, {6, -1}}) {
    OnnxBuilder b;
    b.Input("x", {1, 5, 2, 3});
    b.InitI64("parts", {2}, parts);
    SetInt(b.Node("Split", {"x", "parts"}, {"a", "c"}, "split"), "axis", 1);
    b.Output("a");
    SCOPED_TRACE(::testing::PrintToString(parts));
    ExpectRefused(b, OH_NN_INVALID_FILE, {"Split node 'split'", "split sizes"});
  }
  OnnxBuilder b;  // equal parts that do not divide the axis
  b.Input("x", {1, 5, 2, 3});
  SetInt(b.Node("Split", {"x"}, {"a", "c"}, "split"), "axis", 1);
  b.Output("a");
  ExpectRefused(b, OH_NN_INVALID_FILE, {"Split node 'split'", "does not split into 2 equal parts"});
}

// ---- the fused elementwise kernels (elementwise.h) --------------------------------------------------------------

namespace {
using hostnn::F32Isa;
using hostnn::elementwise::Gate;

Gate MakeGate(Gate::Kind kind, float alpha = 0.2f, float beta = 0.5f) {
  Gate g;
  g.kind = kind;
  g.alpha = alpha;
  g.beta = beta;
  return g;
}
double RefGate(const Gate& f, double v) {
  if (f.kind == Gate::Kind::kSigmoid) return 1 / (1 + std::exp(-v));
  return std::min(1.0, std::max(0.0, static_cast<double>(f.alpha) * v + f.beta));
}
// Equal bits, or both NaN.
void ExpectSameBits(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& x) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) && std::isnan(want[i])) continue;
    uint32_t g = 0, w = 0;
    std::memcpy(&g, &got[i], 4);
    std::memcpy(&w, &want[i], 4);
    ASSERT_EQ(g, w) << "element " << i << " x " << x[i % x.size()] << ": got " << got[i] << ", want " << want[i];
  }
}
// Whether XNNPACK computes Sigmoid with the AVX2 kernel's operations that our fused kernels compute (elementwise.h).
// On a CPU with AVX-512F it runs its AVX-512 kernel instead (another reduction, a table), whose results differ from
// those in the last bits.
bool XnnpackSigmoidIsOurs() {
#if defined(__x86_64__)
  return !__builtin_cpu_supports("avx512f");
#else
  return true;
#endif
}
// Units in the last place between two finite floats of one sign (zeros of either sign: 0 apart).
uint32_t UlpsApart(float a, float b) {
  if (a == b) return 0;
  int32_t ia = 0, ib = 0;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if ((ia < 0) != (ib < 0)) return UINT32_MAX;
  return static_cast<uint32_t>(ia > ib ? int64_t{ia} - ib : int64_t{ib} - ia);
}
// A fused Sigmoid product x[i] * f against XNNPACK's nodes (want) and the exact product (exact, in double): the same
// bits as want where XNNPACK's Sigmoid is ours; else within kSigmoidUlps of want (the two kernels' errors, ~1-2 ulp
// each, and the product's rounding), or within |x[i]| * FLT_MIN of it where f is below the smallest normal float (each
// kernel flushes or loses its intermediates there differently), or within kSigmoidUlps of the exact product where
// XNNPACK's is not (its AVX-512 kernel's, at x = +-1e30).
constexpr uint32_t kSigmoidUlps = 8;
void ExpectXnnpackSigmoidBits(const std::vector<float>& got, const std::vector<float>& want,
                              const std::vector<double>& exact, const std::vector<float>& x) {
  if (XnnpackSigmoidIsOurs()) return ExpectSameBits(got, want, x);
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), exact.size());
  uint32_t worst = 0;
  int tiny = 0, xnnpackOff = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) && std::isnan(want[i])) continue;
    const uint32_t apart = UlpsApart(got[i], want[i]);
    if (apart <= kSigmoidUlps) {
      worst = std::max(worst, apart);
    } else if (std::fabs(double{got[i]} - want[i]) <= std::fabs(double{x[i]}) * FLT_MIN) {
      ++tiny;
    } else {
      ASSERT_LE(UlpsApart(got[i], static_cast<float>(exact[i])), kSigmoidUlps)
          << "element " << i << " x " << x[i] << ": got " << got[i] << ", want " << want[i] << " (" << apart
          << " ulp apart), exact " << exact[i];
      ++xnnpackOff;
    }
  }
  ::testing::Test::RecordProperty("sigmoidUlpsApart", static_cast<int>(worst));
  ::testing::Test::RecordProperty("sigmoidTiny", tiny);
  ::testing::Test::RecordProperty("sigmoidXnnpackOff", xnnpackOff);
}
// Inputs with what a network's tensors rarely hold as well: zeros of both signs, infinities, NaN, denormals, values
// where sigmoid(x) is below 2^-107 (XNNPACK flushes its denormal intermediates there) and past the HardSigmoid knees.
std::vector<float> GateInputs(size_t n, uint32_t seed) {
  std::vector<float> x = RandomF(n, seed, -8, 8);
  const float special[] = {0.f,    -0.f,   INFINITY, -INFINITY, NAN,  1e-40f, -1e-40f, -80.f, -86.9f,
                           -87.4f, -100.f, 100.f,    3.f,       -3.f, 2.5f,   -2.5f,   1e30f, -1e30f};
  for (size_t i = 0; i < n && i < std::size(special); ++i) x[i * 7 % n] = special[i];
  return x;
}
}  // namespace

TEST(OpsFp32Test, ElementwiseKernelsMatchNaiveReferencesInEveryVariant) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  const Gate gates[] = {MakeGate(Gate::Kind::kHardSigmoid, 1.f / 6, 0.5f), MakeGate(Gate::Kind::kHardSigmoid),
                        MakeGate(Gate::Kind::kSigmoid)};
  for (const Gate& f : gates) {
    // Lengths around the 8- and 16-float vectors and one past the threading threshold (1 << 16).
    for (size_t n : {1, 7, 8, 15, 16, 17, 100, 1000, 70001}) {
      const std::vector<float> x = RandomF(n, static_cast<uint32_t>(n), -10, 10);
      for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{-INFINITY, INFINITY}, {-0.25f, 2.f}}) {
        std::vector<float> want(n);
        for (size_t i = 0; i < n; ++i)
          want[i] = static_cast<float>(std::min<double>(hi, std::max<double>(lo, x[i] * RefGate(f, x[i]))));
        std::vector<float> first;
        for (F32Isa isa : hostnn_test::SupportedF32Isas()) {
          SCOPED_TRACE(::testing::Message() << "gate " << static_cast<int>(f.kind) << " alpha " << f.alpha << " n " << n
                                            << " clamp " << lo << ".." << hi << " " << F32IsaLabel(isa));
          std::vector<float> y(n), yPool(n);
          hostnn::elementwise::SelfGated(f, x.data(), y.data(), n, lo, hi, isa, nullptr);
          hostnn::elementwise::SelfGated(f, x.data(), yPool.data(), n, lo, hi, isa, pool.get());
          ExpectClose(y, want, 2e-6f);
          ExpectSameBits(yPool, y, x);                      // threads split the elements, not the arithmetic
          if (!first.empty()) ExpectSameBits(y, first, x);  // the variants compute the same operations
          first = y;
        }
      }
    }
  }
  // The special values (NaN, infinities, denormals, the Sigmoid cutoff) through every variant: the same bits, a tail
  // of 13 after the vectors among them.
  for (const Gate& f : gates) {
    const std::vector<float> x = GateInputs(1005, 613);
    std::vector<float> first;
    for (F32Isa isa : hostnn_test::SupportedF32Isas()) {
      SCOPED_TRACE(::testing::Message() << "special inputs, gate " << static_cast<int>(f.kind) << " "
                                        << F32IsaLabel(isa));
      std::vector<float> y(x.size());
      hostnn::elementwise::SelfGated(f, x.data(), y.data(), x.size(), -INFINITY, INFINITY, isa, nullptr);
      if (!first.empty()) ExpectSameBits(y, first, x);
      first = y;
    }
  }
  // Squeeze-excite: x [images][pixels][channels] * f(gate) per channel, one gate for all images or one per image.
  for (size_t channels : {1, 7, 8, 35, 64}) {
    for (size_t pixels : {1, 5, 49, 2100}) {
      for (bool perImage : {false, true}) {
        const size_t images = 2, gateRows = perImage ? images : 1;
        const auto x = RandomF(images * pixels * channels, 11, -3, 3), g = RandomF(gateRows * channels, 12, -6, 6);
        for (const Gate* f : {static_cast<const Gate*>(nullptr), &gates[0], &gates[2]}) {
          std::vector<float> want(x.size());
          for (size_t i = 0; i < x.size(); ++i) {
            const size_t c = i % channels, img = i / (pixels * channels);
            const double gv = g[(perImage ? img * channels : 0) + c];
            want[i] = static_cast<float>(std::min(1.5, std::max(-2.0, x[i] * (f ? RefGate(*f, gv) : gv))));
          }
          std::vector<float> first;
          for (F32Isa isa : hostnn_test::SupportedF32Isas()) {
            SCOPED_TRACE(::testing::Message()
                         << "channels " << channels << " pixels " << pixels << " perImage " << perImage << " gate "
                         << (f ? static_cast<int>(f->kind) : -1) << " " << F32IsaLabel(isa));
            std::vector<float> y(x.size()), yPool(x.size()), scratch(gateRows * channels);
            hostnn::elementwise::ChannelScale(x.data(), g.data(), perImage, f, scratch.data(), y.data(), images, pixels,
                                              channels, -2.f, 1.5f, isa, nullptr);
            hostnn::elementwise::ChannelScale(x.data(), g.data(), perImage, f, scratch.data(), yPool.data(), images,
                                              pixels, channels, -2.f, 1.5f, isa, pool.get());
            ExpectClose(y, want, 2e-6f);
            ExpectSameBits(yPool, y, x);
            if (!first.empty()) ExpectSameBits(y, first, x);
            first = y;
          }
        }
      }
    }
  }
  // GlobalAveragePool: channel blocks of 32 and their remainder, few and many pixels.
  for (size_t channels : {1, 8, 31, 32, 33, 100}) {
    for (size_t pixels : {1, 49, 3136}) {
      const size_t images = 2;
      const auto x = RandomF(images * pixels * channels, 21, -2, 2);
      std::vector<float> want(images * channels);
      for (size_t img = 0; img < images; ++img)
        for (size_t c = 0; c < channels; ++c) {
          double s = 0;
          for (size_t p = 0; p < pixels; ++p) s += x[(img * pixels + p) * channels + c];
          want[img * channels + c] = static_cast<float>(std::min(0.05, s / static_cast<double>(pixels)));
        }
      std::vector<float> first;
      for (F32Isa isa : hostnn_test::SupportedF32Isas()) {
        SCOPED_TRACE(::testing::Message()
                     << "channels " << channels << " pixels " << pixels << " " << F32IsaLabel(isa));
        std::vector<float> y(want.size()), yPool(want.size());
        hostnn::elementwise::GlobalAveragePool(x.data(), y.data(), images, pixels, channels, -INFINITY, 0.05f, isa,
                                               nullptr);
        hostnn::elementwise::GlobalAveragePool(x.data(), yPool.data(), images, pixels, channels, -INFINITY, 0.05f, isa,
                                               pool.get());
        ExpectClose(y, want, 1e-5f);
        ExpectSameBits(yPool, y, x);
        if (!first.empty()) ExpectSameBits(y, first, x);
        first = y;
      }
    }
  }
}

TEST(OpsFp32Test, ElementwiseChannelAffineMatchesTheReferenceInEveryVariant) {
  // BatchNormalization's y = clamp(x * a[c] + b[c]): channel counts around the 8- and 16-float vectors and the masked
  // tail, rows on both sides of the threading threshold (1 << 16 elements), no clamp, Relu and Clip, in place.
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  for (size_t channels : {1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 100, 1024}) {
    const auto a = RandomF(channels, 31, -2, 2), b = RandomF(channels, 32, -1, 1);
    for (size_t rows : {size_t{1}, size_t{5}, size_t{49}, 70000 / channels + 3}) {
      const auto x = RandomF(rows * channels, static_cast<uint32_t>(rows + channels), -4, 4);
      for (const auto& [lo, hi] :
           std::vector<std::pair<float, float>>{{-INFINITY, INFINITY}, {0.f, INFINITY}, {-0.5f, 0.75f}}) {
        std::vector<float> want(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          volatile float p = x[i] * a[i % channels];  // rounded before the add, as XNNPACK's two nodes
          want[i] = std::min(hi, std::max(lo, p + b[i % channels]));
        }
        for (F32Isa isa : hostnn_test::SupportedF32Isas()) {
          SCOPED_TRACE(::testing::Message() << "channels " << channels << " rows " << rows << " clamp " << lo << ".."
                                            << hi << " " << F32IsaLabel(isa));
          std::vector<float> y(x.size(), NAN), yPool(x.size(), NAN), inPlace = x;
          hostnn::elementwise::ChannelAffine(x.data(), a.data(), b.data(), y.data(), rows, channels, lo, hi, isa,
                                             nullptr);
          hostnn::elementwise::ChannelAffine(x.data(), a.data(), b.data(), yPool.data(), rows, channels, lo, hi, isa,
                                             pool.get());
          hostnn::elementwise::ChannelAffine(inPlace.data(), a.data(), b.data(), inPlace.data(), rows, channels, lo, hi,
                                             isa, pool.get());
          ExpectSameBits(y, want, x);
          ExpectSameBits(yPool, want, x);
          ExpectSameBits(inPlace, want, x);
        }
      }
    }
  }
}

TEST(OpsFp32Test, BatchNormalizationKernelHasTheBitsOfXnnpacksMulAndAdd) {
  // The BN's one pass against the same affine as two XNNPACK nodes (Mul, Add [+ Relu|Clip]) with a and b computed as
  // the lowering does: equal bits, every channel tail, with and without a fused clamp, on 1 and 2 threads.
  for (int64_t channels : {5, 8, 19, 64, 131}) {
    for (int clamp = 0; clamp < 3; ++clamp) {
      SCOPED_TRACE(::testing::Message() << "channels " << channels << " clamp " << clamp);
      const std::vector<int64_t> dims = {2, channels, 9, 7};
      const size_t total = static_cast<size_t>(2 * channels * 63), nc = static_cast<size_t>(channels);
      const auto scale = RandomF(nc, 41, -2, 2), bias = RandomF(nc, 42, -1, 1), mean = RandomF(nc, 43, -1, 1),
                 var = RandomF(nc, 44, 0, 3);
      std::vector<float> a(nc), sh(nc);
      for (size_t c = 0; c < nc; ++c) {
        a[c] = scale[c] * (1.f / std::sqrt(var[c] + 1e-5f));
        volatile float m = mean[c] * a[c];
        sh[c] = bias[c] - m;
      }
      auto withClamp = [&](OnnxBuilder& m, const std::string& from) {
        if (clamp == 1) m.Node("Relu", {from}, {"y"}, "act");
        if (clamp == 2) {
          m.InitF("lo", {}, {-0.5f});
          m.InitF("hi", {}, {1.25f});
          m.Node("Clip", {from, "lo", "hi"}, {"y"}, "act");
        }
        m.Output(clamp ? "y" : from);
      };
      OnnxBuilder bn;
      bn.Input("x", dims);
      bn.InitF("scale", {channels}, scale);
      bn.InitF("bias", {channels}, bias);
      bn.InitF("mean", {channels}, mean);
      bn.InitF("var", {channels}, var);
      bn.Node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"bn"}, "bn");
      withClamp(bn, "bn");
      OnnxBuilder two;
      two.Input("x", dims);
      two.InitF("a", {1, channels, 1, 1}, a);
      two.InitF("b", {1, channels, 1, 1}, sh);
      two.Node("Mul", {"x", "a"}, {"ax"}, "mul");
      two.Node("Add", {"ax", "b"}, {"bn"}, "add");
      withClamp(two, "bn");
      const auto x = RandomF(total, 45, -3, 3);
      std::string describe, twoDescribe;
      const auto want = RunModel(two.Bytes(), std::vector<std::vector<float>>{x}, &twoDescribe);
      ASSERT_NE(twoDescribe.find("xnnpack fp32: Add 'add'"), std::string::npos) << twoDescribe;
      const auto got = RunModel(bn.Bytes(), std::vector<std::vector<float>>{x}, &describe);
      EXPECT_NE(describe.find("kernel fp32: BatchNormalization 'bn'"), std::string::npos) << describe;
      ExpectSameBits(got, want, x);
    }
  }
  // (N, C, L): the channel is not the innermost stored axis, XNNPACK's nodes run it.
  OnnxBuilder b;
  b.Input("x", {2, 3, 5});
  b.InitF("scale", {3}, {1.f, -2.f, 0.5f});
  b.InitF("bias", {3}, {0.f, 1.f, -1.f});
  b.InitF("mean", {3}, {0.5f, 0.f, -1.f});
  b.InitF("var", {3}, {1.f, 2.f, 0.5f});
  b.Node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
  b.Output("y");
  const auto x = RandomF(30, 46, -2, 2);
  const float s3[3] = {1.f, -2.f, 0.5f}, b3[3] = {0.f, 1.f, -1.f}, m3[3] = {0.5f, 0.f, -1.f}, v3[3] = {1.f, 2.f, 0.5f};
  std::vector<float> want(30);
  for (size_t i = 0; i < 30; ++i) {
    const size_t c = i / 5 % 3;
    want[i] = static_cast<float>((x[i] - m3[c]) / std::sqrt(double(v3[c]) + 1e-5) * s3[c] + b3[c]);
  }
  std::string describe;
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe), want);
  EXPECT_NE(describe.find("xnnpack fp32: BatchNormalization 'bn'"), std::string::npos) << describe;
}

namespace {
// x → f (HardSigmoid alpha/beta, or Sigmoid) → Mul with x on either side: the plan runs it as one kernel and its bits
// are those of f's XNNPACK node then XNNPACK's Mul (two models: x → f, then x · f(x) as two inputs).
void ExpectSelfGatedMulAsTwoXnnpackPasses(const char* op, float alpha, float beta, const std::vector<int64_t>& dims,
                                          bool gateFirst) {
  SCOPED_TRACE(::testing::Message() << op << " alpha " << alpha << " dims " << ::testing::PrintToString(dims)
                                    << (gateFirst ? " Mul(f, x)" : " Mul(x, f)"));
  auto withAttrs = [&](onnx::NodeProto* n) {
    if (std::string(op) == "HardSigmoid") {
      SetFloat(n, "alpha", alpha);
      SetFloat(n, "beta", beta);
    }
  };
  size_t total = 1;
  for (int64_t d : dims) total *= static_cast<size_t>(d);
  const auto x = GateInputs(total, 601);

  OnnxBuilder fused;
  fused.Input("x", dims);
  withAttrs(fused.Node(op, {"x"}, {"f"}, "f"));
  if (gateFirst)
    fused.Node("Mul", {"f", "x"}, {"y"}, "mul");
  else
    fused.Node("Mul", {"x", "f"}, {"y"}, "mul");
  fused.Output("y");
  std::string describe;
  const auto got = RunModel(fused.Bytes(), std::vector<std::vector<float>>{x}, &describe);
  EXPECT_NE(describe.find(std::string("kernel fp32: Mul 'mul' (x * ") + op + "(x))"), std::string::npos) << describe;
  EXPECT_EQ(describe.find("'f'"), std::string::npos) << "f's own op is dead\n" << describe;

  OnnxBuilder gate;
  gate.Input("x", dims);
  withAttrs(gate.Node(op, {"x"}, {"f"}, "f"));
  gate.Output("f");
  const auto f = RunModel(gate.Bytes(), std::vector<std::vector<float>>{x});
  OnnxBuilder mul;
  mul.Input("x", dims);
  mul.Input("f", dims);
  mul.Node("Mul", {"x", "f"}, {"y"}, "mul");
  mul.Output("y");
  std::string mulDescribe;
  const auto want = RunModel(mul.Bytes(), std::vector<std::vector<float>>{x, f}, &mulDescribe);
  ASSERT_NE(mulDescribe.find("xnnpack fp32: Mul 'mul'\n"), std::string::npos) << mulDescribe;
  std::vector<double> exact(total);
  std::vector<float> ref(total);
  const Gate g =
      std::string(op) == "Sigmoid" ? MakeGate(Gate::Kind::kSigmoid) : MakeGate(Gate::Kind::kHardSigmoid, alpha, beta);
  for (size_t i = 0; i < total; ++i) {
    exact[i] = x[i] * RefGate(g, x[i]);
    ref[i] = static_cast<float>(exact[i]);
  }
  if (std::string(op) == "Sigmoid")
    ExpectXnnpackSigmoidBits(got, want, exact, x);
  else
    ExpectSameBits(got, want, x);
  for (size_t i = 0; i < total; ++i) {
    if (std::isfinite(x[i]) && std::fabs(x[i]) < 1e20f) {
      EXPECT_NEAR(got[i], ref[i], 2e-6 * std::max(1.f, std::fabs(ref[i]))) << "x " << x[i];
    }
  }
}
}  // namespace

TEST(OpsFp32Test, ElementwiseFusionHardSwishAndSiLUAreOneKernelAgreeingWithTheTwoXnnpackNodes) {
  for (bool gateFirst : {false, true}) {
    ExpectSelfGatedMulAsTwoXnnpackPasses("HardSigmoid", 1.f / 6, 0.5f, {1, 16, 9, 7}, gateFirst);  // MobileNetV3's
    ExpectSelfGatedMulAsTwoXnnpackPasses("HardSigmoid", 0.2f, 0.5f, {37}, gateFirst);              // ONNX defaults
    ExpectSelfGatedMulAsTwoXnnpackPasses("HardSigmoid", -0.5f, 0.25f, {2, 3, 5, 5}, gateFirst);
    ExpectSelfGatedMulAsTwoXnnpackPasses("Sigmoid", 0, 0, {1, 16, 9, 7}, gateFirst);  // SiLU
    ExpectSelfGatedMulAsTwoXnnpackPasses("Sigmoid", 0, 0, {3, 40}, gateFirst);
  }
}

TEST(OpsFp32Test, ElementwiseFusionSqueezeExciteMulByAGatedChannelVector) {
  // x [N, C, H, W] * f(g) with g [N|1, C, 1, 1] (f: HardSigmoid, Sigmoid, or none), the gate on either side; the
  // gate's own op folds into the Mul's kernel. Reference: f's XNNPACK node, then one float multiply per element.
  struct Case {
    const char* op;  // "" = no gate op
    int64_t n, gateN, c;
    bool gateFirst;
  };
  for (const Case& k : {Case{"HardSigmoid", 1, 1, 72, false}, Case{"Sigmoid", 2, 2, 13, true},
                        Case{"Sigmoid", 2, 1, 40, false}, Case{"", 1, 1, 24, true}}) {
    SCOPED_TRACE(::testing::Message() << "'" << k.op << "' N " << k.n << " gate N " << k.gateN << " C " << k.c);
    const std::vector<int64_t> xDims = {k.n, k.c, 6, 5}, gDims = {k.gateN, k.c, 1, 1};
    const auto x = RandomF(static_cast<size_t>(k.n * k.c * 30), 611, -3, 3);
    // Finite gates (the products stay normal or zero, where a plain multiply is the flushing one's result) with the
    // HardSigmoid knees and a Sigmoid below 2^-107 among them.
    auto g = RandomF(static_cast<size_t>(k.gateN * k.c), 612, -6, 6);
    g[0] = -80.f;
    g[1] = -4.f;
    g[2] = 4.f;
    g[3] = 0.f;
    const bool gated = *k.op != 0;
    OnnxBuilder b;
    b.Input("x", xDims);
    b.Input("g", gDims);
    b.Node("Relu", {"x"}, {"r"});  // an internal NHWC tensor, as the Conv output in a network
    if (gated) {
      auto* f = b.Node(k.op, {"g"}, {"s"}, "f");
      if (std::string(k.op) == "HardSigmoid") SetFloat(f, "alpha", 1.f / 6);
    }
    const std::string s = gated ? "s" : "g";
    b.Node("Mul", k.gateFirst ? std::vector<std::string>{s, "r"} : std::vector<std::string>{"r", s}, {"y"}, "mul");
    b.Output("y");
    std::string describe;
    const auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x, g}, &describe);
    const std::string line =
        std::string("kernel fp32: Mul 'mul' (x * ") + (gated ? std::string(k.op) + "(gate)" : "gate") + " per channel)";
    EXPECT_NE(describe.find(line), std::string::npos) << describe;
    EXPECT_EQ(describe.find("'f'"), std::string::npos) << "f's own op is dead\n" << describe;

    std::vector<float> fg = g;
    if (gated) {
      OnnxBuilder gate;
      gate.Input("g", gDims);
      auto* f = gate.Node(k.op, {"g"}, {"s"}, "f");
      if (std::string(k.op) == "HardSigmoid") SetFloat(f, "alpha", 1.f / 6);
      gate.Output("s");
      fg = RunModel(gate.Bytes(), std::vector<std::vector<float>>{g});
    }
    std::vector<float> want(x.size());
    std::vector<double> exact(x.size());
    const size_t pixels = 30, c = static_cast<size_t>(k.c);
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t img = i / (c * pixels), ch = i / pixels % c;  // ONNX (NCHW) order
      const size_t gi = (k.gateN == 1 ? 0 : img * c) + ch;
      want[i] = std::max(0.f, x[i]) * fg[gi];
      exact[i] = std::max(0.f, x[i]) * (1 / (1 + std::exp(-double{g[gi]})));
    }
    if (std::string(k.op) == "Sigmoid")
      ExpectXnnpackSigmoidBits(got, want, exact, x);
    else
      ExpectSameBits(got, want, x);
  }
}

TEST(OpsFp32Test, GlobalAveragePoolRunsInOurKernel) {
  OnnxBuilder b;
  b.Input("x", {2, 40, 7, 7});
  b.Node("Relu", {"x"}, {"r"});
  b.Node("GlobalAveragePool", {"r"}, {"y"}, "gap");
  b.Output("y");
  const auto x = RandomF(2 * 40 * 49, 621, -2, 2);
  std::vector<float> want(80);
  for (size_t i = 0; i < 80; ++i) {
    double s = 0;
    for (size_t p = 0; p < 49; ++p) s += std::max(0.f, x[i * 49 + p]);
    want[i] = static_cast<float>(s / 49);
  }
  std::string describe;
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe), want, 1e-6f);
  EXPECT_NE(describe.find("kernel fp32: GlobalAveragePool 'gap' ("), std::string::npos) << describe;
}
