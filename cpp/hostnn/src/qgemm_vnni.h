// int8 pointwise (1x1, stride 1, no padding) convolution with AVX-512 VNNI (vpdpbusd). The 2022 XNNPACK in
// Debian has no VNNI int8 kernels, so on CPUs that have VNNI this runs those convolutions ~2x faster than its
// int8 path. Same arithmetic as the QDQ reference: int32 accumulation, float requantization, round half even.
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

namespace hostnn {

bool CpuHasVnni();

class PointwiseConvVnni {
 public:
  // w: [n][k] int8 (zero point 0); bias: int32 per output channel; w_scale per output channel.
  // Output = saturate(round(acc * x_scale * w_scale[c] / y_scale) + y_zero_point), clamped to [qmin, qmax].
  PointwiseConvVnni(const int8_t* w, const int32_t* bias, const float* w_scale, int64_t n, int64_t k, float x_scale,
                    int32_t x_zero_point, float y_scale, int32_t y_zero_point, int32_t qmin, int32_t qmax);
  // x: [m][k] int8 rows (readable up to 3 bytes past the last row); y: [m][n] int8.
  void Run(const int8_t* x, int8_t* y, int64_t m, pthreadpool_t pool) const;

  void RunRows(const int8_t* x, int8_t* y, int64_t row_begin, int64_t rows) const;

 private:
  int64_t n_, k_, kp_, np_;
  std::vector<int8_t> packed_;     // [np/16][kp/4][16][4]
  std::vector<int32_t> offset_;    // bias - (x_zp + 128) * sum(w), padded to np
  std::vector<float> multiplier_;  // x_scale * w_scale / y_scale, padded to np
  int32_t y_zero_point_, qmin_, qmax_;
};

}  // namespace hostnn
