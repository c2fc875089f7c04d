#include "qconv_int8.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_* temporaries (clang has no
// such warning and reports the unknown group instead).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>  // getauxval, HWCAP_ASIMDDP
#endif

namespace hostnn {

bool Int8IsaSupported(Int8Isa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case Int8Isa::kScalar: return true;
    case Int8Isa::kAvx2: return __builtin_cpu_supports("avx2");
    case Int8Isa::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
    case Int8Isa::kNeon:
    case Int8Isa::kNeonDot: return false;
  }
  return false;
#elif defined(__aarch64__)
  switch (isa) {
    case Int8Isa::kScalar:
    case Int8Isa::kNeon: return true;  // Advanced SIMD is part of every ARMv8-A CPU
    case Int8Isa::kNeonDot: return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
    case Int8Isa::kAvx2:
    case Int8Isa::kAvx512Vnni: return false;
  }
  return false;
#else
  return isa == Int8Isa::kScalar;
#endif
}

const char* Int8IsaLabel(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::kScalar: return "scalar";
    case Int8Isa::kAvx2: return "AVX2";
    case Int8Isa::kAvx512Vnni: return "AVX-512 VNNI";
    case Int8Isa::kNeon: return "NEON";
    case Int8Isa::kNeonDot: return "NEON dotprod";
  }
  return "?";
}

Int8Isa SelectInt8Isa() {
  const char* env = std::getenv("NPULENS_HOSTNN_ISA");
  if (!env || !*env) {
    for (Int8Isa isa : {Int8Isa::kAvx512Vnni, Int8Isa::kAvx2, Int8Isa::kNeonDot, Int8Isa::kNeon})
      if (Int8IsaSupported(isa)) return isa;
    return Int8Isa::kScalar;
  }
  const std::string name = env;
  Int8Isa isa = name == "scalar"    ? Int8Isa::kScalar
                : name == "avx2"    ? Int8Isa::kAvx2
                : name == "vnni"    ? Int8Isa::kAvx512Vnni
                : name == "neon"    ? Int8Isa::kNeon
                : name == "neondot" ? Int8Isa::kNeonDot
                                    : throw std::runtime_error("NPULENS_HOSTNN_ISA='" + name +
                                                               "' is not one of scalar, avx2, vnni, neon, neondot");
  if (!Int8IsaSupported(isa))
    throw std::runtime_error("NPULENS_HOSTNN_ISA=" + name + ": this CPU has no " + Int8IsaLabel(isa));
  return isa;
}

namespace {

// Two's complement wrap-around without signed overflow: every variant computes the accumulator modulo 2^32
// (equal to the exact sum whenever that fits in int32, as onnxruntime's int32 accumulation assumes).
inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t WrapMul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// The requantization every variant implements lane by lane: float(acc) * m (float), max(., lo) then min(., hi) with
// the SSE semantics (a NaN product becomes lo), round half to even, + zero point.
inline int8_t Requantize(int32_t acc, float m, float lo, float hi, int32_t zp) {
  float f = static_cast<float>(acc) * m;
  f = f > lo ? f : lo;
  f = f < hi ? f : hi;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + zp);
}

}  // namespace

QConvInt8::QConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
                     int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa)
    : g_(g),
      isa_(isa),
      taps_(g.kernelH * g.kernelW),
      xZeroPoint_(xZeroPoint),
      yZeroPoint_(yZeroPoint),
      lo_(static_cast<float>(qmin - yZeroPoint)),
      hi_(static_cast<float>(qmax - yZeroPoint)) {
  if (!Int8IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + Int8IsaLabel(isa));
  const int64_t block = isa == Int8Isa::kAvx2 ? 2 : isa == Int8Isa::kScalar ? 1 : 4;
  cp_ = (g.inC + block - 1) / block * block;
  np_ = isa == Int8Isa::kScalar ? g.outC : (g.outC + 15) / 16 * 16;
  // Zero weights in the channel and output padding: whatever the padded lanes read contributes nothing.
  const size_t weights = static_cast<size_t>(np_ * taps_ * cp_);
  if (isa == Int8Isa::kAvx2) {
    packed16_.assign(weights, 0);
    padding16_.assign(static_cast<size_t>(cp_ + 2), 0);  // x - x_zero_point of a padded pixel
  } else {
    packed_.assign(weights, 0);
    padding_.assign(static_cast<size_t>(cp_ + 4), static_cast<int8_t>(xZeroPoint));  // real value 0
  }
  offset_.assign(static_cast<size_t>(np_), 0);
  multiplier_.assign(static_cast<size_t>(np_), 0.f);
  for (int64_t o = 0; o < g.outC; ++o) {
    int32_t sum = 0;
    for (int64_t c = 0; c < g.inC; ++c)
      for (int64_t t = 0; t < taps_; ++t) {
        const int8_t v = w[(o * g.inC + c) * taps_ + t];
        sum = WrapAdd(sum, v);
        switch (isa) {
          case Int8Isa::kAvx512Vnni:
          case Int8Isa::kNeon:
          case Int8Isa::kNeonDot:
            packed_[static_cast<size_t>(((((o / 16) * taps_ + t) * (cp_ / 4) + c / 4) * 16 + o % 16) * 4 + c % 4)] = v;
            break;
          case Int8Isa::kAvx2:
            packed16_[static_cast<size_t>(((((o / 16) * taps_ + t) * (cp_ / 2) + c / 2) * 16 + o % 16) * 2 + c % 2)] =
                v;
            break;
          case Int8Isa::kScalar: packed_[static_cast<size_t>((o * taps_ + t) * cp_ + c)] = v; break;
        }
      }
    // VNNI multiplies unsigned activations: x + 128 (x ^ 0x80) is used, so it adds -(x_zp + 128) * sum(w). NEON
    // multiplies x itself (signed): it adds -x_zp * sum(w). The others multiply x - x_zp directly.
    offset_[o] = isa == Int8Isa::kAvx512Vnni ? WrapAdd(bias[o], WrapMul(-(xZeroPoint + 128), sum))
                 : isa == Int8Isa::kNeon || isa == Int8Isa::kNeonDot ? WrapAdd(bias[o], WrapMul(-xZeroPoint, sum))
                                                                     : bias[o];
    multiplier_[o] = xScale * wScale[o] / yScale;  // in float, as onnxruntime and XNNPACK compute it
  }
}

template <typename T>
void QConvInt8::FillTaps(const T* x, int64_t pixelStride, const T* padding, int64_t row, const void** taps) const {
  const int64_t pixels = g_.outH * g_.outW;
  const int64_t b = row / pixels, oy = (row % pixels) / g_.outW, ox = row % g_.outW;
  for (int64_t ky = 0; ky < g_.kernelH; ++ky)
    for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
      const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
      const int64_t ix = ox * g_.strideW - g_.padLeft + kx * g_.dilationW;
      const bool inside = iy >= 0 && iy < g_.inH && ix >= 0 && ix < g_.inW;
      taps[ky * g_.kernelW + kx] = inside ? x + ((b * g_.inH + iy) * g_.inW + ix) * pixelStride : padding;
    }
}
// The NEON variants' RunRowsNeon (qconv_int8_neon.cpp) fills int8 taps.
template void QConvInt8::FillTaps<int8_t>(const int8_t*, int64_t, const int8_t*, int64_t, const void**) const;

namespace {

struct TileArgs {
  const void* const* rows;  // [MR][taps] pointers to the input pixel (or the padding) of each tap
  int64_t taps, cp, np, n;
  const void* packed;
  const int32_t* offset;
  const float* mult;
  int8_t* y;  // first output row
  int32_t zp;
  float lo, hi;
};

#if defined(__x86_64__)

template <int MR>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void TileVnni(const TileArgs& a) {
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  const __m512i vzp = _mm512_set1_epi32(a.zp);
  const __m512 vlo = _mm512_set1_ps(a.lo), vhi = _mm512_set1_ps(a.hi);
  const int64_t cblocks = a.cp / 4;
  for (int64_t nb = 0; nb < a.np; nb += 16) {
    __m512i acc[MR];
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_si512();
    const int8_t* wp = static_cast<const int8_t*>(a.packed) + nb * a.taps * a.cp;
    for (int64_t t = 0; t < a.taps; ++t) {
      const int8_t* px[MR];
      for (int r = 0; r < MR; ++r) px[r] = static_cast<const int8_t*>(a.rows[r * a.taps + t]);
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
    const __mmask16 mask =
        a.n - nb >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (a.n - nb)) - 1);
    for (int r = 0; r < MR; ++r) {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[r], off)), m);
      f = _mm512_min_ps(_mm512_max_ps(f, vlo), vhi);
      const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), vzp);  // round to nearest even (default MXCSR)
      _mm512_mask_cvtsepi32_storeu_epi8(a.y + r * a.n + nb, mask, q);
    }
  }
}

// Requantizes 16 accumulators (two vectors of 8) and stores the first n (<= 16) as int8.
__attribute__((target("avx2"))) inline void StoreAvx2(__m256i acc0, __m256i acc1, const int32_t* offset,
                                                      const float* mult, __m256 lo, __m256 hi, __m256i zp, int8_t* y,
                                                      int64_t n) {
  __m256 f0 = _mm256_mul_ps(
      _mm256_cvtepi32_ps(_mm256_add_epi32(acc0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset)))),
      _mm256_loadu_ps(mult));
  __m256 f1 = _mm256_mul_ps(
      _mm256_cvtepi32_ps(_mm256_add_epi32(acc1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset + 8)))),
      _mm256_loadu_ps(mult + 8));
  f0 = _mm256_min_ps(_mm256_max_ps(f0, lo), hi);
  f1 = _mm256_min_ps(_mm256_max_ps(f1, lo), hi);
  const __m256i q0 = _mm256_add_epi32(_mm256_cvtps_epi32(f0), zp), q1 = _mm256_add_epi32(_mm256_cvtps_epi32(f1), zp);
  // packs interleaves the 128-bit lanes: [q0 0-3, q1 0-3, q0 4-7, q1 4-7] → reorder to q0 0-7, q1 0-7.
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
  const __m128i b = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  if (n >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), b);
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(y, tmp, static_cast<size_t>(n));
  }
}

template <int MR>
__attribute__((target("avx2"))) void TileAvx2(const TileArgs& a) {
  const __m256i vzp = _mm256_set1_epi32(a.zp);
  const __m256 vlo = _mm256_set1_ps(a.lo), vhi = _mm256_set1_ps(a.hi);
  const int64_t pairs = a.cp / 2;
  for (int64_t nb = 0; nb < a.np; nb += 16) {
    __m256i acc0[MR], acc1[MR];
    for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm256_setzero_si256();
    const int16_t* wp = static_cast<const int16_t*>(a.packed) + nb * a.taps * a.cp;
    for (int64_t t = 0; t < a.taps; ++t) {
      const int16_t* px[MR];
      for (int r = 0; r < MR; ++r) px[r] = static_cast<const int16_t*>(a.rows[r * a.taps + t]);
      for (int64_t p = 0; p < pairs; ++p, wp += 32) {
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16));
        for (int r = 0; r < MR; ++r) {
          int32_t v;  // channels 2p, 2p+1 of x - x_zp as two int16: each product and pair sum is exact in int32
          std::memcpy(&v, px[r] + p * 2, 4);
          const __m256i xv = _mm256_set1_epi32(v);
          acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(xv, w0));
          acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(xv, w1));
        }
      }
    }
    for (int r = 0; r < MR; ++r)
      StoreAvx2(acc0[r], acc1[r], a.offset + nb, a.mult + nb, vlo, vhi, vzp, a.y + r * a.n + nb, a.n - nb);
  }
}

// x - x_zp as int16, each pixel's channels padded with zeros to cp.
__attribute__((target("avx2"))) void Widen(const int8_t* x, int64_t pixels, int64_t c, int64_t cp, int32_t zp,
                                           int16_t* out) {
  const int16_t z = static_cast<int16_t>(zp);
  for (int64_t i = 0; i < pixels; ++i, x += c, out += cp) {
    for (int64_t k = 0; k < c; ++k) out[k] = static_cast<int16_t>(x[k] - z);
    for (int64_t k = c; k < cp; ++k) out[k] = 0;
  }
}

#endif  // __x86_64__

struct RunContext {
  const QConvInt8* conv;
  const int8_t* x;
  const int16_t* wide;
  int8_t* y;
  int64_t rows;
};
constexpr int64_t kRowsPerTask = 32;

void RunTask(void* context, size_t task) {
  auto* c = static_cast<RunContext*>(context);
  int64_t begin = static_cast<int64_t>(task) * kRowsPerTask;
  c->conv->RunRows(c->x, c->wide, c->y, begin, std::min(kRowsPerTask, c->rows - begin));
}

}  // namespace

void QConvInt8::RunRows(const int8_t* x, const int16_t* wide, int8_t* y, int64_t rowBegin, int64_t rows) const {
#if defined(__aarch64__)
  if (isa_ == Int8Isa::kNeon || isa_ == Int8Isa::kNeonDot) return RunRowsNeon(x, y, rowBegin, rows);
#endif
  const int64_t end = rowBegin + rows;
  std::vector<const void*> ptrs(static_cast<size_t>(4 * taps_));
  if (isa_ == Int8Isa::kScalar) {
    for (int64_t r = rowBegin; r < end; ++r) {
      FillTaps(x, g_.inC, padding_.data(), r, ptrs.data());
      int8_t* out = y + r * g_.outC;
      for (int64_t o = 0; o < g_.outC; ++o) {
        const int8_t* w = packed_.data() + o * taps_ * cp_;
        int32_t acc = offset_[static_cast<size_t>(o)];
        for (int64_t t = 0; t < taps_; ++t, w += cp_) {
          const auto* px = static_cast<const int8_t*>(ptrs[static_cast<size_t>(t)]);
          for (int64_t c = 0; c < g_.inC; ++c) acc = WrapAdd(acc, (px[c] - xZeroPoint_) * w[c]);
        }
        out[o] = Requantize(acc, multiplier_[static_cast<size_t>(o)], lo_, hi_, yZeroPoint_);
      }
    }
    return;
  }
#if defined(__x86_64__)
  const bool avx2 = isa_ == Int8Isa::kAvx2;
  TileArgs a{ptrs.data(),
             taps_,
             cp_,
             np_,
             g_.outC,
             avx2 ? static_cast<const void*>(packed16_.data()) : static_cast<const void*>(packed_.data()),
             offset_.data(),
             multiplier_.data(),
             nullptr,
             yZeroPoint_,
             lo_,
             hi_};
  auto fill = [&](int slot, int64_t row) {
    const void** taps = ptrs.data() + slot * taps_;
    if (avx2)
      FillTaps(wide, cp_, padding16_.data(), row, taps);
    else
      FillTaps(x, g_.inC, padding_.data(), row, taps);
  };
  int64_t r = rowBegin;
  for (; r + 4 <= end; r += 4) {
    for (int s = 0; s < 4; ++s) fill(s, r + s);
    a.y = y + r * g_.outC;
    if (avx2)
      TileAvx2<4>(a);
    else
      TileVnni<4>(a);
  }
  for (; r < end; ++r) {
    fill(0, r);
    a.y = y + r * g_.outC;
    if (avx2)
      TileAvx2<1>(a);
    else
      TileVnni<1>(a);
  }
#endif
}

void QConvInt8::Run(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const {
  const int16_t* wide = nullptr;
#if defined(__x86_64__)
  if (isa_ == Int8Isa::kAvx2) {
    const int64_t pixels = g_.batch * g_.inH * g_.inW;
    if (scratch->size() < static_cast<size_t>(pixels * cp_)) scratch->resize(static_cast<size_t>(pixels * cp_));
    Widen(x, pixels, g_.inC, cp_, xZeroPoint_, scratch->data());
    wide = scratch->data();
  }
#endif
  RunContext c{this, x, wide, y, g_.batch * g_.outH * g_.outW};
  size_t tasks = static_cast<size_t>((c.rows + kRowsPerTask - 1) / kRowsPerTask);
  if (pool)
    pthreadpool_parallelize_1d(pool, &RunTask, &c, tasks, 0);
  else
    for (size_t t = 0; t < tasks; ++t) RunTask(&c, t);
}

}  // namespace hostnn
