// Shared helpers for the host NN runtime tests: RAII owners for the C handles, a model runner, naive reference
// kernels (NCHW, float / int32-accumulating int8) and deterministic random data.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hostnn/hostnn.h"
#include "neural_network_runtime/neural_network_core.h"
#include "onnx_builder.h"
#include "random_data.h"  // RandomF, RandomI8

namespace hostnn_test {

// The smallest model the API tests build: x[1,2,3,3] → Relu → y.
inline std::string TinyModel() {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 3});
  b.Node("Relu", {"x"}, {"y"}, "relu");
  b.Output("y");
  return b.Bytes();
}

// x -> Relu 'relu' -> Sigmoid 'sig' -> y, graph "test" (OnnxBuilder's name): the OM dump and profiling tests' model.
inline std::string TwoOpModel() {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 3});
  b.Node("Relu", {"x"}, {"r"}, "relu");
  b.Node("Sigmoid", {"r"}, {"y"}, "sig");
  b.Output("y");
  return b.Bytes();
}

// A fresh folder /tmp/<prefix>XXXXXX (path empty if it could not be made), removed with everything in it.
struct ScratchDir {
  std::string path;
  explicit ScratchDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "XXXXXX";
    path = mkdtemp(&tmpl[0]) ? tmpl : "";
  }
  ~ScratchDir() { EXPECT_EQ(system(("rm -rf '" + path + "'").c_str()), 0); }
  bool Has(const std::string& file) const {
    struct stat st;
    return stat((path + "/" + file).c_str(), &st) == 0;
  }
};

struct CompilationDeleter {
  void operator()(OH_NNCompilation* c) const { OH_NNCompilation_Destroy(&c); }
};
struct ExecutorDeleter {
  void operator()(OH_NNExecutor* e) const { OH_NNExecutor_Destroy(&e); }
};
struct DescDeleter {
  void operator()(NN_TensorDesc* d) const { OH_NNTensorDesc_Destroy(&d); }
};
struct TensorDeleter {
  void operator()(NN_Tensor* t) const { OH_NNTensor_Destroy(&t); }
};
using Compilation = std::unique_ptr<OH_NNCompilation, CompilationDeleter>;
using Executor = std::unique_ptr<OH_NNExecutor, ExecutorDeleter>;
using Desc = std::unique_ptr<NN_TensorDesc, DescDeleter>;
using Tensor = std::unique_ptr<NN_Tensor, TensorDeleter>;

// Builds `model` on the CPU device; returns the build code (executor set on success).
inline OH_NN_ReturnCode BuildModel(const std::string& model, Executor* executor, std::string* error = nullptr) {
  Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
  if (!c) {
    if (error) *error = HostNN_GetLastErrorMessage();
    return OH_NN_FAILED;
  }
  OH_NN_ReturnCode rc = OH_NNCompilation_Build(c.get());
  if (error) *error = HostNN_GetLastErrorMessage();
  if (rc == OH_NN_SUCCESS && executor) executor->reset(OH_NNExecutor_Construct(c.get()));
  return rc;
}

struct Tensors {
  std::vector<Tensor> in, out;
  std::vector<NN_Tensor*> InPtrs() const {
    std::vector<NN_Tensor*> v;
    for (auto& t : in) v.push_back(t.get());
    return v;
  }
  std::vector<NN_Tensor*> OutPtrs() const {
    std::vector<NN_Tensor*> v;
    for (auto& t : out) v.push_back(t.get());
    return v;
  }
};

inline Tensors MakeTensors(OH_NNExecutor* e) {
  Tensors t;
  size_t ni = 0, no = 0;
  OH_NNExecutor_GetInputCount(e, &ni);
  OH_NNExecutor_GetOutputCount(e, &no);
  for (size_t i = 0; i < ni; ++i) {
    Desc d(OH_NNExecutor_CreateInputTensorDesc(e, i));
    t.in.emplace_back(OH_NNTensor_Create(0, d.get()));
  }
  for (size_t i = 0; i < no; ++i) {
    Desc d(OH_NNExecutor_CreateOutputTensorDesc(e, i));
    t.out.emplace_back(OH_NNTensor_Create(0, d.get()));
  }
  return t;
}

// Runs a model with raw input bytes; returns output 0 as T (and the executor's description and thread count when
// asked). Fails the test on any API error.
template <typename T = float, typename In>
std::vector<T> RunModel(const std::string& model, const std::vector<std::vector<In>>& inputs,
                        std::string* describe = nullptr, int* threads = nullptr) {
  Executor e;
  std::string err;
  OH_NN_ReturnCode rc = BuildModel(model, &e, &err);
  EXPECT_EQ(rc, OH_NN_SUCCESS) << err;
  if (rc != OH_NN_SUCCESS || !e) return {};
  if (describe) *describe = HostNN_DescribeExecutor(e.get());
  if (threads) *threads = HostNN_GetExecutorThreadCount(e.get());
  Tensors t = MakeTensors(e.get());
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t size = 0;
    OH_NNTensor_GetSize(t.in[i].get(), &size);
    EXPECT_EQ(size, inputs[i].size() * sizeof(In));
    std::memcpy(OH_NNTensor_GetDataBuffer(t.in[i].get()), inputs[i].data(),
                std::min(size, inputs[i].size() * sizeof(In)));
  }
  auto in = t.InPtrs(), out = t.OutPtrs();
  rc = OH_NNExecutor_RunSync(e.get(), in.data(), in.size(), out.data(), out.size());
  EXPECT_EQ(rc, OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  size_t size = 0;
  OH_NNTensor_GetSize(t.out[0].get(), &size);
  std::vector<T> r(size / sizeof(T));
  std::memcpy(r.data(), OH_NNTensor_GetDataBuffer(t.out[0].get()), r.size() * sizeof(T));
  return r;
}

inline void ExpectClose(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "element " << i;
}

// ---- naive references (NCHW) ----
struct ConvParams {
  int64_t strideH = 1, strideW = 1, dilH = 1, dilW = 1, padT = 0, padL = 0, padB = 0, padR = 0, group = 1;
};
inline int64_t ConvOut(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1) {
  return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}
// Returns the accumulation per output (double) so int8 tests can reuse it with integer inputs.
inline std::vector<double> RefConv(const std::vector<double>& x, int64_t n, int64_t c, int64_t h, int64_t w,
                                   const std::vector<double>& wt, int64_t oc, int64_t kh, int64_t kw,
                                   const std::vector<double>& bias, const ConvParams& p, int64_t* ohOut,
                                   int64_t* owOut) {
  int64_t oh = ConvOut(h, kh, p.strideH, p.dilH, p.padT, p.padB),
          ow = ConvOut(w, kw, p.strideW, p.dilW, p.padL, p.padR);
  int64_t icg = c / p.group, ocg = oc / p.group;
  std::vector<double> y(static_cast<size_t>(n * oc * oh * ow));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t yy = 0; yy < oh; ++yy)
        for (int64_t xx = 0; xx < ow; ++xx) {
          double acc = bias.empty() ? 0 : bias[o];
          int64_t g = o / ocg;
          for (int64_t i = 0; i < icg; ++i)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t iy = yy * p.strideH - p.padT + ky * p.dilH, ix = xx * p.strideW - p.padL + kx * p.dilW;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += x[((b * c + g * icg + i) * h + iy) * w + ix] * wt[((o * icg + i) * kh + ky) * kw + kx];
              }
          y[((b * oc + o) * oh + yy) * ow + xx] = acc;
        }
  *ohOut = oh;
  *owOut = ow;
  return y;
}

template <typename A>
std::vector<double> ToD(const std::vector<A>& v) {
  return std::vector<double>(v.begin(), v.end());
}
template <typename A>
std::vector<float> ToF(const std::vector<A>& v) {
  return std::vector<float>(v.begin(), v.end());
}

inline int8_t QuantizeRef(double v, double scale, int zp) {
  double q = std::nearbyint(v / scale) + zp;  // half to even (default rounding mode)
  return static_cast<int8_t>(std::min(127.0, std::max(-128.0, q)));
}

inline void ExpectWithin1(const std::vector<int8_t>& got, const std::vector<int8_t>& want) {
  ASSERT_EQ(got.size(), want.size());
  int worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(int(got[i]) - int(want[i])));
  EXPECT_LE(worst, 1) << "max |got - ref| in quantized units";
}

}  // namespace hostnn_test
