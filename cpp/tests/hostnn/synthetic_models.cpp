#include "synthetic_models.h"

#include <cmath>
#include <random>
#include <vector>

#include "onnx_builder.h"

namespace hostnn_test {
namespace {

class MobileNetV2Builder {
 public:
  explicit MobileNetV2Builder(bool int8) : int8_(int8), rng_(7) {}

  std::string Build() {
    b_.Input("input", {1, 3, 224, 224});
    std::string x = "input";
    if (int8_) x = QDQ(x, 0.02f, 0);  // the image after mean/std normalisation
    x = Conv(x, 3, 32, 3, 2, 1, true);
    int64_t c = 32;
    const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                           {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    for (const auto& k : cfg)
      for (int i = 0; i < k[2]; ++i) {
        int64_t stride = i == 0 ? k[3] : 1, hidden = c * k[0];
        std::string y = x;
        if (k[0] != 1) y = Conv(y, c, hidden, 1, 1, 1, true);
        y = Conv(y, hidden, hidden, 3, stride, hidden, true);
        y = Conv(y, hidden, k[1], 1, 1, 1, false);
        if (stride == 1 && c == k[1]) y = Add(x, y);
        x = y;
        c = k[1];
      }
    x = Conv(x, c, 1280, 1, 1, 1, true);
    std::string g = Name("gap");
    b_.Node("GlobalAveragePool", {x}, {g}, g);
    if (int8_) g = QDQ(g, 6.f / 255, -128);
    std::string f = Name("flatten");
    b_.Node("Flatten", {g}, {f}, f);
    if (int8_) f = QDQ(f, 6.f / 255, -128);
    std::string logits = Gemm(f, 1280, 1000);
    b_.proto().mutable_graph()->mutable_node(b_.proto().graph().node_size() - 1)->set_output(0, "logits");
    b_.Output("logits");
    return b_.Bytes();
  }

 private:
  OnnxBuilder b_;
  bool int8_;
  std::mt19937 rng_;
  int counter_ = 0;
  float actScale_ = 0.02f;  // scale of the tensor most recently produced (int8)

  std::string Name(const std::string& p) { return p + "_" + std::to_string(counter_++); }

  std::string QDQ(const std::string& in, float s, int8_t zp) {
    std::string n = Name("q");
    b_.InitF(n + "_s", {}, {s});
    b_.InitI8(n + "_z", {}, {zp});
    b_.Node("QuantizeLinear", {in, n + "_s", n + "_z"}, {n + "_q"}, n + "_quant");
    b_.Node("DequantizeLinear", {n + "_q", n + "_s", n + "_z"}, {n}, n + "_dequant");
    actScale_ = s;
    return n;
  }

  // Weights as int8 per-output-channel + scales; fp32 models get the same values dequantized.
  std::string Weights(const std::string& n, const std::vector<int64_t>& dims, int64_t fanIn,
                      std::vector<float>* scales) {
    int64_t oc = dims[0], per = 1;
    for (size_t i = 1; i < dims.size(); ++i) per *= dims[i];
    std::uniform_int_distribution<int> d(-127, 127);
    std::vector<int8_t> q(static_cast<size_t>(oc * per));
    for (auto& v : q) v = static_cast<int8_t>(d(rng_));
    scales->resize(static_cast<size_t>(oc));
    for (int64_t o = 0; o < oc; ++o)
      (*scales)[o] = (1.5f + 0.1f * static_cast<float>(o % 7)) / (127.f * std::sqrt(static_cast<float>(fanIn)));
    if (!int8_) {
      std::vector<float> f(q.size());
      for (size_t i = 0; i < q.size(); ++i) f[i] = q[i] * (*scales)[i / per];
      b_.InitF(n, dims, f);
      return n;
    }
    b_.InitI8(n + "_q", dims, q);
    b_.InitF(n + "_s", {oc}, *scales);
    b_.InitI8(n + "_z", {oc}, std::vector<int8_t>(static_cast<size_t>(oc), 0));
    SetInt(b_.Node("DequantizeLinear", {n + "_q", n + "_s", n + "_z"}, {n}, n + "_dequant"), "axis", 0);
    return n;
  }

  std::string Bias(const std::string& n, const std::vector<float>& wScales) {
    size_t oc = wScales.size();
    std::uniform_real_distribution<float> d(-0.1f, 0.1f);
    std::vector<float> real(oc);
    for (auto& v : real) v = d(rng_);
    if (!int8_) {
      std::vector<float> f(oc);
      for (size_t o = 0; o < oc; ++o)
        f[o] = std::nearbyint(real[o] / (actScale_ * wScales[o])) * actScale_ * wScales[o];
      b_.InitF(n, {static_cast<int64_t>(oc)}, f);
      return n;
    }
    std::vector<int32_t> q(oc);
    std::vector<float> s(oc);
    for (size_t o = 0; o < oc; ++o) {
      s[o] = actScale_ * wScales[o];
      q[o] = static_cast<int32_t>(std::nearbyint(real[o] / s[o]));
    }
    b_.InitI32(n + "_q", {static_cast<int64_t>(oc)}, q);
    b_.InitF(n + "_s", {static_cast<int64_t>(oc)}, s);
    b_.InitI32(n + "_z", {static_cast<int64_t>(oc)}, std::vector<int32_t>(oc, 0));
    SetInt(b_.Node("DequantizeLinear", {n + "_q", n + "_s", n + "_z"}, {n}, n + "_dequant"), "axis", 0);
    return n;
  }

  std::string Conv(const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t group,
                   bool relu6) {
    std::string n = Name("conv");
    std::vector<float> ws;
    std::string w = Weights(n + "_w", {cout, cin / group, k, k}, cin / group * k * k, &ws);
    std::string b = Bias(n + "_b", ws);
    auto* node = b_.Node("Conv", {x, w, b}, {n}, n);
    SetInts(node, "kernel_shape", {k, k});
    SetInts(node, "strides", {stride, stride});
    SetInts(node, "pads", {k / 2, k / 2, k / 2, k / 2});
    SetInt(node, "group", group);
    std::string y = n;
    if (relu6) {
      if (!floatConsts_) {
        b_.InitF("zero", {}, {0.f});
        b_.InitF("six", {}, {6.f});
        floatConsts_ = true;
      }
      y = Name("clip");
      b_.Node("Clip", {n, "zero", "six"}, {y}, y);
    }
    if (int8_) y = relu6 ? QDQ(y, 6.f / 255, -128) : QDQ(y, 0.08f, 0);
    return y;
  }

  std::string Add(const std::string& a, const std::string& c) {
    std::string n = Name("add");
    b_.Node("Add", {a, c}, {n}, n);
    return int8_ ? QDQ(n, 0.1f, 0) : n;
  }

  std::string Gemm(const std::string& x, int64_t k, int64_t nOut) {
    std::string n = Name("fc");
    std::vector<float> ws;
    std::string w = Weights(n + "_w", {nOut, k}, k, &ws);
    std::string b = Bias(n + "_b", ws);
    SetInt(b_.Node("Gemm", {x, w, b}, {n}, n), "transB", 1);
    if (!int8_) return n;
    return QDQ(n, 0.1f, 0);
  }

  bool floatConsts_ = false;
};

}  // namespace

std::string MobileNetV2Onnx(bool int8) { return MobileNetV2Builder(int8).Build(); }

}  // namespace hostnn_test
