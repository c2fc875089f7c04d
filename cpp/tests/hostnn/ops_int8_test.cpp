// int8 QDQ numerics: within 1 quantized unit of a reference with int32 accumulation and float requantization
// (round half to even), and the plan must run the recognised patterns in int8 (our kernel or XNNPACK).
#include <algorithm>
#include <optional>

#include "dwconv.h"
#include "onnx_builder.h"
#include "qconv_int8.h"
#include "test_util.h"
#include "wino_int8.h"

using namespace hostnn_test;

namespace {

// QuantizeLinear + DequantizeLinear pair with its own scale/zero-point initializers.
void QDQ(OnnxBuilder& b, const std::string& in, const std::string& out, float scale, int8_t zp) {
  b.InitF(out + "_s", {}, {scale});
  b.InitI8(out + "_z", {}, {zp});
  b.Node("QuantizeLinear", {in, out + "_s", out + "_z"}, {out + "_q"});
  b.Node("DequantizeLinear", {out + "_q", out + "_s", out + "_z"}, {out});
}

// DequantizeLinear of per-output-channel symmetric int8 weights (axis 0).
void Weights(OnnxBuilder& b, const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& q,
             const std::vector<float>& scales) {
  b.InitI8(name + "_q", dims, q);
  b.InitF(name + "_s", {static_cast<int64_t>(scales.size())}, scales);
  b.InitI8(name + "_z", {static_cast<int64_t>(scales.size())}, std::vector<int8_t>(scales.size(), 0));
  auto* n = b.Node("DequantizeLinear", {name + "_q", name + "_s", name + "_z"}, {name});
  SetInt(n, "axis", 0);
}

void Bias(OnnxBuilder& b, const std::string& name, const std::vector<int32_t>& q, const std::vector<float>& scales) {
  b.InitI32(name + "_q", {static_cast<int64_t>(q.size())}, q);
  b.InitF(name + "_s", {static_cast<int64_t>(scales.size())}, scales);
  b.InitI32(name + "_z", {static_cast<int64_t>(scales.size())}, std::vector<int32_t>(scales.size(), 0));
  SetInt(b.Node("DequantizeLinear", {name + "_q", name + "_s", name + "_z"}, {name}), "axis", 0);
}

std::vector<int8_t> QuantizeAll(const std::vector<float>& v, float s, int zp) {
  std::vector<int8_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) q[i] = QuantizeRef(v[i], s, zp);
  return q;
}

std::vector<int8_t> Requantize(const std::vector<float>& out, float s, int zp) { return QuantizeAll(out, s, zp); }

struct QConvCase {
  const char* name;
  int64_t c, h, w, oc, k, group, stride, pad;
  bool relu;
  int64_t dilation = 1;
};

}  // namespace

TEST(OpsInt8Test, QdqConvPerChannelRunsInt8) {
  const QConvCase cases[] = {
      {"3x3 relu", 3, 10, 9, 8, 3, 1, 1, 1, true},
      {"1x1", 16, 6, 6, 24, 1, 1, 1, 0, false},
      {"1x1 k and n tails, odd rows", 5, 7, 5, 17, 1, 1, 1, 0, true},
      {"1x1 wide", 40, 3, 3, 33, 1, 1, 1, 0, false},
      {"3x3 stride2 no pad odd size", 6, 9, 8, 20, 3, 1, 2, 0, true},
      {"5x5 pad2 stride2", 4, 11, 11, 16, 5, 1, 2, 2, false},
      {"3x3 dilation2", 4, 9, 9, 8, 3, 1, 1, 2, true, 2},
      {"depthwise stride2 relu", 8, 9, 9, 8, 3, 8, 2, 1, true},
      {"depthwise 64 channels 5x5 stride2 relu", 64, 9, 9, 64, 5, 64, 2, 2, true},
      {"depthwise 72 channels dilation2", 72, 8, 8, 72, 3, 72, 1, 2, false, 2},
      {"grouped", 8, 7, 7, 8, 3, 2, 1, 1, false},
  };
  HostNN_SetThreadCount(2);  // row tiles of our int8 kernel and XNNPACK work run on two threads
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    const float xs = 0.02f, ys = 0.05f;
    const int8_t xz = -5, yz = k.relu ? -128 : 3;
    int64_t icg = k.c / k.group;
    auto wq = RandomI8(static_cast<size_t>(k.oc * icg * k.k * k.k), 101);
    std::vector<float> ws(k.oc);
    std::vector<int32_t> bq(k.oc);
    std::vector<float> bs(k.oc);
    for (int64_t o = 0; o < k.oc; ++o) {
      ws[o] = 0.002f + 0.0005f * static_cast<float>(o % 5);
      bs[o] = xs * ws[o];
      bq[o] = static_cast<int32_t>((o * 37) % 200) - 100;
    }
    OnnxBuilder b;
    b.Input("x", {1, k.c, k.h, k.w});
    QDQ(b, "x", "xd", xs, xz);
    Weights(b, "w", {k.oc, icg, k.k, k.k}, wq, ws);
    Bias(b, "b", bq, bs);
    auto* conv = b.Node("Conv", {"xd", "w", "b"}, {"c"}, "qconv");
    SetInts(conv, "pads", {k.pad, k.pad, k.pad, k.pad});
    SetInts(conv, "strides", {k.stride, k.stride});
    SetInt(conv, "group", k.group);
    SetInts(conv, "dilations", {k.dilation, k.dilation});
    std::string pre = "c";
    if (k.relu) {
      b.Node("Relu", {"c"}, {"r"});
      pre = "r";
    }
    QDQ(b, pre, "y", ys, yz);
    b.Output("y");
    auto x = RandomF(static_cast<size_t>(k.c * k.h * k.w), 102, -2.f, 2.f);
    // Reference: int32 accumulation of (x_q - zp) * w_q + b_q, then float requantize.
    auto xq = QuantizeAll(x, xs, xz);
    std::vector<double> xcentered(xq.size());
    for (size_t i = 0; i < xq.size(); ++i) xcentered[i] = xq[i] - xz;
    ConvParams p;
    p.strideH = p.strideW = k.stride;
    p.padT = p.padL = p.padB = p.padR = k.pad;
    p.group = k.group;
    p.dilH = p.dilW = k.dilation;
    int64_t oh, ow;
    auto acc = RefConv(xcentered, 1, k.c, k.h, k.w, ToD(wq), k.oc, k.k, k.k, ToD(bq), p, &oh, &ow);
    std::vector<int8_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      int64_t o = static_cast<int64_t>(i) / (oh * ow);
      double real = acc[i] * static_cast<double>(xs) * ws[o];
      if (k.relu) real = std::max(0.0, real);
      want[i] = QuantizeRef(real, ys, yz);
    }
    std::string describe;
    auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe);
    ExpectWithin1(Requantize(got, ys, yz), want);
    // Convolutions with groups = 1 run in our kernel (qconv_int8.h) on every CPU, 3x3 stride 1 ones in the Winograd
    // kernel (wino_int8.h) where the int8 ISA is AVX2 (not AVX-512 VNNI), depthwise ones in ours (dwconv.h) where the
    // CPU has AVX2 with 64 channels or more (or a multiple of 8 where the row kernel applies: not the 8-channel case
    // here, of 5 output columns at stride 2), the others in XNNPACK.
    const hostnn::Int8Isa isa = hostnn::SelectInt8Isa();
    const bool depthwise =
        k.group == k.c && k.oc == k.c && k.c >= 64 && hostnn::Int8IsaSupported(hostnn::Int8Isa::kAvx2);
    const hostnn::ConvGeometry2D g{1,   k.h,      k.w,      k.c,        1,          1,     1,    k.k,
                                   k.k, k.stride, k.stride, k.dilation, k.dilation, k.pad, k.pad};
    const bool wino = k.group == 1 && hostnn::QWinogradInt8::Handles(g, isa);
    const std::string where =
        wino           ? std::string("kernel int8: Conv 'qconv' (") + hostnn::QWinogradInt8::Label() + ")"
        : k.group == 1 ? std::string("kernel int8: Conv 'qconv' (") + hostnn::Int8IsaLabel(isa) + ")"
        : depthwise    ? std::string("kernel int8: Conv 'qconv' (") + hostnn::DwInt8Label(g, isa) + ")"
                       : "xnnpack int8: Conv 'qconv'";
    EXPECT_NE(describe.find(where), std::string::npos) << describe;
  }
  HostNN_SetThreadCount(0);
}

namespace {
// Q/DQ input → Gemm(transB=1) with int8 weights → Q/DQ output.
std::string QdqGemm(const std::vector<int8_t>& wq, const std::vector<float>& ws, const std::vector<int32_t>& bq,
                    float xs, int8_t xz, float ys, int8_t yz, int64_t k, int64_t n) {
  OnnxBuilder b;
  b.Input("x", {2, k});
  QDQ(b, "x", "xd", xs, xz);
  Weights(b, "w", {n, k}, wq, ws);
  std::vector<float> bs(n);
  for (int64_t o = 0; o < n; ++o) bs[o] = xs * ws[o];
  Bias(b, "b", bq, bs);
  SetInt(b.Node("Gemm", {"xd", "w", "b"}, {"g"}, "fc"), "transB", 1);
  QDQ(b, "g", "y", ys, yz);
  b.Output("y");
  return b.Bytes();
}
}  // namespace

TEST(OpsInt8Test, QdqGemmPerTensorAndPerChannelWeights) {
  const int64_t k = 40, n = 10;
  const float xs = 0.03f, ys = 0.1f;
  const int8_t xz = 2, yz = -1;
  auto wq = RandomI8(k * n, 111);
  std::vector<int32_t> bq(n);
  for (int64_t o = 0; o < n; ++o) bq[o] = static_cast<int32_t>(o * 50 - 200);
  auto x = RandomF(2 * k, 112, -3, 3);
  auto xq = QuantizeAll(x, xs, xz);
  for (int perChannel = 0; perChannel < 2; ++perChannel) {
    SCOPED_TRACE(perChannel ? "per-channel weights" : "per-tensor weights");
    std::vector<float> ws(n, 0.01f);
    if (perChannel)
      for (int64_t o = 0; o < n; ++o) ws[o] = 0.005f + 0.001f * static_cast<float>(o);
    std::vector<int8_t> want(2 * n);
    for (int r = 0; r < 2; ++r)
      for (int64_t o = 0; o < n; ++o) {
        int64_t acc = bq[o];
        for (int64_t i = 0; i < k; ++i) acc += static_cast<int64_t>(xq[r * k + i] - xz) * wq[o * k + i];
        want[r * n + o] = QuantizeRef(static_cast<double>(acc) * xs * ws[o], ys, yz);
      }
    std::string describe;
    auto got = RunModel(QdqGemm(wq, ws, bq, xs, xz, ys, yz, k, n), std::vector<std::vector<float>>{x}, &describe);
    ExpectWithin1(Requantize(got, ys, yz), want);
    // Every int8 Gemm runs in our kernel, per-channel weights included, on every CPU.
    const std::string wantPlan =
        std::string("kernel int8: Gemm 'fc' (") + hostnn::Int8IsaLabel(hostnn::SelectInt8Isa()) + ")";
    EXPECT_NE(describe.find(wantPlan), std::string::npos) << describe;
  }
}

TEST(OpsInt8Test, QdqAddMaxPoolGapConcatRunInt8) {
  const float s = 0.04f;
  const int8_t z = -3;
  OnnxBuilder b;
  b.Input("a", {1, 4, 6, 6});
  b.Input("c", {1, 4, 6, 6});
  QDQ(b, "a", "ad", s, z);
  QDQ(b, "c", "cd", 0.03f, 1);
  b.Node("Add", {"ad", "cd"}, {"sum"}, "add");
  QDQ(b, "sum", "sd", 0.06f, -2);
  auto* mp = b.Node("MaxPool", {"sd"}, {"mp"}, "pool");
  SetInts(mp, "kernel_shape", {2, 2});
  SetInts(mp, "strides", {2, 2});
  QDQ(b, "mp", "md", 0.06f, -2);
  b.Node("Identity", {"md"}, {"id"}, "identity");
  QDQ(b, "id", "idd", 0.06f, -2);
  SetInt(b.Node("Concat", {"md", "idd"}, {"cat"}, "concat"), "axis", 1);
  QDQ(b, "cat", "catd", 0.06f, -2);
  b.Node("GlobalAveragePool", {"catd"}, {"gap"}, "gap");
  QDQ(b, "gap", "y", 0.02f, 0);
  b.Output("y");
  auto a = RandomF(144, 121, -2, 2), c = RandomF(144, 122, -2, 2);
  // Reference chain on quantized values.
  auto aq = QuantizeAll(a, s, z), cq = QuantizeAll(c, 0.03f, 1);
  std::vector<int8_t> sum(144);
  for (int i = 0; i < 144; ++i) sum[i] = QuantizeRef((aq[i] - z) * double(s) + (cq[i] - 1) * 0.03, 0.06, -2);
  std::vector<int8_t> pooled(4 * 9);
  for (int ch = 0; ch < 4; ++ch)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) {
        int m = -128;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) m = std::max(m, int(sum[(ch * 6 + 2 * y + dy) * 6 + 2 * x + dx]));
        pooled[(ch * 3 + y) * 3 + x] = static_cast<int8_t>(m);
      }
  std::vector<int8_t> want(8);
  for (int ch = 0; ch < 8; ++ch) {
    double acc = 0;
    for (int i = 0; i < 9; ++i) acc += (pooled[(ch % 4) * 9 + i] + 2) * 0.06;
    want[ch] = QuantizeRef(acc / 9, 0.02, 0);
  }
  std::string describe;
  auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{a, c}, &describe);
  ExpectWithin1(Requantize(got, 0.02f, 0), want);
  for (const char* op : {"xnnpack int8: Add 'add'", "xnnpack int8: MaxPool 'pool'", "kernel int8: Concat 'concat'",
                         "kernel int8: Identity 'identity'", "xnnpack int8: GlobalAveragePool 'gap'"})
    EXPECT_NE(describe.find(op), std::string::npos) << op << "\n" << describe;
}

// A 1x1 MaxPool (a strided subsample) has no XNNPACK int8 form here; it must not reach the float pooling kernel
// with int8 data (that read and wrote 4 bytes per int8 element, past both buffers).
TEST(OpsInt8Test, QdqMaxPool1x1SubsamplesExactly) {
  const float s = 0.05f;
  const int8_t z = 3;
  OnnxBuilder b;
  b.Input("x", {1, 3, 6, 5});
  QDQ(b, "x", "xd", s, z);
  auto* mp = b.Node("MaxPool", {"xd"}, {"mp"}, "pool");
  SetInts(mp, "kernel_shape", {1, 1});
  SetInts(mp, "strides", {2, 2});
  QDQ(b, "mp", "y", s, z);
  b.Output("y");
  auto x = RandomF(90, 141, -3, 3);
  auto xq = QuantizeAll(x, s, z);
  std::vector<int8_t> want;
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < 6; y += 2)
      for (int w = 0; w < 5; w += 2) want.push_back(xq[(ch * 6 + y) * 5 + w]);
  std::string describe;
  auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(Requantize(got, s, z), want) << describe;
}

TEST(OpsInt8Test, QdqClassifierEndToEndWithSoftmax) {
  // conv(int8, relu) → GAP → flatten → gemm(per-tensor int8) → Q/DQ → softmax (fp32).
  const float xs = 0.02f, cs = 0.04f, gs = 0.03f, ls = 0.08f;
  OnnxBuilder b;
  b.Input("x", {1, 3, 8, 8});
  QDQ(b, "x", "xd", xs, 0);
  auto wq = RandomI8(8 * 27, 131);
  std::vector<float> ws(8);
  for (int o = 0; o < 8; ++o) ws[o] = 0.004f + 0.0003f * o;
  Weights(b, "w", {8, 3, 3, 3}, wq, ws);
  std::vector<float> bs(8);
  for (int o = 0; o < 8; ++o) bs[o] = xs * ws[o];
  Bias(b, "b", std::vector<int32_t>(8, 10), bs);
  SetInts(b.Node("Conv", {"xd", "w", "b"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  QDQ(b, "r", "rd", cs, -128);
  b.Node("GlobalAveragePool", {"rd"}, {"g"}, "gap");
  QDQ(b, "g", "gd", gs, -128);
  b.Node("Flatten", {"gd"}, {"f"}, "flatten");
  QDQ(b, "f", "fd", gs, -128);
  auto fq = RandomI8(5 * 8, 132);
  Weights(b, "fw", {5, 8}, fq, std::vector<float>(5, 0.01f));
  Bias(b, "fb", std::vector<int32_t>(5, 0), std::vector<float>(5, gs * 0.01f));
  SetInt(b.Node("Gemm", {"fd", "fw", "fb"}, {"l"}, "fc"), "transB", 1);
  QDQ(b, "l", "ld", ls, 0);
  b.Node("Softmax", {"ld"}, {"y"}, "prob");
  b.Output("y");
  auto x = RandomF(3 * 64, 133, -1, 1);
  // Reference, step by step with the same quantization points.
  auto xq = QuantizeAll(x, xs, 0);
  ConvParams p;
  p.padT = p.padL = p.padB = p.padR = 1;
  int64_t oh, ow;
  auto acc = RefConv(ToD(xq), 1, 3, 8, 8, ToD(wq), 8, 3, 3, std::vector<double>(8, 10), p, &oh, &ow);
  std::vector<double> g(8, 0);
  for (int o = 0; o < 8; ++o) {
    for (int i = 0; i < 64; ++i) {
      int8_t q = QuantizeRef(std::max(0.0, acc[o * 64 + i] * xs * ws[o]), cs, -128);
      g[o] += (q + 128) * double(cs);
    }
    g[o] = (QuantizeRef(g[o] / 64, gs, -128) + 128) * double(gs);
  }
  std::vector<double> logits(5);
  double mx = -1e30, sum = 0;
  for (int j = 0; j < 5; ++j) {
    double a = 0;
    for (int o = 0; o < 8; ++o) a += std::nearbyint(g[o] / gs) * fq[j * 8 + o];  // (q - zp) = g / gs
    logits[j] = QuantizeRef(a * gs * 0.01, ls, 0) * double(ls);
    mx = std::max(mx, logits[j]);
  }
  for (double l : logits) sum += std::exp(l - mx);
  std::string describe;
  auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe);
  ASSERT_EQ(got.size(), 5u);
  // GAP's fixed-point rounding may move a logit by one quantum (ls): compare with that slack.
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(got[j], std::exp(logits[j] - mx) / sum, 0.1) << j;
  double total = 0;
  for (float v : got) total += v;
  EXPECT_NEAR(total, 1.0, 1e-5);
  for (const char* op : {"kernel int8: Conv 'conv'", "xnnpack int8: GlobalAveragePool 'gap'", "kernel int8: Gemm 'fc'",
                         "kernel fp32: Softmax 'prob'"})
    EXPECT_NE(describe.find(op), std::string::npos) << op << "\n" << describe;
}

TEST(OpsInt8Test, Uint8QdqFallsBackToFp32Correctly) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 4, 4});
  b.InitF("s", {}, {0.05f});
  b.InitU8("z", {}, {128});
  b.Node("QuantizeLinear", {"x", "s", "z"}, {"q"});
  b.Node("DequantizeLinear", {"q", "s", "z"}, {"d"});
  b.Node("Relu", {"d"}, {"y"});
  b.Output("y");
  auto x = RandomF(32, 141, -8, 8);
  std::vector<float> want(32);
  for (int i = 0; i < 32; ++i) {
    double q = std::min(255.0, std::max(0.0, std::nearbyint(x[i] / 0.05) + 128));
    want[i] = static_cast<float>(std::max(0.0, (q - 128) * 0.05));
  }
  ExpectClose(RunModel(b.Bytes(), std::vector<std::vector<float>>{x}), want, 1e-5f);
}

TEST(OpsInt8Test, QdqAveragePoolInFp32AndSigmoidHardSwishTablesWithin1OfTheMath) {
  // AveragePool has no int8 path here: DQ → fp32 op → Q; HardSwish and Sigmoid run as int8 tables. Each within 1
  // unit of the exact math.
  const float sIn = 0.05f, sOut = 0.03f;
  const int8_t zIn = 4, zOut = -7;
  for (const std::string op : {"AveragePool", "HardSwish", "Sigmoid"}) {
    SCOPED_TRACE(op);
    OnnxBuilder b;
    b.Input("x", {1, 3, 6, 6});
    QDQ(b, "x", "xd", sIn, zIn);
    auto* n = b.Node(op, {"xd"}, {"o"}, "op");
    if (op == "AveragePool") {
      SetInts(n, "kernel_shape", {3, 3});
      SetInts(n, "pads", {1, 1, 1, 1});
    }
    QDQ(b, "o", "y", sOut, zOut);
    b.Output("y");
    auto x = RandomF(108, 151, -3, 3);
    auto xq = QuantizeAll(x, sIn, zIn);
    std::vector<double> xd(108);
    for (int i = 0; i < 108; ++i) xd[i] = (xq[i] - zIn) * double(sIn);
    std::vector<int8_t> want(108);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 6; ++y)
        for (int xx = 0; xx < 6; ++xx) {
          int i = (c * 6 + y) * 6 + xx;
          double v = xd[i];
          if (op == "AveragePool") {
            double sum = 0;
            int cnt = 0;
            for (int dy = -1; dy <= 1; ++dy)
              for (int dx = -1; dx <= 1; ++dx)
                if (y + dy >= 0 && y + dy < 6 && xx + dx >= 0 && xx + dx < 6) {
                  sum += xd[(c * 6 + y + dy) * 6 + xx + dx];
                  ++cnt;
                }
            v = sum / cnt;
          } else if (op == "HardSwish") {
            v = v * std::min(1.0, std::max(0.0, v / 6 + 0.5));
          } else {
            v = 1 / (1 + std::exp(-v));
          }
          want[i] = QuantizeRef(v, sOut, zOut);
        }
    std::string describe;
    auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe);
    ExpectWithin1(Requantize(got, sOut, zOut), want);
    if (op == "AveragePool") {
      EXPECT_NE(describe.find("fp32: " + op + " 'op'"), std::string::npos) << describe;
      EXPECT_NE(describe.find("kernel fp32: DequantizeLinear"), std::string::npos) << describe;
    } else {
      EXPECT_NE(describe.find("kernel int8: " + op + " 'op' (table)"), std::string::npos) << describe;
    }
  }
}

TEST(OpsInt8Test, QuantizeLinearRoundsHalfToEvenAndSaturates) {
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1000.f, -1000.f, 3.49f, -3.51f, 0.f, 7.f};
  struct Case {
    int32_t elem;
    int zp;
    std::vector<int> want;
  };
  const Case cases[] = {
      {onnx::TensorProto::INT8, 0, {0, 2, 2, 0, -2, -2, 127, -128, 3, -4, 0, 7}},
      {onnx::TensorProto::INT8, 10, {10, 12, 12, 10, 8, 8, 127, -128, 13, 6, 10, 17}},
      {onnx::TensorProto::UINT8, 128, {128, 130, 130, 128, 126, 126, 255, 0, 131, 124, 128, 135}},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE("zero point " + std::to_string(k.zp));
    OnnxBuilder b;
    b.Input("x", {12});
    b.InitF("s", {}, {1.f});
    if (k.elem == onnx::TensorProto::INT8)
      b.InitI8("z", {}, {static_cast<int8_t>(k.zp)});
    else
      b.InitU8("z", {}, {static_cast<uint8_t>(k.zp)});
    b.Node("QuantizeLinear", {"x", "s", "z"}, {"q"});
    b.Node("DequantizeLinear", {"q", "s", "z"}, {"y"});
    b.Output("y");
    auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x});
    ASSERT_EQ(got.size(), 12u);
    for (size_t i = 0; i < 12; ++i) EXPECT_EQ(got[i], static_cast<float>(k.want[i] - k.zp)) << "x = " << x[i];
  }
}

TEST(OpsInt8Test, QdqTransposeMovesInt8BytesHardSigmoidAndBatchNormAreTables) {
  // DQ → Transpose → Q with the same params is a byte copy on int8 (exact); HardSigmoid is an int8 table,
  // BatchNormalization one table per channel: within 1 unit of the math.
  const float s = 0.05f, sOut = 0.01f;
  const int8_t z = 3, zOut = -100;
  OnnxBuilder b;
  b.Input("x", {1, 4, 3, 5});
  QDQ(b, "x", "xd", s, z);
  b.Node("Relu", {"xd"}, {"r"}, "relu");  // int8 clamp: "rd" below is an internal (NHWC) int8 tensor
  QDQ(b, "r", "rd", s, z);
  SetInts(b.Node("Transpose", {"rd"}, {"t"}, "transpose"), "perm", {0, 3, 1, 2});  // [1, 5, 4, 3]
  QDQ(b, "t", "td", s, z);
  b.Node("HardSigmoid", {"td"}, {"h"}, "hs");
  QDQ(b, "h", "hd", sOut, zOut);
  const std::vector<float> scale = {1.f, -2.f, 0.5f, 3.f, 0.25f}, bias = {0.f, 1.f, -1.f, 0.5f, 2.f},
                           mean = {0.5f, 0.f, 0.25f, 1.f, -1.f}, var = {1.f, 2.f, 0.5f, 4.f, 1.f};
  b.InitF("scale", {5}, scale);
  b.InitF("bias", {5}, bias);
  b.InitF("mean", {5}, mean);
  b.InitF("var", {5}, var);
  b.Node("BatchNormalization", {"hd", "scale", "bias", "mean", "var"}, {"bn"}, "bn");
  QDQ(b, "bn", "y", 0.02f, 0);
  b.Output("y");
  auto x = RandomF(60, 531, -2, 3);
  auto xq = QuantizeAll(x, s, z);
  std::vector<int8_t> want(60);
  for (int w = 0; w < 5; ++w)
    for (int c = 0; c < 4; ++c)
      for (int h = 0; h < 3; ++h) {
        int8_t r = std::max(xq[(c * 3 + h) * 5 + w], z);  // Relu of (q - z) * s
        double hs = std::min(1.0, std::max(0.0, 0.2 * (r - z) * double(s) + 0.5));
        double hq = (QuantizeRef(hs, sOut, zOut) - zOut) * double(sOut);
        double bn = (hq - mean[w]) / std::sqrt(double(var[w]) + 1e-5) * scale[w] + bias[w];
        want[(w * 4 + c) * 3 + h] = QuantizeRef(bn, 0.02, 0);
      }
  std::string describe;
  auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x}, &describe);
  ExpectWithin1(Requantize(got, 0.02f, 0), want);
  for (const char* op : {"kernel int8: Transpose 'transpose'", "kernel int8: HardSigmoid 'hs' (table)",
                         "kernel int8: BatchNormalization 'bn' (tables)"})
    EXPECT_NE(describe.find(op), std::string::npos) << op << "\n" << describe;
}

TEST(OpsInt8Test, QdqTransposeThenReluIsNotABareByteCopy) {
  // DQ → Transpose → Relu → Q: the Relu between the Transpose and its Q must still clamp.
  const float s = 0.05f;
  const int8_t z = 3;
  OnnxBuilder b;
  b.Input("x", {2, 3, 4});
  QDQ(b, "x", "xd", s, z);
  SetInts(b.Node("Transpose", {"xd"}, {"t"}, "transpose"), "perm", {2, 0, 1});  // [4, 2, 3]
  b.Node("Relu", {"t"}, {"r"}, "relu");
  QDQ(b, "r", "y", s, z);
  b.Output("y");
  auto x = RandomF(24, 551, -2, 2);
  auto xq = QuantizeAll(x, s, z);
  std::vector<int8_t> want(24);
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) want[(k * 2 + i) * 3 + j] = std::max(xq[(i * 3 + j) * 4 + k], z);
  auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x});
  EXPECT_EQ(Requantize(got, s, z), want);
}

// DQ → (Concat | Reshape | Identity) → Relu → Q: these run as byte copies only when nothing clamps between the op and
// its Q; the absorbed Relu must still clamp at the zero point.
TEST(OpsInt8Test, QdqByteOpsThenReluStillClamp) {
  const float s = 0.05f;
  const int8_t z = 3;
  for (const char* type : {"Concat", "Reshape", "Identity"}) {
    SCOPED_TRACE(type);
    OnnxBuilder b;
    b.Input("x", {1, 2, 3, 4});
    QDQ(b, "x", "xd", s, z);
    if (std::string(type) == "Concat") {
      SetInt(b.Node("Concat", {"xd", "xd"}, {"t"}, "op"), "axis", 1);
    } else if (std::string(type) == "Reshape") {
      b.InitI64("shape", {2}, {1, 24});
      b.Node("Reshape", {"xd", "shape"}, {"t"}, "op");
    } else {
      b.Node("Identity", {"xd"}, {"t"}, "op");
    }
    b.Node("Relu", {"t"}, {"r"}, "relu");
    QDQ(b, "r", "y", s, z);
    b.Output("y");
    auto x = RandomF(24, 552, -2, 2);
    auto xq = QuantizeAll(x, s, z);
    std::vector<int8_t> want;
    for (int copy = 0; copy < (std::string(type) == "Concat" ? 2 : 1); ++copy)
      for (int8_t q : xq) want.push_back(std::max(q, z));
    auto got = RunModel(b.Bytes(), std::vector<std::vector<float>>{x});
    EXPECT_EQ(Requantize(got, s, z), want);
  }
}

// ---- int8 elementwise ops without the float round trip: bit-identical to DQ → float op → Q ----------------------

namespace {

struct QParams {
  float scale;
  int8_t zp;
};
// Input and output params, including extreme ones: tiny and huge scales (saturating outputs), zero points at the
// int8 limits.
const std::pair<QParams, QParams> kTableParams[] = {
    {{0.05f, 4}, {0.03f, -7}},     {{0.001f, -128}, {1.f / 255, -128}}, {{0.5f, 127}, {0.1f, 100}},
    {{10.f, 0}, {0.01f, 0}},       {{0.0625f, -5}, {0.0078125f, 3}},    {{1e-30f, 17}, {1e-3f, -128}},
    {{0.02f, -100}, {1e20f, 127}},
};

// Every int8 value (byte order) repeated to n elements.
std::vector<int8_t> AllInt8(size_t n) {
  std::vector<int8_t> q(n);
  for (size_t i = 0; i < n; ++i) q[i] = static_cast<int8_t>(static_cast<uint8_t>(i * 37 + 11));  // 37 is odd: a cycle
  return q;
}
std::vector<float> Dequantized(const std::vector<int8_t>& q, QParams p) {
  std::vector<float> f(q.size());
  for (size_t i = 0; i < q.size(); ++i) f[i] = static_cast<float>(q[i] - p.zp) * p.scale;  // the DQ kernel's formula
  return f;
}
void Int8Input(OnnxBuilder& b, const std::string& name, const std::vector<int64_t>& dims, QParams p,
               const std::string& out) {
  b.Input(name, dims, onnx::TensorProto::INT8);
  b.InitF(out + "_s", {}, {p.scale});
  b.InitI8(out + "_z", {}, {p.zp});
  b.Node("DequantizeLinear", {name, out + "_s", out + "_z"}, {out});
}
// NPULENS_HOSTNN_ISA for the scope: the int8 kernels' variant (the tables' lookup: AVX2 or scalar).
struct IsaEnv {
  explicit IsaEnv(const char* v) { setenv("NPULENS_HOSTNN_ISA", v, 1); }
  ~IsaEnv() { unsetenv("NPULENS_HOSTNN_ISA"); }
};
// The int8 variants this CPU runs, by their NPULENS_HOSTNN_ISA names.
std::vector<const char*> Int8Variants() {
  std::vector<const char*> v = {"scalar"};
  if (hostnn::Int8IsaSupported(hostnn::Int8Isa::kAvx2)) v.push_back("avx2");
  return v;
}
// QuantizeLinear + DequantizeLinear with the given params.
void QDQ(OnnxBuilder& b, const std::string& in, const std::string& out, QParams p) { QDQ(b, in, out, p.scale, p.zp); }
// Builds `graph` twice, behind the int8 input x (DequantizeLinear with pi) and behind a float input x, runs the first
// on q and the second on Dequantized(q, pi), expects the same bits, and returns the int8 run's plan description.
template <typename BuildGraph>
std::string ExpectInt8PathEqualsFloatPath(const BuildGraph& graph, const std::vector<int64_t>& dims,
                                          const std::vector<int8_t>& q, QParams pi) {
  OnnxBuilder i8;
  Int8Input(i8, "x", dims, pi, "xd");
  graph(i8, "xd");
  OnnxBuilder f32;
  f32.Input("x", dims);
  graph(f32, "x");
  std::string describe;
  auto got = RunModel<float, int8_t>(i8.Bytes(), {q}, &describe);
  EXPECT_EQ(got, RunModel(f32.Bytes(), std::vector<std::vector<float>>{Dequantized(q, pi)}));
  return describe;
}

}  // namespace

TEST(OpsInt8Test, QdqUnaryOpsAsTablesEqualTheFloatPathBitForBit) {
  // DQ → Sigmoid | HardSigmoid | HardSwish [→ Relu] → Q on int8 is a table of the 256 inputs: the same bits as the
  // float op on the dequantized values followed by the QuantizeLinear kernel (the reference model: a float input,
  // so no int8 pattern), over every input value, several params and an odd shape (AVX2 blocks and a tail), with each
  // lookup variant.
  for (const char* isa : Int8Variants())
    for (const std::string op : {"Sigmoid", "HardSigmoid", "HardSwish"})
      for (bool relu : {false, true})
        for (const auto& params : kTableParams) {
          const QParams pi = params.first, po = params.second;  // not a structured binding: the lambdas capture them
          IsaEnv env(isa);
          SCOPED_TRACE(std::string(isa) + " " + op + (relu ? " + Relu" : "") + " in " + std::to_string(pi.scale) + "/" +
                       std::to_string(pi.zp) + " out " + std::to_string(po.scale) + "/" + std::to_string(po.zp));
          auto graph = [&](OnnxBuilder& b, const std::string& x) {
            auto* n = b.Node(op, {x}, {"o"}, "op");
            if (op == "HardSigmoid") {
              SetFloat(n, "alpha", 0.3f);
              SetFloat(n, "beta", 0.45f);
            }
            if (relu) b.Node("Relu", {"o"}, {"r"}, "relu");
            QDQ(b, relu ? "r" : "o", "y", po);
            b.Output("y");
          };
          // 297 elements: every value, and an odd tail.
          const std::string describe = ExpectInt8PathEqualsFloatPath(graph, {1, 3, 11, 9}, AllInt8(297), pi);
          EXPECT_NE(describe.find("kernel int8: " + op + " 'op' (table)"), std::string::npos) << describe;
          EXPECT_EQ(describe.find("fp32: " + op), std::string::npos) << describe;
        }
}

TEST(OpsInt8Test, QdqXTimesOpOfXIsOneTableEqualToTheFloatPath) {
  // SiLU and HardSwish as quantize.py emits them: x → DQ → f → Q → DQ → Mul(DQ(x), ·) → Q. Both inputs of the Mul
  // derive from one int8 tensor: one table of x (f's own table is then dead), the same bits as the float path.
  for (const std::string op : {"Sigmoid", "HardSigmoid"})
    for (bool swapped : {false, true})
      for (bool relu : {false, true})
        for (const auto& params : kTableParams) {
          const QParams pi = params.first, po = params.second;  // not a structured binding: the lambdas capture them
          SCOPED_TRACE(op + (swapped ? " Mul(f(x), x)" : " Mul(x, f(x))") + (relu ? " + Relu" : "") + " in " +
                       std::to_string(pi.scale) + " out " + std::to_string(po.scale));
          const QParams pf = {1.f / 256, -128};  // f(x) in [0, 1]
          auto graph = [&](OnnxBuilder& b, const std::string& x) {
            b.Node(op, {x}, {"f"}, "f");
            QDQ(b, "f", "fd", pf);
            b.Node("Mul", swapped ? std::vector<std::string>{"fd", x} : std::vector<std::string>{x, "fd"}, {"m"},
                   "mul");
            if (relu) b.Node("Relu", {"m"}, {"r"}, "relu");
            QDQ(b, relu ? "r" : "m", "y", po);
            b.Output("y");
          };
          const std::string describe = ExpectInt8PathEqualsFloatPath(graph, {1, 2, 16, 8}, AllInt8(256), pi);
          EXPECT_NE(describe.find("kernel int8: Mul 'mul' (table: x * " + op + " 'f')"), std::string::npos) << describe;
          EXPECT_EQ(describe.find("'f' (table)"), std::string::npos) << "f's own table is dead\n" << describe;
        }
}

TEST(OpsInt8Test, QdqMulOfTwoInt8TensorsEqualsTheFloatPathWithBroadcast) {
  // Mul of two int8 activations: same shape, a squeeze-excite gate [N|1, C, 1, 1] against NHWC [N, C, H, W]
  // (either operand order), one value; a Relu after it. The kernel: DQ, one float multiply, clamp, Q as the float
  // path, so the same bits; every int8 value of the large operand against varied gates.
  struct Case {
    const char* name;
    std::vector<int64_t> a, b;
    bool swapped, relu;
  };
  const Case cases[] = {
      {"same shape", {1, 4, 8, 8}, {1, 4, 8, 8}, false, false},
      {"same shape + Relu", {1, 4, 8, 8}, {1, 4, 8, 8}, false, true},
      {"SE gate", {1, 24, 5, 3}, {1, 24, 1, 1}, false, false},
      {"SE gate first", {1, 24, 5, 3}, {1, 24, 1, 1}, true, true},
      {"batch gate", {2, 5, 7, 4}, {2, 5, 1, 1}, false, false},
      {"one gate for a batch", {2, 5, 7, 4}, {1, 5, 1, 1}, true, false},
      {"one value", {1, 3, 9, 10}, {1}, false, false},
      {"2-D", {7, 40}, {7, 40}, true, false},
  };
  for (const Case& k : cases)
    for (const auto& params : kTableParams) {
      const QParams pa = params.first, po = params.second;
      SCOPED_TRACE(std::string(k.name) + " a " + std::to_string(pa.scale) + " out " + std::to_string(po.scale));
      const QParams pb = {po.scale * 3, static_cast<int8_t>(-pa.zp / 2)};
      auto graph = [&](OnnxBuilder& b, const std::string& x, const std::string& g) {
        b.Node("Mul", k.swapped ? std::vector<std::string>{g, x} : std::vector<std::string>{x, g}, {"m"}, "mul");
        if (k.relu) b.Node("Relu", {"m"}, {"r"}, "relu");
        QDQ(b, k.relu ? "r" : "m", "y", po);
        b.Output("y");
      };
      size_t na = 1, nb = 1;
      for (int64_t d : k.a) na *= static_cast<size_t>(d);
      for (int64_t d : k.b) nb *= static_cast<size_t>(d);
      const auto qa = AllInt8(na);
      auto qb = RandomI8(nb, 777);
      OnnxBuilder i8;
      Int8Input(i8, "a", k.a, pa, "ad");
      Int8Input(i8, "g", k.b, pb, "gd");
      graph(i8, "ad", "gd");
      OnnxBuilder f32;
      f32.Input("a", k.a);
      f32.Input("g", k.b);
      graph(f32, "a", "g");
      std::string describe;
      auto got = RunModel<float, int8_t>(i8.Bytes(), {qa, qb}, &describe);
      auto want = RunModel(f32.Bytes(), std::vector<std::vector<float>>{Dequantized(qa, pa), Dequantized(qb, pb)});
      EXPECT_EQ(got, want);
      EXPECT_NE(describe.find("kernel int8: Mul 'mul'"), std::string::npos) << describe;
    }
}

namespace {

// Runs `graph` over int8 inputs (each behind a DequantizeLinear with its params) and over float inputs holding their
// dequantized values (no int8 pattern: today's DequantizeLinear → float op → QuantizeLinear path); expects the same
// bits and returns the int8 run's plan description.
template <typename BuildGraph>
std::string ExpectInt8InputsEqualFloatPath(const BuildGraph& graph, const std::vector<std::vector<int64_t>>& dims,
                                           const std::vector<QParams>& params,
                                           const std::vector<std::vector<int8_t>>& q) {
  OnnxBuilder i8, f32;
  std::vector<std::string> i8Names, f32Names;
  std::vector<std::vector<float>> floats;
  for (size_t i = 0; i < dims.size(); ++i) {
    const std::string name = "x" + std::to_string(i);
    Int8Input(i8, name, dims[i], params[i], name + "d");
    i8Names.push_back(name + "d");
    f32.Input(name, dims[i]);
    f32Names.push_back(name);
    floats.push_back(Dequantized(q[i], params[i]));
  }
  graph(i8, i8Names);
  graph(f32, f32Names);
  std::string describe;
  auto got = RunModel<float, int8_t>(i8.Bytes(), q, &describe);
  EXPECT_EQ(got, RunModel(f32.Bytes(), floats));
  return describe;
}

size_t Elements(const std::vector<int64_t>& dims) {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

}  // namespace

TEST(OpsInt8Test, QdqConcatOfInputsWithOtherParamsEqualsTheFloatPathBitForBit) {
  // Concat of int8 inputs whose params differ from the output's: each such input through its table of the float
  // path's DequantizeLinear → QuantizeLinear, an input with the output's params copied, [a Relu in the table]. Every
  // int8 value in each input, channel runs per pixel shorter and longer than the 32-byte lookup block (tails), along
  // C (NHWC: per pixel), H, and a 2-D tensor; each lookup variant.
  struct Case {
    const char* name;
    std::vector<std::vector<int64_t>> dims;
    int64_t axis;
  };
  const Case cases[] = {
      {"C", {{1, 3, 11, 9}, {1, 37, 11, 9}, {1, 5, 11, 9}}, 1},
      {"C batch 2", {{2, 33, 3, 5}, {2, 2, 3, 5}, {2, 64, 3, 5}}, 1},
      {"H", {{1, 4, 9, 9}, {1, 4, 7, 9}, {1, 4, 8, 9}}, 2},
      {"2-D", {{5, 61}, {5, 3}, {5, 70}}, 1},
  };
  for (const char* isa : Int8Variants())
    for (const Case& k : cases)
      for (bool relu : {false, true})
        for (const auto& params : kTableParams) {
          IsaEnv env(isa);
          const QParams pa = params.first, po = params.second;
          const QParams pc = {po.scale * 1.7f, static_cast<int8_t>(po.zp / 3 + 5)};
          SCOPED_TRACE(std::string(isa) + " " + k.name + (relu ? " + Relu" : "") + " a " + std::to_string(pa.scale) +
                       "/" + std::to_string(pa.zp) + " out " + std::to_string(po.scale) + "/" + std::to_string(po.zp));
          auto graph = [&](OnnxBuilder& b, const std::vector<std::string>& x) {
            SetInt(b.Node("Concat", x, {"cat"}, "cat"), "axis", k.axis);
            if (relu) b.Node("Relu", {"cat"}, {"r"}, "relu");
            QDQ(b, relu ? "r" : "cat", "y", po);
            b.Output("y");
          };
          std::vector<std::vector<int8_t>> q;
          for (const auto& d : k.dims) q.push_back(AllInt8(Elements(d)));
          const std::string describe = ExpectInt8InputsEqualFloatPath(graph, k.dims, {pa, po, pc}, q);
          EXPECT_NE(describe.find("kernel int8: Concat 'cat'"), std::string::npos) << describe;
          EXPECT_EQ(describe.find("fp32: Concat"), std::string::npos) << describe;
        }
}

TEST(OpsInt8Test, QdqSplitToOtherParamsEqualsTheFloatPathBitForBit) {
  // DequantizeLinear → Split → QuantizeLinear per output: each output's bytes copied (its params are the input's) or
  // through its table (other params, or a Relu before its Q), the same bits as the float path; odd parts along C
  // (NHWC: per pixel, shorter and longer than a lookup block) and W. The outputs are joined by a float Concat (the
  // runner reads one output).
  struct Case {
    const char* name;
    std::vector<int64_t> dims, parts;
    int64_t axis;
  };
  const Case cases[] = {
      {"C", {1, 41, 5, 3}, {7, 33, 1}, 1},
      {"W", {2, 3, 4, 19}, {5, 1, 13}, 3},
  };
  for (const char* isa : Int8Variants())
    for (const Case& k : cases)
      for (const auto& params : kTableParams) {
        IsaEnv env(isa);
        const QParams pi = params.first, po = params.second;
        SCOPED_TRACE(std::string(isa) + " " + k.name + " in " + std::to_string(pi.scale) + "/" + std::to_string(pi.zp) +
                     " out " + std::to_string(po.scale) + "/" + std::to_string(po.zp));
        auto graph = [&](OnnxBuilder& b, const std::string& x) {
          b.InitI64("parts", {static_cast<int64_t>(k.parts.size())}, k.parts);
          SetInt(b.Node("Split", {x, "parts"}, {"s0", "s1", "s2"}, "split"), "axis", k.axis);
          QDQ(b, "s0", "y0", pi);  // the input's params: a copy
          QDQ(b, "s1", "y1", po);
          b.Node("Relu", {"s2"}, {"r2"}, "relu");
          QDQ(b, "r2", "y2", po);
          SetInt(b.Node("Concat", {"y0", "y1", "y2"}, {"y"}, "join"), "axis", k.axis);
          b.Output("y");
        };
        const std::string describe = ExpectInt8PathEqualsFloatPath(graph, k.dims, AllInt8(Elements(k.dims)), pi);
        for (int i = 0; i < 3; ++i)
          EXPECT_NE(describe.find("kernel int8: Split 'split' output " + std::to_string(i)), std::string::npos)
              << describe;
      }
}

TEST(OpsInt8Test, ChannelShuffleIsOneChannelPermutationInInt8AndFp32) {
  // Reshape [N, C, H, W] → [N, g, C/g, H, W] → Transpose (0, 2, 1, 3, 4) → Reshape [N, C, H, W] (ShuffleNet; int8 with
  // a QuantizeLinear → DequantizeLinear of one params between the nodes) is one op: output channel j * g + i is input
  // channel i * C/g + j at every pixel. int8: the same bits as the float path; fp32: exactly the permutation. Two
  // groups (the interleave) with an odd C/g, three groups; a Reshape to another shape at the end is no shuffle.
  struct Case {
    const char* name;
    std::vector<int64_t> dims;
    int64_t groups;
    bool shuffle;  // else r2 reshapes to [N, C, H * W, 1]
  };
  const Case cases[] = {
      {"2 groups of 29", {1, 58, 5, 3}, 2, true},    {"2 groups of 3, batch 2", {2, 6, 4, 7}, 2, true},
      {"3 groups of 5", {1, 15, 6, 5}, 3, true},     {"4 groups of 16, batch 3", {3, 64, 2, 3}, 4, true},
      {"not back to NCHW", {1, 58, 5, 3}, 2, false},
  };
  for (const Case& k : cases) {
    const int64_t n = k.dims[0], c = k.dims[1], h = k.dims[2], w = k.dims[3], per = c / k.groups;
    const std::vector<int64_t> back = k.shuffle ? k.dims : std::vector<int64_t>{n, c, h * w, 1};
    const QParams p = {0.07f, -9};
    // In ONNX order, the shuffled channels: y[b, cc, pixel] = x[b, (cc % g) * per + cc / g, pixel].
    auto shuffled = [&](const auto& x) {
      std::remove_const_t<std::remove_reference_t<decltype(x)>> y(x.size());
      for (int64_t b = 0; b < n; ++b)
        for (int64_t cc = 0; cc < c; ++cc)
          for (int64_t i = 0; i < h * w; ++i)
            y[static_cast<size_t>((b * c + cc) * h * w + i)] =
                x[static_cast<size_t>((b * c + (cc % k.groups) * per + cc / k.groups) * h * w + i)];
      return y;
    };
    auto graph = [&](bool qdq) {
      return [&, qdq](OnnxBuilder& b, const std::string& x) {
        b.InitI64("split_shape", {5}, {n, k.groups, per, h, w});
        b.InitI64("back_shape", {4}, back);
        b.Node("Reshape", {x, "split_shape"}, {"r1"}, "r1");
        if (qdq) QDQ(b, "r1", "r1d", p);
        SetInts(b.Node("Transpose", {qdq ? "r1d" : "r1"}, {"t"}, "t"), "perm", {0, 2, 1, 3, 4});
        if (qdq) QDQ(b, "t", "td", p);
        b.Node("Reshape", {qdq ? "td" : "t", "back_shape"}, {qdq ? "r2" : "y"}, "r2");
        if (qdq) QDQ(b, "r2", "y", p);
        b.Output("y");
      };
    };
    SCOPED_TRACE(k.name);
    const std::string line = " Reshape 'r1' + Transpose + Reshape (channel shuffle)";
    const std::vector<int8_t> q = AllInt8(Elements(k.dims));
    OnnxBuilder i8;  // int8 input; the float path's reference: the same graph behind a float input
    Int8Input(i8, "x", k.dims, p, "xd");
    graph(true)(i8, "xd");
    OnnxBuilder ref;
    ref.Input("x", k.dims);
    graph(true)(ref, "x");
    std::string describe;
    const std::vector<float> got = RunModel<float, int8_t>(i8.Bytes(), {q}, &describe);
    EXPECT_EQ(got, RunModel(ref.Bytes(), std::vector<std::vector<float>>{Dequantized(q, p)}));
    EXPECT_EQ(got, shuffled(Dequantized(q, p)));
    EXPECT_EQ(describe.find("kernel int8:" + line) != std::string::npos, k.shuffle) << describe;
    OnnxBuilder f32;
    f32.Input("x", k.dims);
    graph(false)(f32, "x");
    const std::vector<float> x = RandomF(Elements(k.dims), 91, -3, 3);
    std::string fDescribe;
    EXPECT_EQ(RunModel(f32.Bytes(), std::vector<std::vector<float>>{x}, &fDescribe), shuffled(x));
    EXPECT_EQ(fDescribe.find("kernel fp32:" + line) != std::string::npos, k.shuffle) << fDescribe;
  }
}

TEST(OpsInt8Test, QdqBatchNormIsOneTablePerChannelEqualToTheFloatPathBitForBit) {
  // DequantizeLinear → BatchNormalization [→ Relu | Clip] → QuantizeLinear (DenseNet's pre-activation BN) on int8 is
  // one table of the 256 input values per channel: the same bits as the float path (DequantizeLinear, XNNPACK's
  // multiply and add, QuantizeLinear) over every input value in every channel (256 consecutive elements of a channel
  // hold all of them), several params, odd channel counts (a partial block of 64 channels), NHWC and (N, C), a tensor
  // large enough to run on two threads, each channel's own affine (negative, zero and large scales).
  // With AVX2 (unless NPULENS_HOSTNN_ISA=scalar) a per-channel affine computes the tables' bytes where Build found one
  // for all channels but a few (those looked up after it); where more miss, the op looks all its tables up. Channels
  // of the identity BN (scale 1, var 1, epsilon 0) between input scale 0.1 and output scale 0.2 miss: the exact
  // value of every odd input is a tie, which the float path's roundings break both ways.
  struct Case {
    const char* name;
    std::vector<int64_t> dims;
    int threads;
    int64_t ties;  // channels [0, ties) are the identity BN
  };
  const bool avx2 = hostnn::Int8IsaSupported(hostnn::Int8Isa::kAvx2);
  auto check = [&](const Case& k, const char* clamp, QParams pi, QParams po, const char* isa) {
    std::optional<IsaEnv> env;
    if (*isa) env.emplace(isa);
    SCOPED_TRACE(std::string(k.name) + " " + clamp + " in " + std::to_string(pi.scale) + "/" + std::to_string(pi.zp) +
                 " out " + std::to_string(po.scale) + "/" + std::to_string(po.zp) + " ISA '" + isa + "'");
    const int64_t channels = k.dims[1];
    std::vector<float> scale, bias, mean, var;
    for (int64_t c = 0; c < channels; ++c) {
      const bool tie = c < k.ties;
      scale.push_back(tie          ? 1.f
                      : c % 7 == 3 ? 0.f
                                   : static_cast<float>(c % 5) * 0.7f - 1.3f + static_cast<float>(c % 3) * 4.f);
      bias.push_back(tie ? 0.f : static_cast<float>(c % 9) * 0.25f - 1.f);
      mean.push_back(tie ? 0.f : static_cast<float>(c % 4) * po.scale * 3.f - 0.1f);
      var.push_back(tie ? 1.f : 0.05f + static_cast<float>(c % 6) * 0.5f);
    }
    auto graph = [&](OnnxBuilder& b, const std::string& x) {
      b.InitF("scale", {channels}, scale);
      b.InitF("bias", {channels}, bias);
      b.InitF("mean", {channels}, mean);
      b.InitF("var", {channels}, var);
      SetFloat(b.Node("BatchNormalization", {x, "scale", "bias", "mean", "var"}, {"bn"}, "bn"), "epsilon",
               k.ties ? 0.f : 1e-3f);
      std::string pre = "bn";
      if (std::string(clamp) == "Relu") {
        b.Node("Relu", {"bn"}, {"r"}, "relu");
        pre = "r";
      } else if (std::string(clamp) == "Clip") {
        b.InitF("lo", {}, {-0.5f});
        b.InitF("hi", {}, {1.5f});
        b.Node("Clip", {"bn", "lo", "hi"}, {"r"}, "clip");
        pre = "r";
      }
      QDQ(b, pre, "y", po);
      b.Output("y");
    };
    HostNN_SetThreadCount(k.threads);
    const std::string describe = ExpectInt8PathEqualsFloatPath(graph, k.dims, AllInt8(Elements(k.dims)), pi);
    HostNN_SetThreadCount(0);
    EXPECT_NE(describe.find("kernel int8: BatchNormalization 'bn' (tables)"), std::string::npos) << describe;
    EXPECT_EQ(describe.find("fp32: BatchNormalization"), std::string::npos) << describe;
    // Every channel but the identity ones has an affine: none looked up; 2 identity channels of 35 are, 3 too many.
    const char* line = !avx2 || *isa || k.ties > 2 ? "(tables)\n"
                       : k.ties == 2               ? "(tables) (AVX2 per-channel affine, 2 channels looked up)\n"
                                                   : "(tables) (AVX2 per-channel affine)\n";
    EXPECT_NE(describe.find(std::string("BatchNormalization 'bn' ") + line), std::string::npos) << describe;
  };
  const Case cases[] = {
      {"3 channels", {1, 3, 16, 16}, 1, 0},
      {"37 channels, batch 2", {2, 37, 16, 16}, 1, 0},
      {"(N, C) 67 channels", {256, 67}, 1, 0},
      {"131 channels, two threads", {1, 131, 32, 16}, 2, 0},
      {"1000 channels, two threads", {1, 1000, 16, 16}, 2, 0},
  };
  for (const char* isa : {"scalar", ""}) {
    for (const Case& k : cases)
      for (const char* clamp : {"", "Relu", "Clip"})
        for (const auto& params : kTableParams) check(k, clamp, params.first, params.second, isa);
    // 2 identity channels of 35: looked up after the affine; 3 of 35: all tables.
    for (int64_t ties : {2, 3})
      for (const char* clamp : {"", "Relu"})
        check({"ties", {1, 35, 16, 16}, 2, ties}, clamp, {0.1f, 0}, {0.2f, 0}, isa);
  }
}
