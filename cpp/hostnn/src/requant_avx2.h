// The AVX2 requantization and int8 store of 16 output channels that the AVX2 int8 convolution kernels share
// (qconv_int8.cpp, wino_int8.cpp): Requantize (qconv_int8.h) on 16 lanes at once. x86-64 only.
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

}  // namespace hostnn

#endif  // __x86_64__
