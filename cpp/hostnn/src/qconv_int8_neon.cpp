// The aarch64 variants of the int8 convolution (qconv_int8.h): NEON with the dot-product extension (sdot, ARMv8.2
// FEAT_DotProd: 16 multiply-adds of int8 pairs into four int32 per instruction) and plain NEON for ARMv8.0 CPUs
// without it (smull: int8 x int8 products as int16, always exact; sadalp: pairs of them added into int32). Both
// read the VNNI weight layout [np/16][taps][cp/4][16 outputs][4 channels] and multiply the signed input itself, the
// constructor's offset adding -x_zero_point * sum(w) (so padded taps, which read the zero point, contribute
// nothing). Requantization as the other variants: float multiply, max then min with lo/hi (fmaxnm: a NaN product
// becomes lo, as in the scalar code), round half to even (fcvtns), + zero point. The dot-product kernel is compiled
// for ARMv8.2-A+dotprod by a function attribute only, so the rest of the runtime still runs on ARMv8.0; the variant
// is picked at runtime from AT_HWCAP (Int8IsaSupported). Tests: qconv_int8_test.cpp under qemu-aarch64
// (scripts/test.d/15-aarch64.sh).
#include "qconv_int8.h"

#if defined(__aarch64__)

#include <arm_neon.h>

#include <algorithm>
#include <cstring>

namespace hostnn {
namespace {

struct NeonArgs {
  const void* const* rows;  // [MR][taps]: the input pixel (or the padding) of each tap of each output row
  int64_t taps, cp, np, n;
  const int8_t* packed;
  const int32_t* offset;
  const float* mult;
  int8_t* y;  // first output row
  int32_t zp;
  float lo, hi;
};

// Requantizes outputs nb..nb+15 of one row (acc[q]: outputs nb+4q..nb+4q+3) and stores the first min(n - nb, 16).
inline void Store16(const int32x4_t acc[4], const NeonArgs& a, int64_t nb, int8_t* y) {
  const float32x4_t lo = vdupq_n_f32(a.lo), hi = vdupq_n_f32(a.hi);
  const int32x4_t zp = vdupq_n_s32(a.zp);
  int32x4_t q[4];
#pragma GCC unroll 16
  for (int i = 0; i < 4; ++i) {
    float32x4_t f =
        vmulq_f32(vcvtq_f32_s32(vaddq_s32(acc[i], vld1q_s32(a.offset + nb + 4 * i))), vld1q_f32(a.mult + nb + 4 * i));
    f = vminnmq_f32(vmaxnmq_f32(f, lo), hi);
    q[i] = vaddq_s32(vcvtnq_s32_f32(f), zp);
  }
  const int8x16_t b = vcombine_s8(vqmovn_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))),
                                  vqmovn_s16(vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]))));
  if (a.n - nb >= 16) {
    vst1q_s8(y, b);
  } else {
    int8_t tmp[16];
    vst1q_s8(tmp, b);
    std::memcpy(y, tmp, static_cast<size_t>(a.n - nb));
  }
}

// Channels 4 Lane..4 Lane+3 of the 16 in xv[r] against their 64 weights (4 outputs x 4 channels per register);
// the lane is an immediate operand.
template <int MR, int Lane>
__attribute__((target("arch=armv8.2-a+dotprod"), always_inline)) inline void DotLane(int32x4_t (&acc)[MR][4],
                                                                                     const int8x16_t (&xv)[MR],
                                                                                     const int8_t* wp) {
  const int8x16x4_t w = vld1q_s8_x4(wp);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
    for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_laneq_s32(acc[r][q], w.val[q], xv[r], Lane);
}

// MR output rows x 16 outputs: 4 x MR accumulators; each sdot multiplies 4 channels of one row (a lane of x, or
// broadcast in the tail) with the 4 x 4 weights of 4 outputs.
template <int MR>
__attribute__((target("arch=armv8.2-a+dotprod"))) void TileDot(const NeonArgs& a) {
  const int64_t cblocks = a.cp / 4;
  for (int64_t nb = 0; nb < a.np; nb += 16) {
    int32x4_t acc[MR][4];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
      for (int q = 0; q < 4; ++q) acc[r][q] = vdupq_n_s32(0);
    const int8_t* wp = a.packed + nb * a.taps * a.cp;
    for (int64_t t = 0; t < a.taps; ++t) {
      const int8_t* px[MR];
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) px[r] = static_cast<const int8_t*>(a.rows[r * a.taps + t]);
      int64_t cb = 0;
      for (; cb + 4 <= cblocks; cb += 4) {  // 16 channels: one load of x per row, its 4 lanes in turn
        int8x16_t xv[MR];
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) xv[r] = vld1q_s8(px[r] + cb * 4);
        DotLane<MR, 0>(acc, xv, wp);
        DotLane<MR, 1>(acc, xv, wp + 64);
        DotLane<MR, 2>(acc, xv, wp + 128);
        DotLane<MR, 3>(acc, xv, wp + 192);
        wp += 256;
      }
      for (; cb < cblocks; ++cb, wp += 64) {  // the last blocks of 4 channels: x broadcast
        const int8x16x4_t w = vld1q_s8_x4(wp);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
          int32_t v;
          std::memcpy(&v, px[r] + cb * 4, 4);
          const int8x16_t xv = vreinterpretq_s8_s32(vdupq_n_s32(v));
#pragma GCC unroll 16
          for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_s32(acc[r][q], w.val[q], xv);
        }
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) Store16(acc[r], a, nb, a.y + r * a.n + nb);
  }
}

// MR output rows x 16 outputs without sdot: acc[r][2q] holds outputs 4q, 4q+1 and acc[r][2q+1] outputs 4q+2, 4q+3,
// each as two partial sums (channels 0+1 and 2+3 of every block), added pairwise (addp) at the end.
template <int MR>
void TileNeon(const NeonArgs& a) {
  const int64_t cblocks = a.cp / 4;
  for (int64_t nb = 0; nb < a.np; nb += 16) {
    int32x4_t acc[MR][8];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
      for (int q = 0; q < 8; ++q) acc[r][q] = vdupq_n_s32(0);
    const int8_t* wp = a.packed + nb * a.taps * a.cp;
    for (int64_t t = 0; t < a.taps; ++t) {
      const int8_t* px[MR];
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) px[r] = static_cast<const int8_t*>(a.rows[r * a.taps + t]);
      for (int64_t cb = 0; cb < cblocks; ++cb, wp += 64) {
        const int8x16x4_t w = vld1q_s8_x4(wp);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
          int32_t v;
          std::memcpy(&v, px[r] + cb * 4, 4);
          const int8x16_t xv = vreinterpretq_s8_s32(vdupq_n_s32(v));
#pragma GCC unroll 16
          for (int q = 0; q < 4; ++q) {
            acc[r][2 * q] = vpadalq_s16(acc[r][2 * q], vmull_s8(vget_low_s8(w.val[q]), vget_low_s8(xv)));
            acc[r][2 * q + 1] = vpadalq_s16(acc[r][2 * q + 1], vmull_high_s8(w.val[q], xv));
          }
        }
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      int32x4_t sums[4];
#pragma GCC unroll 16
      for (int q = 0; q < 4; ++q) sums[q] = vpaddq_s32(acc[r][2 * q], acc[r][2 * q + 1]);
      Store16(sums, a, nb, a.y + r * a.n + nb);
    }
  }
}

}  // namespace

void QConvInt8::RunRowsNeon(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const {
  // Rows per tile: 3 with sdot (12 accumulators, the 16 weight registers of 16 channels, 3 of x: 31 of the 32
  // vector registers, nothing spilled), 2 without (2 x 8 accumulators).
  const bool dot = isa_ == Int8Isa::kNeonDot;
  const int64_t mr = dot ? 3 : 2;
  // The tiles' tap pointers, kept per thread: no allocation after a thread's first run of the largest kernel.
  thread_local std::vector<const void*> ptrs;
  if (ptrs.size() < static_cast<size_t>(mr * taps_)) ptrs.resize(static_cast<size_t>(mr * taps_));
  NeonArgs a{ptrs.data(),        taps_,   cp_,         np_, g_.outC, packed_.data(), offset_.data(),
             multiplier_.data(), nullptr, yZeroPoint_, lo_, hi_};
  const int64_t end = rowBegin + rows;
  for (int64_t r = rowBegin; r < end; r += mr) {
    const int64_t tile = std::min(mr, end - r);  // the last tile may be smaller
    for (int64_t s = 0; s < tile; ++s) FillTaps(x, g_.inC, padding_.data(), r + s, ptrs.data() + s * taps_);
    a.y = y + r * g_.outC;
    if (!dot) {
      if (tile == 2)
        TileNeon<2>(a);
      else
        TileNeon<1>(a);
    } else if (tile == 3) {
      TileDot<3>(a);
    } else if (tile == 2) {
      TileDot<2>(a);
    } else {
      TileDot<1>(a);
    }
  }
}

}  // namespace hostnn

#endif  // __aarch64__
