// The naive fp32 convolution reference of the convolution kernel tests (conv_f32_test.cpp, wino_f32_test.cpp): NHWC
// input and output, OIHW weights, accumulated in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "qconv_int8.h"  // ConvGeometry2D

namespace hostnn_test {

using hostnn::ConvGeometry2D;

// The exact result (double accumulation of float products) and, per output, the bound on the float kernel's error:
// a sum of n = inC / groups * kh * kw products plus the bias and a residual, each step (FMA or product then add)
// rounding once or twice, differs from the exact sum by at most gamma(2n + 2) * (sum of |x * w| + |bias| +
// |residual|) with gamma(k) = k u / (1 - k u), u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 3.1);
// clamping only shrinks the error. The bound holds for any summation order, so it cannot fail a correct kernel, while a
// wrong tap, channel or clamp moves an output by the size of a term (about 0.1 here), tens of thousands of times the
// bound.
struct Reference {
  std::vector<double> y, bound;
};
// Output channel o of `groups` reads input channels [o / (outC / groups) * icg, + icg), icg = inC / groups. A
// residual (y's shape) is one more term of the sum, before the clamp.
inline Reference Naive(const ConvGeometry2D& g, const std::vector<float>& x, const std::vector<float>& w,
                       const std::vector<float>& bias, float lo, float hi, int64_t groups = 1,
                       const std::vector<float>* residual = nullptr) {
  Reference r;
  const size_t n = static_cast<size_t>(g.batch * g.outH * g.outW * g.outC);
  r.y.resize(n);
  r.bound.resize(n);
  const int64_t icg = g.inC / groups, ocg = g.outC / groups;
  const double u = std::ldexp(1.0, -24), k = static_cast<double>(2 * icg * g.kernelH * g.kernelW + 2);
  const double gamma = k * u / (1 - k * u);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox)
        for (int64_t o = 0; o < g.outC; ++o) {
          double acc = bias[static_cast<size_t>(o)], mag = std::fabs(acc);
          for (int64_t c = 0; c < icg; ++c)
            for (int64_t ky = 0; ky < g.kernelH; ++ky)
              for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
                const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                const double p =
                    static_cast<double>(
                        x[static_cast<size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC + o / ocg * icg + c)]) *
                    w[static_cast<size_t>(((o * icg + c) * g.kernelH + ky) * g.kernelW + kx)];
                acc += p;
                mag += std::fabs(p);
              }
          const size_t i = static_cast<size_t>(((b * g.outH + oy) * g.outW + ox) * g.outC + o);
          if (residual) {
            acc += (*residual)[i];
            mag += std::fabs((*residual)[i]);
          }
          r.y[i] = std::min<double>(std::max<double>(acc, lo), hi);
          r.bound[i] = gamma * mag;
        }
  return r;
}

}  // namespace hostnn_test
