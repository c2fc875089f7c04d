// The AVX2 requantization and int8 store of 16 output channels that the AVX2 int8 convolution kernels share
// (qconv_int8.cpp, qconv_int8_avxvnni.h, wino_int8.cpp): Requantize (qconv_int8.h) on 16 lanes at once. x86-64 only.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace hostnn {

// Requantizes one row's 16 accumulators (two vectors of 8, the offset already in them) to int16, in the order
// _mm256_packs_epi32 leaves them ([0-3, 8-11, 4-7, 12-15]), y_zero_point added: the clamped values lie in [lo, hi],
// within [-255, 255], so the pack is exact, and so is adding the zero point in int16.
__attribute__((target("avx2"))) inline __m256i RequantizeAvx2(__m256i acc0, __m256i acc1, __m256 m0, __m256 m1,
                                                              __m256 lo, __m256 hi, __m256i zp16) {
  __m256 f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc0), m0);
  __m256 f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc1), m1);
  f0 = _mm256_min_ps(_mm256_max_ps(f0, lo), hi);
  f1 = _mm256_min_ps(_mm256_max_ps(f1, lo), hi);
  // round to nearest even (default MXCSR)
  return _mm256_add_epi16(_mm256_packs_epi32(_mm256_cvtps_epi32(f0), _mm256_cvtps_epi32(f1)), zp16);
}

// RequantizeAvx2 without the float clamp, for a convolution whose products float(acc) * m all lie within
// (-2^31, 2^31) (QConvInt8 checks the bound on its weights, bias and multipliers): the rounded int32 saturates to
// int16, y_zero_point is added with saturation, and the clamp to [qmin, qmax] follows on the int8 that
// PackRowsAvx2 saturates to. Each of those steps is monotone and exact in range, and lo, hi are integers, so the
// result is Requantize's; 4 vector instructions fewer per row of 16 outputs, 1 more per 2 rows (the int8 clamp).
__attribute__((target("avx2"))) inline __m256i RequantizeUnclampedAvx2(__m256i acc0, __m256i acc1, __m256 m0, __m256 m1,
                                                                       __m256i zp16) {
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(acc0), m0));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(acc1), m1));
  return _mm256_adds_epi16(_mm256_packs_epi32(i0, i1), zp16);
}

// Two rows' requantized int16 (RequantizeAvx2) as int8 (saturating), row a's 16 in the low half, b's in the high.
__attribute__((target("avx2"))) inline __m256i PackRowsAvx2(__m256i a, __m256i b) {
  // packs leaves the 32-bit groups as [a 0-3, a 8-11, b 0-3, b 8-11 | a 4-7, a 12-15, b 4-7, b 12-15].
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Stores PackRowsAvx2's two rows, the first n (<= 16) of each; yb null: one row.
__attribute__((target("avx2"))) inline void StorePackedRowsAvx2(__m256i v, int8_t* ya, int8_t* yb, int64_t n) {
  if (n >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ya), _mm256_castsi256_si128(v));
    if (yb) _mm_storeu_si128(reinterpret_cast<__m128i*>(yb), _mm256_extracti128_si256(v, 1));
  } else {
    alignas(32) int8_t tmp[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), v);
    std::memcpy(ya, tmp, static_cast<size_t>(n));
    if (yb) std::memcpy(yb, tmp + 16, static_cast<size_t>(n));
  }
}

// Stores two rows' requantized int16 (RequantizeAvx2) as int8, the first n (<= 16) of each; yb null: one row.
__attribute__((target("avx2"))) inline void StoreRowsAvx2(__m256i a, __m256i b, int8_t* ya, int8_t* yb, int64_t n) {
  StorePackedRowsAvx2(PackRowsAvx2(a, b), ya, yb, n);
}

// Stores the first n (<= 8) int8 of two rows' 8 requantized outputs: v = RequantizeAvx2(row a, row b), whose int16
// are [a 0-3, b 0-3 | a 4-7, b 4-7]; yb null: one row.
__attribute__((target("avx2"))) inline void StoreHalfRowsAvx2(__m256i v, int8_t* ya, int8_t* yb, int64_t n) {
  const __m128i q = _mm256_castsi256_si128(PackRowsAvx2(v, v));  // [a 0-7, b 0-7]
  if (n >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(ya), q);
    if (yb) _mm_storel_epi64(reinterpret_cast<__m128i*>(yb), _mm_unpackhi_epi64(q, q));
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), q);
    std::memcpy(ya, tmp, static_cast<size_t>(n));
    if (yb) std::memcpy(yb, tmp + 8, static_cast<size_t>(n));
  }
}

// The epilogue of a register tile of MR rows (n apart in y) x 16 outputs, acc0[r] holding row r's outputs 0-7 and
// acc1[r] its 8-15 (the offset added): requantized with mult[0..15] and stored, the first `valid` (<= 16) of each
// row. zp: y_zero_point in every int16. kIntClamp: RequantizeUnclampedAvx2, then the clamp to [qmin, qmax] (q8lo,
// q8hi: qmin, qmax in every int8) on the packed int8; else RequantizeAvx2 (lo, hi).
template <int MR, bool kIntClamp>
__attribute__((target("avx2"), always_inline)) inline void StoreTileAvx2(const __m256i* acc0, const __m256i* acc1,
                                                                         const float* mult, __m256 lo, __m256 hi,
                                                                         __m256i zp, __m256i q8lo, __m256i q8hi,
                                                                         int8_t* y, int64_t n, int64_t valid) {
  const __m256 m0 = _mm256_loadu_ps(mult), m1 = _mm256_loadu_ps(mult + 8);
#pragma GCC unroll 8
  for (int r = 0; r < MR; r += 2) {
    if constexpr (kIntClamp) {
      const __m256i a = RequantizeUnclampedAvx2(acc0[r], acc1[r], m0, m1, zp);
      const __m256i b = r + 1 < MR ? RequantizeUnclampedAvx2(acc0[r + 1], acc1[r + 1], m0, m1, zp) : a;
      const __m256i v = _mm256_min_epi8(_mm256_max_epi8(PackRowsAvx2(a, b), q8lo), q8hi);
      StorePackedRowsAvx2(v, y + r * n, r + 1 < MR ? y + (r + 1) * n : nullptr, valid);
    } else {
      const __m256i a = RequantizeAvx2(acc0[r], acc1[r], m0, m1, lo, hi, zp);
      const __m256i b = r + 1 < MR ? RequantizeAvx2(acc0[r + 1], acc1[r + 1], m0, m1, lo, hi, zp) : a;
      StoreRowsAvx2(a, b, y + r * n, r + 1 < MR ? y + (r + 1) * n : nullptr, valid);
    }
  }
}

// StoreTileAvx2 for a tile of 8 outputs (acc[r]: row r's, valid <= 8); kIntClamp: the clamp on int16 (q16lo, q16hi:
// qmin, qmax).
template <int MR, bool kIntClamp>
__attribute__((target("avx2"), always_inline)) inline void StoreHalfTileAvx2(const __m256i* acc, const float* mult,
                                                                             __m256 lo, __m256 hi, __m256i zp,
                                                                             __m256i q16lo, __m256i q16hi, int8_t* y,
                                                                             int64_t n, int64_t valid) {
  const __m256 m0 = _mm256_loadu_ps(mult);
#pragma GCC unroll 12
  for (int r = 0; r < MR; r += 2) {
    const __m256i b = r + 1 < MR ? acc[r + 1] : acc[r];
    __m256i v;
    if constexpr (kIntClamp)
      v = _mm256_min_epi16(_mm256_max_epi16(RequantizeUnclampedAvx2(acc[r], b, m0, m0, zp), q16lo), q16hi);
    else
      v = RequantizeAvx2(acc[r], b, m0, m0, lo, hi, zp);
    StoreHalfRowsAvx2(v, y + r * n, r + 1 < MR ? y + (r + 1) * n : nullptr, valid);
  }
}

}  // namespace hostnn

#endif  // __x86_64__
