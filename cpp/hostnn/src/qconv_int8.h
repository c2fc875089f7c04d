// int8 convolution (groups = 1, any kernel/stride/dilation/padding, NHWC); an int8 fully connected layer is a 1x1
// convolution over [rows, 1, 1, K]. One arithmetic on every CPU, the one of onnxruntime's QDQ (QLinearConv) run:
// exact int32 accumulation of (x - x_zero_point) * w + bias, float requantization with the multiplier
// x_scale * w_scale[c] / y_scale (computed in float), the product clamped in float to [qmin, qmax] - y_zero_point,
// rounded half to even, plus y_zero_point. Variants, picked at runtime by what the CPU has: AVX-512 VNNI
// (vpdpbusd on the input flipped once to uint8, x + 128, in register tiles of up to 6 pixels x 4 blocks of 16
// outputs), AVX-VNNI (the same packing and input in ymm tiles of up to 6 pixels x 16 outputs; qconv_int8_avxvnni.h),
// AVX2 (int8 sign-extended to int16, vpmaddwd: exact, unlike vpmaddubsw which saturates), on aarch64
// NEON with the dot-product extension (sdot) or plain NEON (smull + sadalp; qconv_int8_neon.cpp), and portable C++
// (other CPUs). Debian's 2022 XNNPACK has no VNNI int8 kernels and no per-channel int8 FC, and its int8 results
// differ from onnxruntime's; every variant gives the same bits (tests: qconv_int8_test.cpp, also run on aarch64
// under qemu-aarch64 by scripts/test.d/15-aarch64.sh).
#pragma once

#include <pthreadpool.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hostnn {

enum class Int8Isa { kScalar, kAvx2, kAvxVnni, kAvx512Vnni, kNeon, kNeonDot };

bool Int8IsaSupported(Int8Isa isa);
// The x86 int8 ISAs (AVX2, AVX-VNNI, AVX-512 VNNI): where the int8 kernels without a VNNI variant of their own
// (depthwise, tables, BatchNormalization's affine) run their AVX2 code.
inline bool Int8IsaUsesAvx2(Int8Isa isa) {
  return isa == Int8Isa::kAvx2 || isa == Int8Isa::kAvxVnni || isa == Int8Isa::kAvx512Vnni;
}
// "scalar", "AVX2", "AVX-VNNI", "AVX-512 VNNI", "NEON", "NEON dotprod" (the plan description shows it).
const char* Int8IsaLabel(Int8Isa isa);
// The fastest supported variant, unless env NPULENS_HOSTNN_ISA (tests: scalar, avx2, avxvnni, vnni, neon, neondot)
// names another one (the fp32-only name avx512 leaves the fastest); std::runtime_error when it names an unknown or
// unsupported one.
Int8Isa SelectInt8Isa();

// Two's complement wrap-around without signed overflow: every variant computes the accumulator modulo 2^32
// (equal to the exact sum whenever that fits in int32, as onnxruntime's int32 accumulation assumes).
inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t WrapMul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// What the AVX2 int8 kernels (this and wino_int8.h) let a chunk's weights or input take of a core's L2 (512 KiB on
// Zen 2/3, 1-2 MiB on Intel's).
inline constexpr int64_t kAvx2L2Bytes = 256 * 1024;

// The requantization every variant implements lane by lane: float(acc) * m (float), max(., lo) then min(., hi) with
// the SSE semantics (a NaN product becomes lo), round half to even, + zero point.
inline int8_t Requantize(int32_t acc, float m, float lo, float hi, int32_t zp) {
  float f = static_cast<float>(acc) * m;
  f = f > lo ? f : lo;
  f = f < hi ? f : hi;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + zp);
}

struct ConvGeometry2D {
  int64_t batch, inH, inW, inC, outH, outW, outC;
  int64_t kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft;
};

class QConvInt8 {
 public:
  // w: OIHW int8 [out_c][in_c][kh][kw] (zero point 0); bias: int32 per output channel; -128 <= qmin <= qmax <= 127.
  QConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
            int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa);
  // x: NHWC int8 (readable up to 3 bytes past its end); y: NHWC int8. The AVX2 variant first widens x - x_zp to
  // int16 into *scratch (resized as needed; one buffer can serve all the convolutions of a plan, run one by one), the
  // VNNI variant flips x to uint8 (x + 128) there: the input with its padding around it, or for a 1x1 kernel without
  // padding the input pixels it reads.
  void Run(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const;
  // Output pixels [rowBegin, rowBegin + rows) of the variants other than AVX2 and VNNI.
  void RunRows(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const;
  // Run of the AVX-VNNI variant, its tiles' vpdpbusd ymm being Dot::Add (qconv_int8_avxvnni.h): Run uses the VEX
  // encoding (DotAvxVnni); the two VNNI variants pack alike, so a convolution built for either runs here, which lets
  // a CPU with AVX-512 VNNI run these tiles with the EVEX encoding of the same instruction (the tests do).
  template <class Dot>
  void RunAvxVnni(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const;
  Int8Isa isa() const { return isa_; }
  // VNNI (both): the blocks of 16 outputs packed together (a group).
  static constexpr int64_t kVnniBlocks = 4;
  // AVX2: the weights are kept as int8 (narrow_).
  bool narrowWeights() const { return narrow_; }
  // AVX2, VNNI: the requantization clamps the rounded integers (AVX-512 VNNI: by its store's saturation, so only
  // where [qmin, qmax] is all of int8).
  bool integerClamp() const { return intClamp_ && (isa_ != Int8Isa::kAvx512Vnni || fullRange_); }

 private:
  // taps[t] = the input pixel (pixelStride elements apart) of tap t of output pixel `row`, or `padding`.
  template <typename T>
  void FillTaps(const T* x, int64_t pixelStride, const T* padding, int64_t row, const void** taps) const;
  // The AVX2 and VNNI variants (x86-64 only): RunWide widens the input (AVX2: x - x_zp as int16; VNNI: flipped,
  // x + 128 as uint8) with WidenPadded or WidenPixels, and computes (ComputeWideTask calling `compute`: ComputeAvx2,
  // ComputeAvxVnni or ComputeVnni) rows in chunks x output channel blocks (VNNI: groups of blocks) over the pool.
  struct WideContext;
  using WideCompute = void (*)(const QConvInt8& conv, const void* wide, int8_t* y, int64_t rowBegin, int64_t rowEnd,
                               int64_t blockBegin, int64_t blockEnd);
  void RunWide(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch,
               WideCompute compute) const;
  bool Vnni() const {
    return isa_ == Int8Isa::kAvxVnni || isa_ == Int8Isa::kAvx512Vnni;
  }  // flipped input, VNNI packing
  void WidenRun(const int8_t* x, int64_t c, int16_t* out) const;
  void WidenRun(const int8_t* x, int64_t c, uint8_t* out) const;
  template <typename T>
  void WidenPadded(const int8_t* x, T* out) const;
  template <typename T>
  void WidenPixels(const int8_t* x, T* out, int64_t rowBegin, int64_t rowEnd) const;
  // The first taps of the rows [rowBegin, rowEnd) in the widened input (a per-thread table).
  template <typename T>
  const T* const* RowTable(const T* wide, int64_t rowBegin, int64_t rowEnd) const;
  int64_t ChunkInputBytes(int64_t rows) const;  // the widened input `rows` output rows read, at most
  void ComputeAvx2(const int16_t* wide, int8_t* y, int64_t rowBegin, int64_t rowEnd, int64_t blockBegin,
                   int64_t blockEnd) const;
  // ComputeAvx2's blocks [blockBegin, blockEnd) over its rows (table: their first taps) with the weights `packed`
  // (packed16_, or packed_ as int8 when narrow_).
  template <bool kIntClamp, typename W>
  void ComputeBlocksAvx2(const W* packed, const int16_t* const* table, int64_t rowBegin, int64_t rowEnd,
                         int64_t blockBegin, int64_t blockEnd, int8_t* y) const;
  void ComputeVnni(const uint8_t* wide, int8_t* y, int64_t rowBegin, int64_t rowEnd, int64_t groupBegin,
                   int64_t groupEnd) const;
  template <class Dot>
  void ComputeAvxVnni(const uint8_t* wide, int8_t* y, int64_t rowBegin, int64_t rowEnd, int64_t groupBegin,
                      int64_t groupEnd) const;
  static void ComputeWideTask(void* context, size_t chunk, size_t group);
  // RunRows of the NEON variants (aarch64 only; qconv_int8_neon.cpp).
  void RunRowsNeon(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const;

  ConvGeometry2D g_;
  Int8Isa isa_;
  int64_t taps_, cp_, np_;  // channels padded to the variant's block (VNNI, NEON 4, AVX2 2, scalar 1); outputs to 16
  // NEON: [np/16][taps][cp/4][16][4]; VNNI (both): in groups of up to 4 blocks of 16 outputs,
  // [group][kp/4][blocks][16][4] (k as AVX2's); scalar: [out_c][taps][in_c]; AVX2 when narrow_: packed16_'s layout
  std::vector<int8_t> packed_;
  // AVX2, VNNI: each output pixel reads `segments` runs of segLen_ (AVX2: even; VNNI: a multiple of 4) widened
  // values, segOffset_[s] elements from its first tap in the widened input: one run per kernel row (its taps are
  // consecutive pixels when dilation is 1), else one per tap; a run's last values past kernel_w * in_c (or in_c) meet
  // zero weights.
  std::vector<int16_t> packed16_;  // AVX2: [np/16][kp/2][16][2], k = s * segLen_ + (kx * in_c +) c
  std::vector<int64_t> segOffset_;
  int64_t segLen_ = 0, kp_ = 0;  // AVX2, VNNI: kp_ = segments * segLen_
  // AVX2, VNNI: the widened input is [batch][wideH_][wideW_][in_c] with the padding (x_zp) inside, or, for a 1x1
  // kernel without padding (pixels_), [output pixel][in_c], the input pixel each output pixel reads.
  bool pixels_ = false;
  // AVX2: the weights kept as int8 (packed_) and sign-extended as they are loaded: a layer of at most kAvx2Tile rows
  // (a classifier) uses each weight for so few products that reading twice the bytes from L3 costs more than the
  // widening; only where the int16 weights would not fit in L2.
  bool narrow_ = false;
  // AVX2, VNNI: every product float(acc) * multiplier stays below 2^31 in magnitude (the weights, bias and
  // multipliers bound it), so the requantization may clamp after the conversion to integers: on the packed int8
  // (AVX2, AVX-VNNI), or (AVX-512 VNNI, only when [qmin, qmax] is all of int8) by the saturation to int8.
  bool intClamp_ = false;
  bool fullRange_ = false;  // [qmin, qmax] is all of int8
  int64_t wideH_ = 0, wideW_ = 0;
  int64_t chunkRows_ = 0;          // AVX2, VNNI: output rows per task
  std::vector<int32_t> offset_;    // int32 added to the accumulator (wrapping), padded to np
  std::vector<float> multiplier_;  // padded to np
  std::vector<int8_t> padding_;    // NEON, scalar: cp + 4 bytes of the input zero point (padded taps read it)
  int32_t xZeroPoint_, yZeroPoint_;
  float lo_, hi_;  // qmin - y_zero_point, qmax - y_zero_point
};

}  // namespace hostnn
