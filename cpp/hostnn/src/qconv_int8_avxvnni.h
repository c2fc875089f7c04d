// The AVX-VNNI variant of QConvInt8 (qconv_int8.h; Intel cores from Alder Lake, AMD from Zen 5): vpdpbusd ymm over
// the packing and the flipped uint8 input (x + 128) of the AVX-512 VNNI variant, in register tiles of up to 6 pixels
// x 16 outputs (12 accumulators, the block's two weight vectors and one broadcast: 15 of the 16 ymm registers), or
// up to 12 pixels x 8 outputs for a last block of at most 8 outputs; the requantization and store are AVX2's
// (requant_avx2.h), so the bits are every other variant's. x86-64 only.
//
// The dot product is the template parameter Dot: Dot::Add(acc, x, w) adds to each int32 lane of acc the 4 products
// of x's uint8 and w's int8 in it. Run uses DotAvxVnni, the VEX encoding; the tests also run these tiles with the
// EVEX encoding of the same instruction (AVX-512 VNNI + VL), which a CPU without AVX-VNNI executes. Both are inline
// assembly: an intrinsic would need the kernel's target attribute to name its ISA, which a template parameter cannot
// change, and with AVX-512 VL enabled GCC emits the EVEX form for the AVX-VNNI intrinsic too.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "qconv_int8.h"
#include "requant_avx2.h"

namespace hostnn {

// vpdpbusd ymm, VEX-encoded (AVX-VNNI).
struct DotAvxVnni {
  __attribute__((target("avx2"), always_inline)) static inline __m256i Add(__m256i acc, __m256i x, __m256i w) {
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(x), "x"(w));
    return acc;
  }
};

namespace avxvnni {

// MR output rows x 8 * H outputs (H = 2: a block of 16, acc[0] holding outputs 0-7 and acc[1] 8-15; H = 1: the first
// 8 of a last block): row r reads `segments` runs of `steps` groups of 4 flipped input bytes, run s at
// rows[r] + segOffset[s]; w: the block's weights in its group's packing, one step's 64 bytes (16 outputs x 4) every
// `stride` bytes. The accumulators start at the offset. qlo, qhi: qmin, qmax in every int8 (H = 2) or int16 (H = 1),
// for kIntClamp (StoreTileAvx2, StoreHalfTileAvx2).
template <class Dot, int MR, int H, bool kIntClamp>
__attribute__((target("avx2"))) void Micro(const uint8_t* const* rows, const int64_t* segOffset, int64_t segments,
                                           int64_t steps, const int8_t* w, int64_t stride, const int32_t* offset,
                                           const float* mult, __m256 lo, __m256 hi, __m256i zp, __m256i qlo,
                                           __m256i qhi, int8_t* y, int64_t n, int64_t valid) {
  __m256i acc[H][MR];
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h) {
    const __m256i off = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset + 8 * h));
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) acc[h][r] = off;
  }
  for (int64_t s = 0; s < segments; ++s) {
    const uint8_t* px[MR];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) px[r] = rows[r] + segOffset[s];
    for (int64_t k = 0; k < steps * 4; k += 4, w += stride) {
      __m256i wv[H];
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) wv[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * h));
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        int32_t v;
        std::memcpy(&v, px[r] + k, 4);
        const __m256i xv = _mm256_set1_epi32(v);
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h) acc[h][r] = Dot::Add(acc[h][r], xv, wv[h]);
      }
    }
  }
  if constexpr (H == 2)
    StoreTileAvx2<MR, kIntClamp>(acc[0], acc[1], mult, lo, hi, zp, qlo, qhi, y, n, valid);
  else
    StoreHalfTileAvx2<MR, kIntClamp>(acc[0], mult, lo, hi, zp, qlo, qhi, y, n, valid);
}

using MicroFn = void (*)(const uint8_t* const*, const int64_t*, int64_t, int64_t, const int8_t*, int64_t,
                         const int32_t*, const float*, __m256, __m256, __m256i, __m256i, __m256i, int8_t*, int64_t,
                         int64_t);

constexpr int64_t kTileRows = 6;       // a block of 16 outputs
constexpr int64_t kHalfTileRows = 12;  // a last block of at most 8

// Micro by the tile's rows (kByRows[mr - 1]).
template <class Dot, int H, bool kIntClamp, class Rows>
struct Tiles;
template <class Dot, int H, bool kIntClamp, int... R>
struct Tiles<Dot, H, kIntClamp, std::integer_sequence<int, R...>> {
  static constexpr MicroFn kByRows[] = {&Micro<Dot, R + 1, H, kIntClamp>...};
};
template <class Dot, int H, bool kIntClamp>
using TilesOf = Tiles<Dot, H, kIntClamp, std::make_integer_sequence<int, H == 2 ? kTileRows : kHalfTileRows>>;

}  // namespace avxvnni

template <class Dot>
__attribute__((target("avx2"))) void QConvInt8::ComputeAvxVnni(const uint8_t* wide, int8_t* y, int64_t rowBegin,
                                                               int64_t rowEnd, int64_t groupBegin,
                                                               int64_t groupEnd) const {
  using avxvnni::TilesOf;
  const avxvnni::MicroFn* full = intClamp_ ? TilesOf<Dot, 2, true>::kByRows : TilesOf<Dot, 2, false>::kByRows;
  const avxvnni::MicroFn* halves = intClamp_ ? TilesOf<Dot, 1, true>::kByRows : TilesOf<Dot, 1, false>::kByRows;
  const uint8_t* const* table = RowTable(wide, rowBegin, rowEnd);
  const int64_t n = g_.outC, segments = static_cast<int64_t>(segOffset_.size()), steps = segLen_ / 4;
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(yZeroPoint_));
  const __m256 lo = _mm256_set1_ps(lo_), hi = _mm256_set1_ps(hi_);
  const auto qmin = static_cast<int32_t>(lo_) + yZeroPoint_, qmax = static_cast<int32_t>(hi_) + yZeroPoint_;
  const __m256i q8lo = _mm256_set1_epi8(static_cast<char>(qmin)), q8hi = _mm256_set1_epi8(static_cast<char>(qmax));
  const __m256i q16lo = _mm256_set1_epi16(static_cast<int16_t>(qmin));
  const __m256i q16hi = _mm256_set1_epi16(static_cast<int16_t>(qmax));
  for (int64_t group = groupBegin; group < groupEnd; ++group) {
    const int64_t first = group * kVnniBlocks, blocks = std::min(kVnniBlocks, np_ / 16 - first);
    const int8_t* w = packed_.data() + first * 16 * kp_;
    // Block by block, each over all the chunk's rows: the block's weights stay in L1/L2 for them.
    for (int64_t j = 0; j < blocks; ++j) {
      const int64_t nb = (first + j) * 16;
      const bool half = n - nb <= 8;
      const int64_t tileRows = half ? avxvnni::kHalfTileRows : avxvnni::kTileRows;
      // Tiles of as equal a size as the tile count allows (as the other variants').
      const int64_t tiles = (rowEnd - rowBegin + tileRows - 1) / tileRows, size = (rowEnd - rowBegin) / tiles;
      const int64_t larger = (rowEnd - rowBegin) % tiles;
      for (int64_t t = 0, r = rowBegin; t < tiles; ++t) {
        const int64_t mr = size + (t < larger ? 1 : 0);
        const avxvnni::MicroFn micro = (half ? halves : full)[mr - 1];
        micro(table + (r - rowBegin), segOffset_.data(), segments, steps, w + 64 * j, 64 * blocks, offset_.data() + nb,
              multiplier_.data() + nb, lo, hi, zp, half ? q16lo : q8lo, half ? q16hi : q8hi, y + r * n + nb, n, n - nb);
        r += mr;
      }
    }
  }
}

template <class Dot>
void QConvInt8::RunAvxVnni(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const {
  if (!Vnni()) throw std::logic_error("QConvInt8::RunAvxVnni: the convolution is not packed for a VNNI variant");
  RunWide(x, y, pool, scratch,
          [](const QConvInt8& q, const void* wide, int8_t* out, int64_t r0, int64_t r1, int64_t g0, int64_t g1) {
            q.ComputeAvxVnni<Dot>(static_cast<const uint8_t*>(wide), out, r0, r1, g0, g1);
          });
}

}  // namespace hostnn

#endif  // __x86_64__
