#include "qgemm_vnni.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_* temporaries.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace hostnn {

bool CpuHasVnni() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vnni");
  return has;
}

PointwiseConvVnni::PointwiseConvVnni(const int8_t* w, const int32_t* bias, const float* w_scale, int64_t n, int64_t k,
                                     float x_scale, int32_t x_zero_point, float y_scale, int32_t y_zero_point,
                                     int32_t qmin, int32_t qmax)
    : n_(n), k_(k), kp_((k + 3) / 4 * 4), np_((n + 15) / 16 * 16), y_zero_point_(y_zero_point), qmin_(qmin), qmax_(qmax) {
  packed_.assign(static_cast<size_t>(np_ * kp_), 0);  // zero weights in the padding: padded inputs add nothing
  offset_.assign(static_cast<size_t>(np_), 0);
  multiplier_.assign(static_cast<size_t>(np_), 0.f);
  for (int64_t o = 0; o < n; ++o) {
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      int8_t v = w[o * k + i];
      sum += v;
      packed_[static_cast<size_t>((((o / 16) * (kp_ / 4) + i / 4) * 16 + o % 16) * 4 + i % 4)] = v;
    }
    // vpdpbusd multiplies unsigned activations: x + 128 (x ^ 0x80) is used, so subtract (x_zp + 128) * sum(w).
    offset_[o] = bias[o] - (x_zero_point + 128) * sum;
    multiplier_[o] = x_scale * w_scale[o] / y_scale;  // in float, as XNNPACK's requantization computes it
  }
}

namespace {

template <int MR>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void Tile(const int8_t* x, int64_t k, int64_t kp,
                                                                   const int8_t* packed, const int32_t* offset,
                                                                   const float* mult, int8_t* y, int64_t n,
                                                                   int64_t np, int32_t zp, int32_t qmin, int32_t qmax) {
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  const __m512i vzp = _mm512_set1_epi32(zp), vmin = _mm512_set1_epi32(qmin), vmax = _mm512_set1_epi32(qmax);
  for (int64_t nb = 0; nb < np; nb += 16) {
    __m512i acc[MR];
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_si512();
    const int8_t* wp = packed + nb * kp;
    for (int64_t kk = 0; kk < kp; kk += 4) {
      const __m512i wv = _mm512_loadu_si512(wp + kk * 16);
      for (int r = 0; r < MR; ++r) {
        int32_t a;
        std::memcpy(&a, x + r * k + kk, 4);
        acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_xor_si512(_mm512_set1_epi32(a), flip), wv);
      }
    }
    const __m512i off = _mm512_loadu_si512(offset + nb);
    const __m512 m = _mm512_loadu_ps(mult + nb);
    const __mmask16 mask = n - nb >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - nb)) - 1);
    for (int r = 0; r < MR; ++r) {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[r], off)), m);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), vzp);  // round to nearest even (default MXCSR)
      q = _mm512_min_epi32(_mm512_max_epi32(q, vmin), vmax);
      _mm512_mask_cvtsepi32_storeu_epi8(y + r * n + nb, mask, q);
    }
  }
}

struct RunContext {
  const PointwiseConvVnni* conv;
  const int8_t* x;
  int8_t* y;
  int64_t m;
};
constexpr int64_t kRowsPerTask = 32;

void RunTask(void* context, size_t task) {
  auto* c = static_cast<RunContext*>(context);
  int64_t begin = static_cast<int64_t>(task) * kRowsPerTask;
  c->conv->RunRows(c->x, c->y, begin, std::min(kRowsPerTask, c->m - begin));
}

}  // namespace

void PointwiseConvVnni::RunRows(const int8_t* x, int8_t* y, int64_t row_begin, int64_t rows) const {
  int64_t r = row_begin, end = row_begin + rows;
  for (; r + 4 <= end; r += 4)
    Tile<4>(x + r * k_, k_, kp_, packed_.data(), offset_.data(), multiplier_.data(), y + r * n_, n_, np_,
            y_zero_point_, qmin_, qmax_);
  for (; r < end; ++r)
    Tile<1>(x + r * k_, k_, kp_, packed_.data(), offset_.data(), multiplier_.data(), y + r * n_, n_, np_,
            y_zero_point_, qmin_, qmax_);
}

void PointwiseConvVnni::Run(const int8_t* x, int8_t* y, int64_t m, pthreadpool_t pool) const {
  RunContext c{this, x, y, m};
  size_t tasks = static_cast<size_t>((m + kRowsPerTask - 1) / kRowsPerTask);
  if (pool)
    pthreadpool_parallelize_1d(pool, &RunTask, &c, tasks, 0);
  else
    for (size_t t = 0; t < tasks; ++t) RunTask(&c, t);
}

}  // namespace hostnn
