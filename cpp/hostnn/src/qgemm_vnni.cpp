#include "qgemm_vnni.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_* temporaries.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace hostnn {

bool CpuHasVnni() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vnni");
  return has;
}

ConvVnni::ConvVnni(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* w_scale,
                   float x_scale, int32_t x_zero_point, float y_scale, int32_t y_zero_point, int32_t qmin, int32_t qmax)
    : g_(g), taps_(g.kernel_h * g.kernel_w), cp_((g.in_c + 3) / 4 * 4), np_((g.out_c + 15) / 16 * 16),
      y_zero_point_(y_zero_point), qmin_(qmin), qmax_(qmax) {
  // Zero weights in the channel padding: whatever the padded lanes read contributes nothing.
  packed_.assign(static_cast<size_t>(np_ * taps_ * cp_), 0);
  offset_.assign(static_cast<size_t>(np_), 0);
  multiplier_.assign(static_cast<size_t>(np_), 0.f);
  padding_.assign(static_cast<size_t>(cp_ + 4), static_cast<int8_t>(x_zero_point));  // real value 0
  for (int64_t o = 0; o < g.out_c; ++o) {
    int32_t sum = 0;
    for (int64_t c = 0; c < g.in_c; ++c)
      for (int64_t t = 0; t < taps_; ++t) {
        int8_t v = w[(o * g.in_c + c) * taps_ + t];
        sum += v;
        size_t dst = static_cast<size_t>(((((o / 16) * taps_ + t) * (cp_ / 4) + c / 4) * 16 + o % 16) * 4 + c % 4);
        packed_[dst] = v;
      }
    // vpdpbusd multiplies unsigned activations: x + 128 (x ^ 0x80) is used, so subtract (x_zp + 128) * sum(w).
    offset_[o] = bias[o] - (x_zero_point + 128) * sum;
    multiplier_[o] = x_scale * w_scale[o] / y_scale;  // in float, as XNNPACK's requantization computes it
  }
}

namespace {

struct TileArgs {
  const int8_t* const* rows;  // [MR][taps] pointers to the input pixel (or the padding) of each tap
  int64_t taps, cp, np, n;
  const int8_t* packed;
  const int32_t* offset;
  const float* mult;
  int8_t* y;  // first output row
  int32_t zp, qmin, qmax;
};

template <int MR>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void Tile(const TileArgs& a) {
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  const __m512i vzp = _mm512_set1_epi32(a.zp), vmin = _mm512_set1_epi32(a.qmin), vmax = _mm512_set1_epi32(a.qmax);
  const int64_t cblocks = a.cp / 4;
  for (int64_t nb = 0; nb < a.np; nb += 16) {
    __m512i acc[MR];
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_si512();
    const int8_t* wp = a.packed + nb * a.taps * a.cp;
    for (int64_t t = 0; t < a.taps; ++t) {
      const int8_t* px[MR];
      for (int r = 0; r < MR; ++r) px[r] = a.rows[r * a.taps + t];
      for (int64_t cb = 0; cb < cblocks; ++cb, wp += 64) {
        const __m512i wv = _mm512_loadu_si512(wp);
        for (int r = 0; r < MR; ++r) {
          int32_t v;
          std::memcpy(&v, px[r] + cb * 4, 4);
          acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_xor_si512(_mm512_set1_epi32(v), flip), wv);
        }
      }
    }
    const __m512i off = _mm512_loadu_si512(a.offset + nb);
    const __m512 m = _mm512_loadu_ps(a.mult + nb);
    const __mmask16 mask = a.n - nb >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (a.n - nb)) - 1);
    for (int r = 0; r < MR; ++r) {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[r], off)), m);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), vzp);  // round to nearest even (default MXCSR)
      q = _mm512_min_epi32(_mm512_max_epi32(q, vmin), vmax);
      _mm512_mask_cvtsepi32_storeu_epi8(a.y + r * a.n + nb, mask, q);
    }
  }
}

struct RunContext {
  const ConvVnni* conv;
  const int8_t* x;
  int8_t* y;
  int64_t rows;
};
constexpr int64_t kRowsPerTask = 32;

void RunTask(void* context, size_t task) {
  auto* c = static_cast<RunContext*>(context);
  int64_t begin = static_cast<int64_t>(task) * kRowsPerTask;
  c->conv->RunRows(c->x, c->y, begin, std::min(kRowsPerTask, c->rows - begin));
}

}  // namespace

void ConvVnni::RunRows(const int8_t* x, int8_t* y, int64_t row_begin, int64_t rows) const {
  std::vector<const int8_t*> ptrs(static_cast<size_t>(4 * taps_));
  TileArgs a{ptrs.data(), taps_, cp_, np_, g_.out_c, packed_.data(), offset_.data(), multiplier_.data(), nullptr,
             y_zero_point_, qmin_, qmax_};
  const int64_t pixels = g_.out_h * g_.out_w;
  auto fill = [&](int slot, int64_t row) {  // tap pointers of output pixel `row` (batch-major)
    int64_t b = row / pixels, oy = (row % pixels) / g_.out_w, ox = row % g_.out_w;
    for (int64_t ky = 0; ky < g_.kernel_h; ++ky)
      for (int64_t kx = 0; kx < g_.kernel_w; ++kx) {
        int64_t iy = oy * g_.stride_h - g_.pad_top + ky * g_.dilation_h;
        int64_t ix = ox * g_.stride_w - g_.pad_left + kx * g_.dilation_w;
        bool inside = iy >= 0 && iy < g_.in_h && ix >= 0 && ix < g_.in_w;
        ptrs[static_cast<size_t>(slot * taps_ + ky * g_.kernel_w + kx)] =
            inside ? x + ((b * g_.in_h + iy) * g_.in_w + ix) * g_.in_c : padding_.data();
      }
  };
  int64_t r = row_begin, end = row_begin + rows;
  for (; r + 4 <= end; r += 4) {
    for (int s = 0; s < 4; ++s) fill(s, r + s);
    a.y = y + r * g_.out_c;
    Tile<4>(a);
  }
  for (; r < end; ++r) {
    fill(0, r);
    a.y = y + r * g_.out_c;
    Tile<1>(a);
  }
}

void ConvVnni::Run(const int8_t* x, int8_t* y, pthreadpool_t pool) const {
  RunContext c{this, x, y, g_.batch * g_.out_h * g_.out_w};
  size_t tasks = static_cast<size_t>((c.rows + kRowsPerTask - 1) / kRowsPerTask);
  if (pool)
    pthreadpool_parallelize_1d(pool, &RunTask, &c, tasks, 0);
  else
    for (size_t t = 0; t < tasks; ++t) RunTask(&c, t);
}

}  // namespace hostnn

#else  // other CPUs (e.g. an aarch64 Linux host): no VNNI, the plan never constructs ConvVnni

namespace hostnn {

bool CpuHasVnni() { return false; }

ConvVnni::ConvVnni(const ConvGeometry2D&, const int8_t*, const int32_t*, const float*, float, int32_t, float, int32_t,
                   int32_t, int32_t) {
  throw std::logic_error("the AVX-512 VNNI kernel needs an x86-64 CPU");
}
void ConvVnni::Run(const int8_t*, int8_t*, pthreadpool_t) const {}
void ConvVnni::RunRows(const int8_t*, int8_t*, int64_t, int64_t) const {}

}  // namespace hostnn

#endif
