// Depthwise convolutions (groups = input channels = output channels, multiplier 1; any kernel size up to kDwMaxTaps
// taps, stride, dilation and padding; NHWC), int8 and fp32. Tests: dwconv_test.cpp.
//
// int8 (DwConvInt8). Why our own: Debian's 2022 XNNPACK ran MobileNetV2's int8 depthwise layers at 10-12 GMAC/s,
// behind onnxruntime's. The arithmetic is qconv_int8.h's (exact int32 sums, the same float requantization), so
// results are bit-identical to it. Weights are packed at construction in blocks of 8 channels, taps inner; a padded
// tap reads a padding row of the input zero point, so the channel loops have no padding branches. Variants: AVX2 (two
// taps' int8 interleaved, sign-extended to int16, vpmaddwd against the taps' interleaved weights; two adjacent output
// pixels per weight load), its row kernel (DwInt8RowKernel: kernel rows in pairs, each input column loaded and widened
// once per pair for all the outputs of a group that read it), AVX-512 VNNI with VBMI (DwInt8Vnni: 3x3 and 5x5, stride 1
// from 32 channels, stride 2 from 128; weights in blocks of 16 channels; per output row the kernel rows are interleaved
// 4 to a 32-bit lane, flipped to uint8, into a per-thread buffer, then vpdpbusd: 16 channels x 4 kernel rows per
// instruction) and portable C++, picked from the plan's Int8Isa and the shape (DwInt8Label). The AVX2
// requantization is requant_avx2.h's, 2-4 pixels (or blocks) per pack and store, clamping the rounded integers where
// the weights, bias and multipliers keep every product within 2^30 (integerClamp, QConvInt8's rule), else the floats
// (VNNI: always the floats, 16 channels per pixel). Threads split output rows.
//
// fp32 (DwConvF32). Why our own: XNNPACK 2022's fp32 depthwise kernels (one output pixel at a time, every weight
// loaded again for each pixel: two loads per FMA) ran MobileNetV3's layers at 9-15 GMAC/s, behind onnxruntime's
// NCHWc ones. Weights are packed at construction in blocks of 8 channels, [block][ky][kx][8]. An output row is
// computed in groups of adjacent output pixels, 8 of them for one block of channels (4 for two blocks, 2 or 1 for
// four: always 8 accumulators, the FMA chains the latency needs); per kernel row the group's weights sit in
// registers and each input pixel the group's windows cover is loaded once and used by every output pixel whose window
// holds it (3x3 stride 1, 8 pixels: 10 loads for 24 FMAs). Vertical padding: the kernel rows outside the input are
// skipped (a range per output row); horizontal padding: a group whose windows cross the row's edge skips the input
// columns outside it (a branch per column; the interior has no branch). Bias and the output clamp (a fused
// Relu/Clip) are applied before the store; the last block of a channel count that is not a multiple of 8 uses masked
// loads and stores. Variants: AVX2+FMA (also under AVX-512; 3x3 and 5x5 kernels of stride 1 or 2 without horizontal
// dilation compiled for their shape; other kernels through a generic loop, 4 pixels per weight load) and portable C++,
// picked from the plan's F32Isa. Threads split output rows (and channel blocks when there are fewer than 4 rows per
// thread), one pool call per run. Where it runs instead of XNNPACK: ops/conv.cpp (OursF32Depthwise).

#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

#include "conv_f32.h"
#include "qconv_int8.h"

namespace hostnn {

// The tap pointers of an output pixel live on the stack: 64 covers kernels up to 8x8.
constexpr int64_t kDwMaxTaps = 64;

// Whether a convolution is one these kernels run: depthwise (groups = channels; 1 channel included), multiplier 1,
// at most kDwMaxTaps taps.
bool IsDepthwise(const ConvGeometry2D& g, int64_t groups);
// The variant these kernels run for the plan's ISA: AVX2 where Int8IsaUsesAvx2, portable otherwise. Label: "AVX2
// depthwise" or "scalar depthwise".
const char* DwIsaLabel(bool avx2);
// Whether DwConvInt8 runs g in its AVX2 row kernel (DwConvInt8::rowKernel): AVX2, at least 8 channels, a kernel 3 or
// 5 wide, no horizontal dilation, stride 1 or 2, any number of output columns (since its accumulators stay in
// registers, against the per-pixel kernel, one call on CPU 0: 3x3 960ch@7 0.78x its time, 576ch@14 stride 2 0.81x,
// 5x5 1152ch@7 0.76x, 672ch@14 stride 2 0.76x, 960ch at 1-3 columns 0.83-0.90x), and not the VNNI variant.
bool DwInt8RowKernel(const ConvGeometry2D& g, Int8Isa isa);
// Whether DwConvInt8 runs g in its AVX-512 VNNI variant (Int8Isa::kAvx512Vnni only).
bool DwInt8Vnni(const ConvGeometry2D& g, Int8Isa isa);
// The label of the variant DwConvInt8 runs g in: "AVX-512 VNNI depthwise" where DwInt8Vnni, else DwIsaLabel's.
const char* DwInt8Label(const ConvGeometry2D& g, Int8Isa isa);

class DwConvInt8 {
 public:
  // w: [c][kh][kw] int8 (zero point 0); bias: int32 per channel; -128 <= qmin <= qmax <= 127.
  DwConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
             int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa);
  // x, y: NHWC int8 (no slack needed). One pool call over output rows; allocates nothing.
  void Run(const int8_t* x, int8_t* y, pthreadpool_t pool) const;
  // Output rows (batch * outH of them) [rowBegin, rowBegin + rows).
  void RunRows(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const;
  // The AVX2 variants (per pixel or row kernel), not the VNNI one.
  bool avx2() const { return avx2_; }
  bool vnni() const { return vnni_; }
  // The AVX2 row kernel (DwInt8RowKernel) rather than the per-pixel one.
  bool rowKernel() const { return rowKernel_; }
  // AVX2: the requantization clamps the rounded integers (QConvInt8::integerClamp's rule, on the AVX2 blocks'
  // channels); otherwise the floats.
  bool integerClamp() const { return intClamp_; }

 private:
  // Channels [chBegin, c) of one output pixel whose taps are `taps`, in portable C++.
  void ScalarChannels(const int8_t* const* taps, int64_t chBegin, int8_t* out) const;

  ConvGeometry2D g_;
  bool avx2_, vnni_, rowKernel_;
  bool intClamp_ = false;            // integerClamp()
  int64_t taps_, pairs_, blocks_;    // kh * kw; ceil(taps / 2); channels / 8 (the AVX2 blocks; the rest is scalar)
  int64_t rowPairs_;                 // ceil(kh / 2)
  std::vector<int16_t> packed_;      // AVX2 per pixel: [blocks][pairs][8][2], tap 2p then 2p + 1 (0 past the last tap)
  std::vector<int16_t> packedRows_;  // AVX2 row kernel: [blocks][rowPairs][kw][8][2], rows 2rp, 2rp + 1 (0 past kh)
  int64_t quads_, vnniBlocks_;       // VNNI: ceil(kh / 4); ceil(c / 16)
  std::vector<int8_t> packedVnni_;   // VNNI: [vnniBlocks][quads][kw][16][4], rows 4q .. 4q + 3 (0 past kh or c)
  std::vector<int32_t> offsetVnni_;  // VNNI: bias - (x_zero_point + 128) * sum(w) (wrapping), 16 * vnniBlocks
  std::vector<int8_t> w_;            // [c][taps]: the scalar variant and the AVX2 one's last c % 8 channels
  std::vector<int32_t> offset_;      // bias - x_zero_point * sum(w) (wrapping): the sums multiply x itself
  std::vector<float> multiplier_;    // x_scale * w_scale[c] / y_scale (float); VNNI: 0 past c to 16 * vnniBlocks
  // c + 8 (row kernel, VNNI: max(c + 8, in_w * c)) bytes of x_zero_point: a padded tap/row
  std::vector<int8_t> padding_;
  int32_t yZeroPoint_, qmin_, qmax_;
  float lo_, hi_;  // qmin - y_zero_point, qmax - y_zero_point
};

class DwConvF32 {
 public:
  // w: [c][kh][kw] (ONNX's [c][1][kh][kw]); bias: c floats or nullptr (zero); outMin <= outMax (+-infinity: no clamp).
  // The AVX2 variant's label is DwIsaLabel(true), the portable one's DwIsaLabel(false).
  DwConvF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax, F32Isa isa);
  // x, y: NHWC fp32 (no slack needed). One pool call over output rows (and channel blocks when there are fewer than
  // 4 rows per thread); allocates nothing.
  void Run(const float* x, float* y, pthreadpool_t pool) const;
  // Output rows (batch * outH of them) [rowBegin, rowBegin + rows), channel blocks [blockBegin, blockEnd) of 8.
  void RunTile(const float* x, float* y, int64_t rowBegin, int64_t rows, int64_t blockBegin, int64_t blockEnd) const;
  F32Isa isa() const { return isa_; }

 private:
  ConvGeometry2D g_;
  F32Isa isa_;
  int64_t taps_, blocks_;      // kh * kw; ceil(c / 8)
  int64_t left_, right_;       // output columns [left_, right_) read only input columns inside the row
  std::vector<float> packed_;  // [blocks][kh][kw][8], channels past c zero
  std::vector<float> bias_;    // blocks * 8, zero past c
  float lo_, hi_;
};

}  // namespace hostnn
