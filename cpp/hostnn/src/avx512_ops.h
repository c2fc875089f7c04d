// AVX-512 operations the kernels use through their all-lanes maskz forms. GCC 12 defines many unmasked AVX-512
// intrinsics (_mm512_min_ps, _mm512_max_ps, _mm512_slli_epi32, the conversions, the inserts) with
// _mm512_undefined_ps()/_si512() as the merge source, and -Wmaybe-uninitialized flags that at every inlined use
// (hundreds of lines per build); with all 16 lanes set the maskz forms are the same instructions (no zero-masking is
// emitted).
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

namespace hostnn {

constexpr auto kAllLanes = static_cast<__mmask16>(0xFFFF);

__attribute__((target("avx512f"), always_inline)) inline __m512 MinAvx512(__m512 a, __m512 b) {
  return _mm512_maskz_min_ps(kAllLanes, a, b);
}
__attribute__((target("avx512f"), always_inline)) inline __m512 MaxAvx512(__m512 a, __m512 b) {
  return _mm512_maskz_max_ps(kAllLanes, a, b);
}
template <unsigned kBits>
__attribute__((target("avx512f"), always_inline)) inline __m512i ShiftLeftAvx512(__m512i a) {
  return _mm512_maskz_slli_epi32(kAllLanes, a, kBits);
}

}  // namespace hostnn
#endif
