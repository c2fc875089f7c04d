// int8 3x3 stride-1 convolution (groups = 1, dilation 1, any padding, NHWC) by Winograd F(2x2, 3x3) in exact integer
// arithmetic, AVX2. Why: the exact AVX2 kernel (qconv_int8.h, vpmaddwd) is bound by multiplies; a 2x2 output tile
// takes 16 per input/output channel pair here instead of 36. With G' = 2G the transforms are integer:
// d = x - x_zero_point in [-255, 255] (padding 0), V = B^T d B (|V| <= 1020), U' = G' g G'^T = 4U (|U'| <= 9 * 128),
// both int16; M' = sum over input channels of U' * V in int32 (vpmaddwd over channel pairs), Y' = A^T M' A = 4 Y.
// Every step is a ring operation modulo 2^32, so Y' is 4 Y modulo 2^32, exact while |4 Y| < 2^31 (Handles bounds
// in_c for that); Y = Y' >> 2, + bias (wrapping) is the direct kernel's accumulator bit for bit, and the
// requantization is the same (requant_avx2.h): the output equals QConvInt8's for every input (wino_int8_test.cpp).
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

#include "qconv_int8.h"

namespace hostnn {

class QWinogradInt8 {
 public:
  // Whether the kernel computes g with `isa`: AVX2 (x86-64), a 3x3 kernel, stride 1, dilation 1, and few enough
  // input channels that 4 * in_c * 9 * 255 * 128 < 2^31 (the exactness bound above).
  static bool Handles(const ConvGeometry2D& g, Int8Isa isa);
  // The label the plan description and profile show for it.
  static const char* Label() { return "AVX2 Winograd F(2x2,3x3)"; }
  // Arguments as QConvInt8's (w: OIHW int8, zero point 0; -128 <= qmin <= qmax <= 127); std::logic_error unless
  // Handles(g, Int8Isa::kAvx2). The weights are transformed and packed here.
  QWinogradInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
                int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax);
  // x, y: NHWC int8. The transformed input V ([tile][16][in_c rounded up to even] int16) goes to *scratch (grown as
  // needed, never shrunk: one buffer serves all the int8 convolutions of a plan, run one by one). One pool call over
  // chunks of tiles x groups of output channel blocks.
  void Run(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const;

 private:
  struct Context;
  static void Task(void* context, size_t chunk, size_t group);
  // V of tiles [tileBegin, tileEnd).
  void TransformInput(const int8_t* x, int16_t* v, int64_t tileBegin, int64_t tileEnd) const;
  // The GEMMs and the output transform of tiles [tileBegin, tileEnd) x output channel blocks [blockBegin, blockEnd).
  void Compute(const int16_t* v, int8_t* y, int64_t tileBegin, int64_t tileEnd, int64_t blockBegin,
               int64_t blockEnd) const;

  ConvGeometry2D g_;
  int64_t tilesH_, tilesW_, tiles_;  // 2x2 output tiles: per image ceil(out_h / 2) x ceil(out_w / 2)
  int64_t cp_, np_;                  // in_c rounded up to 2, out_c to 16
  int64_t chunkTiles_;               // tiles per task
  std::vector<int16_t> packed_;      // U': [np / 16][16 positions][cp / 2][16][2], zero in the padding
  std::vector<int32_t> bias_;        // padded to np
  std::vector<float> multiplier_;    // x_scale * w_scale[o] / y_scale in float, padded to np
  std::vector<int8_t> padding_;      // in_c bytes of x_zero_point: the taps outside the input read it (d = 0)
  int32_t xZeroPoint_, yZeroPoint_;
  float lo_, hi_;  // qmin - y_zero_point, qmax - y_zero_point
};

}  // namespace hostnn
