// int8 convolution (groups = 1, any kernel/stride/dilation/padding, NHWC) with AVX-512 VNNI (vpdpbusd). The 2022
// XNNPACK in Debian has no VNNI int8 kernels, so on CPUs that have VNNI this beats its int8 path (and its fp32
// path). Same arithmetic as XNNPACK's int8 convolution: int32 accumulation, float requantization with the
// multiplier x_scale * w_scale[c] / y_scale, round half to even, saturation.
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

namespace hostnn {

bool CpuHasVnni();

struct ConvGeometry2D {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c;
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
};

class ConvVnni {
 public:
  // w: OIHW int8 [out_c][in_c][kh][kw] (zero point 0); bias: int32 per output channel.
  ConvVnni(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* w_scale, float x_scale,
           int32_t x_zero_point, float y_scale, int32_t y_zero_point, int32_t qmin, int32_t qmax);
  // x: NHWC int8 (readable up to 3 bytes past its end); y: NHWC int8.
  void Run(const int8_t* x, int8_t* y, pthreadpool_t pool) const;
  void RunRows(const int8_t* x, int8_t* y, int64_t row_begin, int64_t rows) const;

 private:
  ConvGeometry2D g_;
  int64_t taps_, cp_, np_;
  std::vector<int8_t> packed_;     // [np/16][taps][cp/4][16][4]
  std::vector<int32_t> offset_;    // bias - (x_zp + 128) * sum(w), padded to np
  std::vector<float> multiplier_;  // padded to np
  std::vector<int8_t> padding_;    // cp + 4 bytes of the input zero point: what padded taps read
  int32_t y_zero_point_, qmin_, qmax_;
};

}  // namespace hostnn
