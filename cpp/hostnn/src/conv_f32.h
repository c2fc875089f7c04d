// fp32 convolution (any kernel/stride/dilation/padding, NHWC) with fused bias and min/max clamp; a 1x1 convolution
// is a plain GEMM through the same code. Grouped: each group is the same convolution over its slice of the channels
// (input pixel stride = all input channels, offset g * inC / groups; output likewise), weights packed per group.
// Weights are packed at construction into blocks of 16 output channels, [outC/16][taps][inC][16]; when 8 or fewer
// channels are left, the last block is 24 wide (24, 40, 72, 104 channels: the last full block and those) or, for 8 or
// fewer channels in all, 8 wide. Implicit GEMM, no im2col: a register tile of pixels in one output row that need no
// horizontal padding (and every tile of a 1x1 stride-1 convolution) reads its input at one offset per tap plus a fixed
// pixel step, skipping the taps in the vertical padding; other tiles read each pixel's taps through pointers, padded
// taps a zero row (as qconv_int8.h). Why our own: Debian's 2022 XNNPACK build runs every fp32 convolution through its
// 5x16 FMA3 igemm micro-kernel compiled with one accumulator spilled to the stack (an FMA chain through memory every
// step), which holds ResNet18's convolutions near a third of one core's FMA peak. Variants, picked at runtime by what
// the CPU has: AVX-512 (a 16-channel block is one zmm: 12 pixels x a pair of blocks, 24 accumulators, 2 weight
// vectors, 1 broadcast; 14 pixels in output images of at most 7x7; a 24-wide block as 16 + 8 masked lanes; tails by
// masked stores; an 8-wide block and the grouped partial-sum tile run their AVX2 code), AVX2+FMA (6x16 register block:
// 12 accumulators, 2 weight vectors, 1 broadcast; 4x24 and 12x8 for a 24- and an 8-wide block; grouped with 8 outputs a
// group, 3x8 of partial sums: DotTileFma) and portable C++ (other CPUs, aarch64 included). Tests: conv_f32_test.cpp.
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

#include "qconv_int8.h"  // ConvGeometry2D

namespace hostnn {

enum class F32Isa { kScalar, kAvx2Fma, kAvx512 };

bool F32IsaSupported(F32Isa isa);
// The x86 fp32 ISAs: every AVX-512 CPU has AVX2+FMA too, so the fp32 kernels without an AVX-512 variant of their own
// (depthwise, FC, elementwise) run their AVX2 code under both.
inline bool F32IsaUsesAvx2(F32Isa isa) { return isa == F32Isa::kAvx2Fma || isa == F32Isa::kAvx512; }
// The variant those kernels run under isa (what the plan description names for them).
inline F32Isa F32IsaCappedAtAvx2(F32Isa isa) { return F32IsaUsesAvx2(isa) ? F32Isa::kAvx2Fma : isa; }
// "scalar", "AVX2", "AVX-512" (the plan description shows it; the AVX2 variant also needs FMA3, which every AVX2 CPU
// has; the AVX-512 one needs AVX-512F).
const char* F32IsaLabel(F32Isa isa);
// The fastest supported variant; env NPULENS_HOSTNN_ISA=scalar forces the portable one, =avx2 asks for AVX2 and
// =avx512 for AVX-512 (std::runtime_error when this CPU has none); the int8-only names (vnni, neon, neondot) leave
// the fastest.
F32Isa SelectF32Isa();
// True on an AMD Zen 4 core (family 19h with AVX-512F), whose 512-bit FMA runs as two 256-bit halves: the same 16
// MAC/cycle as ymm. There XNNPACK's AVX-512 GEMM ran convolutions faster than our AVX-512 tiles on one thread; on a
// full-width core (Zen 5: 32 MAC/cycle) ours ran them faster (ConvOp::XnnGemmFaster).
bool Avx512FmaIsHalfWidth();

class ConvF32 {
 public:
  // g: all channels (inC and outC multiples of groups); w: OIHW [outC][inC / groups][kh][kw]; bias: outC floats or
  // nullptr (zero); outMin <= outMax (±infinity: no clamp).
  ConvF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax, F32Isa isa,
          int64_t groups = 1);
  // x: NHWC [batch][inH][inW][inC]; y: NHWC [batch][outH][outW][outC]. Splits output pixels and, when there are few
  // pixels for the pool's threads, blocks of output channels (of all groups) into tasks; allocates nothing once a
  // thread has run its largest task. residual: null, or a tensor of y's shape added to the sums before the clamp
  // (y = clamp(conv + residual): a residual Add fused into its convolution, the Add's own rounding; not y: a task
  // adds it after its tiles have written their sums to y).
  void Run(const float* x, float* y, pthreadpool_t pool, const float* residual = nullptr) const;
  // Output pixels [rowBegin, rowBegin + rows), output channel blocks [blockBegin, blockEnd) numbered over the groups
  // (group * blocks per group + block; of 16 channels, a group's last one 8, 16 or 24).
  void RunTile(const float* x, float* y, int64_t rowBegin, int64_t rows, int64_t blockBegin, int64_t blockEnd,
               const float* residual) const;
  F32Isa isa() const { return isa_; }

 private:
  ConvGeometry2D g_;  // one group's: inC and outC per group
  F32Isa isa_;
  int64_t groups_, inStride_, outStride_;  // groups; input and output floats per pixel (all groups' channels)
  int64_t taps_, blocks_;                  // kh * kw; per group ceil(outC / 16), one fewer when the last is 24 wide
  int64_t lastWidth_;                      // output channels of a group's last block: 8, 16 or 24
  int64_t paddedC_;                        // (blocks - 1) * 16 + lastWidth_
  std::vector<float> packed_;  // [groups][blocks][taps][inC][16 or lastWidth_], output channels past outC are zero
  std::vector<float> bias_;    // [groups][paddedC_]
  std::vector<float> zeros_;   // the input of padded taps: inStride_ zeros (rowTaps_: kw * inC)
  float lo_, hi_;
  bool pointwise_;  // 1x1, stride 1, no padding: output pixel i reads input pixel i (a plain GEMM)
  bool rowTaps_;    // groups = 1, inC < 16, kw > 1, no horizontal dilation: one tap per kernel row (RunTile)
  int64_t interiorBegin_, interiorEnd_;  // output columns [begin, end) whose taps need no horizontal padding
  bool pixelMajor_;                      // a group's packed weights fit in L1: each tile runs its blocks (RunTile)
  bool dot_;  // AVX2, grouped, 8 outputs a group: the partial-sum tile, weights [taps][inC / 4][4][8] a group
};

}  // namespace hostnn
