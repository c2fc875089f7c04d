#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "avx512_ops.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hostnn {
namespace elementwise {
namespace {

// Split a tensor over the pool only past this many elements: below it a thread's wake-up costs about what it saves.
constexpr size_t kParallelElements = size_t{1} << 16;
constexpr size_t kTileElements = size_t{1} << 14;  // per task, a multiple of 8

// Sigmoid as XNNPACK's rr1_p5_div kernels compute it: z = -|x|; e = exp(z) from 2^n (n = round(z * log2 e), its
// exponent bits shifted into place) times a degree-5 polynomial of the reduced t = z - n ln 2; f = e / (e + 1), 0
// below the cutoff where exp(z) is denormal; 1 - f for positive x.
constexpr float kMagicBias = 0x1.8000FEp23f;
constexpr float kLog2e = 0x1.715476p0f;
constexpr float kMinusLn2 = -0x1.62E43p-1f;
constexpr float kC5 = 0x1.0F9F9Cp-7f, kC4 = 0x1.573A1Ap-5f, kC3 = 0x1.555A80p-3f, kC2 = 0x1.FFFDC6p-2f,
                kC1 = 0x1.FFFFF6p-1f;
constexpr float kDenormCutoff = -0x1.5D589Ep+6f;

uint32_t Bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}
float FromBits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof(v));
  return v;
}

float SigmoidScalar(float x) {
  const float z = FromBits(Bits(x) | 0x80000000u);
  float n = std::fma(z, kLog2e, kMagicBias);
  const float s = FromBits(Bits(n) << 23);
  n = n - kMagicBias;
  float t = std::fma(n, kMinusLn2, z);
  float p = std::fma(kC5, t, kC4);
  p = std::fma(p, t, kC3);
  p = std::fma(p, t, kC2);
  p = std::fma(p, t, kC1);
  t = t * s;
  const float e = std::fma(t, p, s);
  float f = e / (e + 1.f);
  if (z < kDenormCutoff) f = 0.f;
  return Bits(x) >> 31 ? f : 1.f - f;
}

// XNNPACK's clamp: max then min, a NaN becomes lo.
float ClampScalar(float v, float lo, float hi) {
  v = v > lo ? v : lo;
  return v < hi ? v : hi;
}

float GateScalar(const Gate& f, float v) {
  if (f.kind == Gate::Kind::kSigmoid) return SigmoidScalar(v);
  const float scaled = v * f.alpha;
  return ClampScalar(scaled + f.beta, 0.f, 1.f);
}

void SelfGatedScalar(const Gate& f, const float* x, float* y, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = ClampScalar(v * GateScalar(f, v), lo, hi);
  }
}

// Channels [c0, c0 + 32) (fewer at the end) of one image: a sum per channel down the pixels.
void GapBlockScalar(const float* x, float* y, size_t pixels, size_t channels, size_t c0, float scale, float lo,
                    float hi) {
  const size_t end = std::min<size_t>(c0 + 32, channels);
  float acc[32] = {};
  for (size_t p = 0; p < pixels; ++p)
    for (size_t c = c0; c < end; ++c) acc[c - c0] += x[p * channels + c];
  for (size_t c = c0; c < end; ++c) y[c] = ClampScalar(acc[c - c0] * scale, lo, hi);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) inline __m256 SigmoidAvx2(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 magic = _mm256_set1_ps(kMagicBias);
  const __m256 z = _mm256_or_ps(x, _mm256_set1_ps(-0.f));
  __m256 n = _mm256_fmadd_ps(z, _mm256_set1_ps(kLog2e), magic);
  const __m256 s = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(n), 23));
  n = _mm256_sub_ps(n, magic);
  __m256 t = _mm256_fmadd_ps(n, _mm256_set1_ps(kMinusLn2), z);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(kC5), t, _mm256_set1_ps(kC4));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(kC3));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(kC2));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(kC1));
  t = _mm256_mul_ps(t, s);
  const __m256 e = _mm256_fmadd_ps(t, p, s);
  __m256 f = _mm256_div_ps(e, _mm256_add_ps(e, one));
  f = _mm256_andnot_ps(_mm256_cmp_ps(z, _mm256_set1_ps(kDenormCutoff), _CMP_LT_OS), f);
  return _mm256_blendv_ps(_mm256_sub_ps(one, f), f, x);  // x's sign bit picks f
}

__attribute__((target("avx2,fma"))) inline __m256 GateAvx2(const Gate& f, __m256 v) {
  if (f.kind == Gate::Kind::kSigmoid) return SigmoidAvx2(v);
  const __m256 scaled = _mm256_mul_ps(v, _mm256_set1_ps(f.alpha));
  const __m256 h = _mm256_max_ps(_mm256_add_ps(scaled, _mm256_set1_ps(f.beta)), _mm256_setzero_ps());
  return _mm256_min_ps(h, _mm256_set1_ps(1.f));
}

__attribute__((target("avx2,fma"))) inline __m256 ClampAvx2(__m256 v, __m256 lo, __m256 hi) {
  return _mm256_min_ps(_mm256_max_ps(v, lo), hi);
}

template <Gate::Kind kKind>
__attribute__((target("avx2,fma"))) void SelfGatedAvx2(const Gate& f, const float* x, float* y, size_t n, float lo,
                                                       float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  Gate g = f;
  g.kind = kKind;  // a constant for the compiler: no branch per vector
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    _mm256_storeu_ps(y + i, ClampAvx2(_mm256_mul_ps(a, GateAvx2(g, a)), vlo, vhi));
    _mm256_storeu_ps(y + i + 8, ClampAvx2(_mm256_mul_ps(b, GateAvx2(g, b)), vlo, vhi));
  }
  if (i < n) {  // the last 1..15 through a zero-padded buffer: the same vector operations as the rest
    float buf[16] = {};
    const size_t rest = n - i;
    std::memcpy(buf, x + i, rest * sizeof(float));
    for (size_t k = 0; k < 16; k += 8) {
      const __m256 a = _mm256_loadu_ps(buf + k);
      _mm256_storeu_ps(buf + k, ClampAvx2(_mm256_mul_ps(a, GateAvx2(g, a)), vlo, vhi));
    }
    std::memcpy(y + i, buf, rest * sizeof(float));
  }
}

// AVX-512F: the AVX2 operations lane for lane on 16 floats (the same bits); EfficientNet-B0's SiLUs ran 0.75-0.8x
// the AVX2 time on Zen 4, whose vdivps does 16 lanes in about the time of 8.
__attribute__((target("avx512f"))) inline __m512 SigmoidAvx512(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 magic = _mm512_set1_ps(kMagicBias);
  const __m512i xi = _mm512_castps_si512(x);
  const __m512 z = _mm512_castsi512_ps(_mm512_or_si512(xi, _mm512_set1_epi32(INT32_MIN)));
  __m512 n = _mm512_fmadd_ps(z, _mm512_set1_ps(kLog2e), magic);
  const __m512 s = _mm512_castsi512_ps(ShiftLeftAvx512<23>(_mm512_castps_si512(n)));
  n = _mm512_sub_ps(n, magic);
  __m512 t = _mm512_fmadd_ps(n, _mm512_set1_ps(kMinusLn2), z);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(kC5), t, _mm512_set1_ps(kC4));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(kC3));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(kC2));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(kC1));
  t = _mm512_mul_ps(t, s);
  const __m512 e = _mm512_fmadd_ps(t, p, s);
  __m512 f = _mm512_div_ps(e, _mm512_add_ps(e, one));
  // Kept unless z < cutoff (a NaN z keeps its NaN f, as the AVX2 andnot of an ordered compare).
  f = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_set1_ps(kDenormCutoff), _CMP_NLT_UQ), f);
  const __mmask16 negative = _mm512_cmplt_epi32_mask(xi, _mm512_setzero_si512());  // x's sign bit picks f
  return _mm512_mask_blend_ps(negative, _mm512_sub_ps(one, f), f);
}

template <Gate::Kind kKind>
__attribute__((target("avx512f"))) inline __m512 SelfGatedAvx512(const Gate& f, __m512 v, __m512 vlo, __m512 vhi) {
  __m512 g;
  if constexpr (kKind == Gate::Kind::kSigmoid) {
    g = SigmoidAvx512(v);
  } else {
    const __m512 scaled = _mm512_mul_ps(v, _mm512_set1_ps(f.alpha));
    const __m512 h = MaxAvx512(_mm512_add_ps(scaled, _mm512_set1_ps(f.beta)), _mm512_setzero_ps());
    g = MinAvx512(h, _mm512_set1_ps(1.f));
  }
  // ClampAvx2's max then min: a NaN product becomes lo.
  return MinAvx512(MaxAvx512(_mm512_mul_ps(v, g), vlo), vhi);
}

template <Gate::Kind kKind>
__attribute__((target("avx512f"))) void SelfGatedAvx512(const Gate& f, const float* x, float* y, size_t n, float lo,
                                                        float hi) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    _mm512_storeu_ps(y + i, SelfGatedAvx512<kKind>(f, a, vlo, vhi));
    _mm512_storeu_ps(y + i + 16, SelfGatedAvx512<kKind>(f, b, vlo, vhi));
  }
  for (; i < n; i += 16) {  // the last 1..31 under a mask: the same vector operations
    const auto m = static_cast<__mmask16>(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, SelfGatedAvx512<kKind>(f, _mm512_maskz_loadu_ps(m, x + i), vlo, vhi));
  }
}

__attribute__((target("avx2,fma"))) void ScaleRowAvx2(const float* x, const float* g, float* y, size_t c, float lo,
                                                      float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  size_t i = 0;
  for (; i + 8 <= c; i += 8)
    _mm256_storeu_ps(y + i, ClampAvx2(_mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(g + i)), vlo, vhi));
  for (; i < c; ++i) y[i] = ClampScalar(x[i] * g[i], lo, hi);
}

// One row of channels: y = clamp(x * a + b), the product rounded before the add (no FMA).
__attribute__((target("avx2,fma"))) void AffineRowAvx2(const float* x, const float* a, const float* b, float* y,
                                                       size_t c, float lo, float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  size_t i = 0;
  for (; i + 16 <= c; i += 16) {
    const __m256 p0 = _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(a + i));
    const __m256 p1 = _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(a + i + 8));
    _mm256_storeu_ps(y + i, ClampAvx2(_mm256_add_ps(p0, _mm256_loadu_ps(b + i)), vlo, vhi));
    _mm256_storeu_ps(y + i + 8, ClampAvx2(_mm256_add_ps(p1, _mm256_loadu_ps(b + i + 8)), vlo, vhi));
  }
  if (i + 8 <= c) {
    const __m256 p = _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(a + i));
    _mm256_storeu_ps(y + i, ClampAvx2(_mm256_add_ps(p, _mm256_loadu_ps(b + i)), vlo, vhi));
    i += 8;
  }
  if (i < c) {  // the last 1..7 channels under a mask: the same vector operations
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c - i)), lane);
    const __m256 p = _mm256_mul_ps(_mm256_maskload_ps(x + i, mask), _mm256_maskload_ps(a + i, mask));
    _mm256_maskstore_ps(y + i, mask, ClampAvx2(_mm256_add_ps(p, _mm256_maskload_ps(b + i, mask)), vlo, vhi));
  }
}

// Channels [c0, c0 + 32) (fewer at the end) of one image: 4 accumulators of 8 down the pixels.
__attribute__((target("avx2,fma"))) void GapBlockAvx2(const float* x, float* y, size_t pixels, size_t channels,
                                                      size_t c0, float scale, float lo, float hi) {
  if (channels - c0 < 32) {  // the last block: the portable sum (the same order as the vector lanes)
    GapBlockScalar(x, y, pixels, channels, c0, scale, lo, hi);
    return;
  }
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  const float* px = x + c0;
  for (size_t p = 0; p < pixels; ++p, px += channels) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(px));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(px + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(px + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(px + 24));
  }
  const __m256 vs = _mm256_set1_ps(scale), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  _mm256_storeu_ps(y + c0, ClampAvx2(_mm256_mul_ps(a0, vs), vlo, vhi));
  _mm256_storeu_ps(y + c0 + 8, ClampAvx2(_mm256_mul_ps(a1, vs), vlo, vhi));
  _mm256_storeu_ps(y + c0 + 16, ClampAvx2(_mm256_mul_ps(a2, vs), vlo, vhi));
  _mm256_storeu_ps(y + c0 + 24, ClampAvx2(_mm256_mul_ps(a3, vs), vlo, vhi));
}
#endif

void SelfGatedRange(const Gate& f, const float* x, float* y, size_t n, float lo, float hi, F32Isa isa) {
#if defined(__x86_64__)
  if (isa == F32Isa::kAvx512) {
    if (f.kind == Gate::Kind::kSigmoid)
      SelfGatedAvx512<Gate::Kind::kSigmoid>(f, x, y, n, lo, hi);
    else
      SelfGatedAvx512<Gate::Kind::kHardSigmoid>(f, x, y, n, lo, hi);
    return;
  }
  if (F32IsaUsesAvx2(isa)) {
    if (f.kind == Gate::Kind::kSigmoid)
      SelfGatedAvx2<Gate::Kind::kSigmoid>(f, x, y, n, lo, hi);
    else
      SelfGatedAvx2<Gate::Kind::kHardSigmoid>(f, x, y, n, lo, hi);
    return;
  }
#endif
  (void)isa;
  SelfGatedScalar(f, x, y, n, lo, hi);
}

struct SelfGatedTask {
  const Gate* f;
  const float* x;
  float* y;
  float lo, hi;
  F32Isa isa;
  static void Run(void* ctx, size_t start, size_t count) {
    const auto* t = static_cast<const SelfGatedTask*>(ctx);
    SelfGatedRange(*t->f, t->x + start, t->y + start, count, t->lo, t->hi, t->isa);
  }
};

struct GateTask {
  const Gate* f;
  const float* x;
  float* y;
  static void Run(void* ctx, size_t start, size_t count) {
    const auto* t = static_cast<const GateTask*>(ctx);
    for (size_t i = start; i < start + count; ++i) t->y[i] = GateScalar(*t->f, t->x[i]);
  }
};

struct ScaleTask {
  const float* x;
  const float* g;  // f(gate), [images or 1][channels]
  float* y;
  size_t pixels, channels;
  bool perImage;
  float lo, hi;
  F32Isa isa;
  // Rows [start, start + count) of `channels` elements (row r is pixel r % pixels of image r / pixels).
  static void Run(void* ctx, size_t start, size_t count) {
    const auto* t = static_cast<const ScaleTask*>(ctx);
    for (size_t r = start; r < start + count; ++r) {
      const float* g = t->g + (t->perImage ? r / t->pixels * t->channels : 0);
      const float* x = t->x + r * t->channels;
      float* y = t->y + r * t->channels;
#if defined(__x86_64__)
      if (F32IsaUsesAvx2(t->isa)) {
        ScaleRowAvx2(x, g, y, t->channels, t->lo, t->hi);
        continue;
      }
#endif
      for (size_t c = 0; c < t->channels; ++c) y[c] = ClampScalar(x[c] * g[c], t->lo, t->hi);
    }
  }
};

struct AffineTask {
  const float *x, *a, *b;
  float* y;
  size_t channels;
  float lo, hi;
  F32Isa isa;
  // Rows [start, start + count) of `channels` elements.
  static void Run(void* ctx, size_t start, size_t count) {
    const auto* t = static_cast<const AffineTask*>(ctx);
    for (size_t r = start; r < start + count; ++r) {
      const float* x = t->x + r * t->channels;
      float* y = t->y + r * t->channels;
#if defined(__x86_64__)
      if (F32IsaUsesAvx2(t->isa)) {
        AffineRowAvx2(x, t->a, t->b, y, t->channels, t->lo, t->hi);
        continue;
      }
#endif
      for (size_t c = 0; c < t->channels; ++c) {
        const float p = x[c] * t->a[c];
        y[c] = ClampScalar(p + t->b[c], t->lo, t->hi);
      }
    }
  }
};

struct GapTask {
  const float* x;
  float* y;
  size_t pixels, channels;
  float scale, lo, hi;
  F32Isa isa;
  static void Run(void* ctx, size_t image, size_t block) {
    const auto* t = static_cast<const GapTask*>(ctx);
    const float* x = t->x + image * t->pixels * t->channels;
    float* y = t->y + image * t->channels;
#if defined(__x86_64__)
    if (F32IsaUsesAvx2(t->isa)) {
      GapBlockAvx2(x, y, t->pixels, t->channels, block * 32, t->scale, t->lo, t->hi);
      return;
    }
#endif
    GapBlockScalar(x, y, t->pixels, t->channels, block * 32, t->scale, t->lo, t->hi);
  }
};

// The pool for a tensor this large, else null (pthreadpool runs the call on the calling thread).
pthreadpool_t PoolFor(pthreadpool_t pool, size_t elements) {
  return pool && pthreadpool_get_threads_count(pool) > 1 && elements >= kParallelElements ? pool : nullptr;
}

// XNNPACK runs its operators with denormals flushed to zero (the flag sets MXCSR DAZ+FTZ, aarch64 FPCR.FZ, for the
// call): the same here, or sigmoid(x) for x < -74 (where t * 2^n is denormal) would differ from its result.
constexpr uint32_t kFlags = PTHREADPOOL_FLAG_DISABLE_DENORMALS;

}  // namespace

bool SelfGatedFast(const Gate& f, F32Isa isa) {
#if defined(FP_FAST_FMAF)
  constexpr bool kHardwareFma = true;
#else
  constexpr bool kHardwareFma = false;
#endif
  return f.kind != Gate::Kind::kSigmoid || F32IsaUsesAvx2(isa) || kHardwareFma;
}

void SelfGated(const Gate& f, const float* x, float* y, size_t n, float lo, float hi, F32Isa isa, pthreadpool_t pool) {
  SelfGatedTask task{&f, x, y, lo, hi, isa};
  pthreadpool_t p = PoolFor(pool, n);
  pthreadpool_parallelize_1d_tile_1d(p, &SelfGatedTask::Run, &task, n, p ? kTileElements : n, kFlags);
}

void ChannelScale(const float* x, const float* gate, bool gatePerImage, const Gate* f, float* scratch, float* y,
                  size_t images, size_t pixels, size_t channels, float lo, float hi, F32Isa isa, pthreadpool_t pool) {
  const float* g = gate;
  if (f) {  // f(gate) once per channel (per image), under the same flush-to-zero as everything else here
    GateTask gt{f, gate, scratch};
    pthreadpool_parallelize_1d_tile_1d(nullptr, &GateTask::Run, &gt, (gatePerImage ? images : 1) * channels, channels,
                                       kFlags);
    g = scratch;
  }
  ScaleTask task{x, g, y, pixels, channels, gatePerImage, lo, hi, isa};
  const size_t rows = images * pixels;
  pthreadpool_t p = PoolFor(pool, rows * channels);
  pthreadpool_parallelize_1d_tile_1d(p, &ScaleTask::Run, &task, rows,
                                     p ? std::max<size_t>(1, kTileElements / channels) : rows, kFlags);
}

void ChannelAffine(const float* x, const float* a, const float* b, float* y, size_t rows, size_t channels, float lo,
                   float hi, F32Isa isa, pthreadpool_t pool) {
  AffineTask task{x, a, b, y, channels, lo, hi, isa};
  pthreadpool_t p = PoolFor(pool, rows * channels);
  pthreadpool_parallelize_1d_tile_1d(p, &AffineTask::Run, &task, rows,
                                     p ? std::max<size_t>(1, kTileElements / channels) : rows, kFlags);
}

void GlobalAveragePool(const float* x, float* y, size_t images, size_t pixels, size_t channels, float lo, float hi,
                       F32Isa isa, pthreadpool_t pool) {
  GapTask task{x, y, pixels, channels, 1.f / static_cast<float>(pixels), lo, hi, isa};
  pthreadpool_parallelize_2d(PoolFor(pool, images * pixels * channels), &GapTask::Run, &task, images,
                             (channels + 31) / 32, kFlags);
}

}  // namespace elementwise
}  // namespace hostnn
