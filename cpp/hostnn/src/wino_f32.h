// fp32 Winograd F(4x4, 3x3) convolution: 3x3, stride 1, dilation 1, groups = 1, any padding and size, NHWC, with
// fused bias and min/max clamp (the geometry and clamp as conv_f32.h). Why: a 3x3 stride-1 convolution in conv_f32
// runs at 84-87% of the FMA peak, onnxruntime's MLAS im2col GEMM at 88-89%; F(4x4, 3x3) computes 16 outputs with 36
// multiplies per input x output channel instead of 144, so even at a lower share of the peak it takes less time.
// Points 0, +-1, +-2 and infinity (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks").
// Weights are transformed (G g G^T, in double) and packed at construction: [36][outC / 16][inC][16], output
// channels past outC zero. A run goes over blocks of 4x4 output tiles (of all images): the block's input transform
// (B^T d B, 6x6 input pixels a tile, zeros outside the image) into [36][tiles][inC], then per transform-domain
// element a GEMM (tiles x inC) . (inC x 16 channels) in a 6x16 FMA register tile (as conv_f32's), then the output
// transform (A^T m A) with bias and clamp into the output pixels inside the image. Tasks over blocks of tiles (and
// 16-channel blocks of output channels when there are few tile blocks) on the pthreadpool; per-thread grow-only
// scratch. Variants: AVX-512 (the GEMM in a 12 tiles x 32 channels zmm tile, 24 accumulators, tile blocks sized from
// multiples of 12; the transforms run their 8-lane AVX2 code), AVX2+FMA and portable C++ (the same arithmetic;
// ops/conv.cpp uses the x86 ones, other CPUs keep conv_f32). The rounding error is a few times a
// direct convolution's (wino_f32_test.cpp); a NaN or infinite input makes its tiles' 16 outputs NaN, not only those it
// reaches.
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

#include "conv_f32.h"  // F32Isa, ConvGeometry2D

namespace hostnn {

class WinogradF32 {
 public:
  // 3x3, stride 1, dilation 1 (groups = 1 is the caller's part): the geometries this kernel computes.
  static bool Supports(const ConvGeometry2D& g);
  // g: Supports(g); w: OIHW [outC][inC][3][3]; bias: outC floats or nullptr (zero); outMin <= outMax.
  WinogradF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax, F32Isa isa);
  // x: NHWC [batch][inH][inW][inC]; y: NHWC [batch][outH][outW][outC].
  void Run(const float* x, float* y, pthreadpool_t pool) const;
  // Tiles [tileBegin, tileBegin + tiles) (numbered over images, tile rows, tile columns), output channels
  // [16 outBlockBegin, 16 outBlockEnd) (past outC: computed, not stored), in chunks of at most 64 output channels.
  void RunBlock(const float* x, float* y, int64_t tileBegin, int64_t tiles, int64_t outBlockBegin,
                int64_t outBlockEnd) const;
  F32Isa isa() const { return isa_; }

 private:
  ConvGeometry2D g_;
  F32Isa isa_;
  int64_t tilesH_, tilesW_, tiles_;  // 4x4 output tiles per column, row, and in all (all images)
  int64_t paddedC_;                  // outC rounded up to 16
  int64_t blockTiles_;               // tiles per block (Run)
  std::vector<float> packed_;        // [36][paddedC_ / 16][inC][16]
  std::vector<float> bias_;          // [paddedC_]
  float lo_, hi_;
};

}  // namespace hostnn
