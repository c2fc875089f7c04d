#include "dwconv.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hostnn {

bool IsDepthwise(const ConvGeometry2D& g, int64_t groups) {
  return groups == g.inC && g.outC == g.inC && g.kernelH * g.kernelW <= kDwMaxTaps;
}

bool DwInt8UsesAvx2(Int8Isa isa) { return isa == Int8Isa::kAvx2 || isa == Int8Isa::kAvx512Vnni; }

const char* DwIsaLabel(bool avx2) { return avx2 ? "AVX2 depthwise" : "scalar depthwise"; }

namespace {

constexpr int64_t kLanes = 8;                   // channels per packed block
constexpr int64_t kTapStride = kDwMaxTaps + 1;  // one pixel's tap pointers (+ the odd last tap's pair)

// The input rows of output row `row`'s kernel rows, or null where a kernel row falls in the padding.
template <typename T>
inline void KernelRows(const ConvGeometry2D& g, const T* x, int64_t row, const T** rows) {
  const int64_t b = row / g.outH, oy = row % g.outH;
  for (int64_t ky = 0; ky < g.kernelH; ++ky) {
    const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
    rows[ky] = iy >= 0 && iy < g.inH ? x + (b * g.inH + iy) * g.inW * g.inC : nullptr;
  }
}

// taps[t] = the input pixel of tap t of output pixel ox of the row whose kernel rows are `rows`, or `padding`: a
// select per tap, once per pixel.
template <typename T>
inline void FillTaps(const ConvGeometry2D& g, const T* const* rows, const T* padding, int64_t ox, const T** taps) {
  const int64_t ix0 = ox * g.strideW - g.padLeft;
  for (int64_t ky = 0; ky < g.kernelH; ++ky) {
    const T* line = rows[ky];
    for (int64_t kx = 0, ix = ix0; kx < g.kernelW; ++kx, ix += g.dilationW)
      taps[ky * g.kernelW + kx] = line && ix >= 0 && ix < g.inW ? line + ix * g.inC : padding;
  }
}

template <typename Kernel>
struct RowTask {
  const Kernel* conv;
  const void* x;
  void* y;
};

template <typename Kernel, typename T>
void RunRowTask(void* context, size_t row) {
  auto* c = static_cast<RowTask<Kernel>*>(context);
  c->conv->RunRows(static_cast<const T*>(c->x), static_cast<T*>(c->y), static_cast<int64_t>(row), 1);
}

#if defined(__x86_64__)

// NB blocks of 8 channels starting at channel c of NP adjacent output pixels (taps[px * tapStride + t]; outputs C
// apart), each weight load feeding NP pixels: acc = sum over tap pairs of vpmaddwd(two taps' int8 interleaved and
// sign-extended, their interleaved weights), exact in int32; then qconv_int8's requantization.
template <int NB, int NP>
__attribute__((target("avx2"))) inline void Int8BlocksAvx2(const int8_t* const* taps, int64_t tapStride, int64_t pairs,
                                                           int64_t c, int64_t channels, const int16_t* w,
                                                           int64_t blockStride, const int32_t* offset,
                                                           const float* mult, __m256 lo, __m256 hi, __m256i zp,
                                                           int8_t* out) {
  __m256i acc[NP][NB];
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) {
    const __m256i o = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset + c + j * kLanes));
#pragma GCC unroll 2
    for (int px = 0; px < NP; ++px) acc[px][j] = o;
  }
  for (int64_t p = 0; p < pairs; ++p, w += 2 * kLanes) {
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * blockStride));
#pragma GCC unroll 2
      for (int px = 0; px < NP; ++px) {
        const int8_t* p0 = taps[px * tapStride + 2 * p] + c + j * kLanes;
        const int8_t* p1 = taps[px * tapStride + 2 * p + 1] + c + j * kLanes;
        const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p0));
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p1));
        const __m256i xv = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b));
        acc[px][j] = _mm256_add_epi32(acc[px][j], _mm256_madd_epi16(xv, wv));
      }
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) {
    const __m256 m = _mm256_loadu_ps(mult + c + j * kLanes);
#pragma GCC unroll 2
    for (int px = 0; px < NP; ++px) {
      __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[px][j]), m);
      f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);
      const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(f), zp);  // round half to even (default MXCSR)
      const __m128i s = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out + px * channels + c + j * kLanes), _mm_packs_epi16(s, s));
    }
  }
}

// NP adjacent output pixels' first `blocks` blocks of 8 channels, 4 blocks at a time, then 2, then 1.
template <int NP>
__attribute__((target("avx2"))) void Int8PixelsAvx2(const int8_t* const* taps, int64_t tapStride, int64_t pairs,
                                                    int64_t blocks, int64_t channels, const int16_t* packed,
                                                    const int32_t* offset, const float* mult, float lo, float hi,
                                                    int32_t zp, int8_t* out) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  const __m256i vzp = _mm256_set1_epi32(zp);
  const int64_t stride = pairs * 2 * kLanes;  // one block's weights
  int64_t cb = 0;
  for (; cb + 4 <= blocks; cb += 4)
    Int8BlocksAvx2<4, NP>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride, offset, mult,
                          vlo, vhi, vzp, out);
  for (; cb + 2 <= blocks; cb += 2)  // a remainder of 2 or 3 blocks: 2 * NP accumulators rather than NP
    Int8BlocksAvx2<2, NP>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride, offset, mult,
                          vlo, vhi, vzp, out);
  for (; cb < blocks; ++cb)
    Int8BlocksAvx2<1, NP>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride, offset, mult,
                          vlo, vhi, vzp, out);
}

#endif  // __x86_64__

}  // namespace

DwConvInt8::DwConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
                       int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa)
    : g_(g),
      avx2_(DwInt8UsesAvx2(isa)),
      taps_(g.kernelH * g.kernelW),
      pairs_((taps_ + 1) / 2),
      blocks_(avx2_ ? g.inC / kLanes : 0),
      yZeroPoint_(yZeroPoint),
      lo_(static_cast<float>(qmin - yZeroPoint)),
      hi_(static_cast<float>(qmax - yZeroPoint)) {
  if (!IsDepthwise(g, g.inC)) throw std::logic_error("DwConvInt8: not a depthwise convolution of at most 64 taps");
  if (!Int8IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + Int8IsaLabel(isa));
  const int64_t c = g.inC;
  w_.assign(w, w + c * taps_);
  packed_.assign(static_cast<size_t>(blocks_ * pairs_ * 2 * kLanes), 0);
  offset_.resize(static_cast<size_t>(c));
  multiplier_.resize(static_cast<size_t>(c));
  padding_.assign(static_cast<size_t>(c + kLanes), static_cast<int8_t>(xZeroPoint));  // real value 0
  for (int64_t ch = 0; ch < c; ++ch) {
    int32_t sum = 0;
    for (int64_t t = 0; t < taps_; ++t) {
      const int8_t v = w[ch * taps_ + t];
      sum = WrapAdd(sum, v);
      if (ch / kLanes < blocks_)
        packed_[static_cast<size_t>((((ch / kLanes) * pairs_ + t / 2) * kLanes + ch % kLanes) * 2 + t % 2)] = v;
    }
    offset_[static_cast<size_t>(ch)] = WrapAdd(bias[ch], WrapMul(-xZeroPoint, sum));
    multiplier_[static_cast<size_t>(ch)] = xScale * wScale[ch] / yScale;  // in float, as qconv_int8 computes it
  }
}

void DwConvInt8::Run(const int8_t* x, int8_t* y, pthreadpool_t pool) const {
  RowTask<DwConvInt8> task{this, x, y};
  pthreadpool_parallelize_1d(pool, &RunRowTask<DwConvInt8, int8_t>, &task, static_cast<size_t>(g_.batch * g_.outH), 0);
}

void DwConvInt8::RunRows(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const {
  const int64_t c = g_.inC;
  // An odd last tap pairs with the padding row (its weight is 0).
  // Two pixels' taps; an odd last tap pairs with the padding row (its weight is 0).
  const int8_t* taps[2 * kTapStride];
  taps[taps_] = taps[kTapStride + taps_] = padding_.data();
  const int8_t* lines[kDwMaxTaps];
  const int64_t vectorC = blocks_ * kLanes;
  for (int64_t row = rowBegin; row < rowBegin + rows; ++row) {
    KernelRows(g_, x, row, lines);
    for (int64_t ox = 0; ox < g_.outW;) {
      const int64_t np = avx2_ && ox + 1 < g_.outW ? 2 : 1;  // AVX2: two pixels share each weight load
      for (int64_t px = 0; px < np; ++px) FillTaps(g_, lines, padding_.data(), ox + px, taps + px * kTapStride);
      int8_t* out = y + (row * g_.outW + ox) * c;
#if defined(__x86_64__)
      if (avx2_ && np == 2)
        Int8PixelsAvx2<2>(taps, kTapStride, pairs_, blocks_, c, packed_.data(), offset_.data(), multiplier_.data(), lo_,
                          hi_, yZeroPoint_, out);
      else if (avx2_)
        Int8PixelsAvx2<1>(taps, kTapStride, pairs_, blocks_, c, packed_.data(), offset_.data(), multiplier_.data(), lo_,
                          hi_, yZeroPoint_, out);
#endif
      for (int64_t px = 0; px < np; ++px)
        for (int64_t ch = vectorC; ch < c; ++ch) {
          int32_t acc = offset_[static_cast<size_t>(ch)];
          const int8_t* w = w_.data() + ch * taps_;
          for (int64_t t = 0; t < taps_; ++t) acc = WrapAdd(acc, taps[px * kTapStride + t][ch] * w[t]);
          out[px * c + ch] = Requantize(acc, multiplier_[static_cast<size_t>(ch)], lo_, hi_, yZeroPoint_);
        }
      ox += np;
    }
  }
}

}  // namespace hostnn
