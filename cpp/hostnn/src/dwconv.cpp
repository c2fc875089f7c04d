#include "dwconv.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>

#include "avx512_ops.h"
#include "requant_avx2.h"
#endif

namespace hostnn {

bool IsDepthwise(const ConvGeometry2D& g, int64_t groups) {
  return groups == g.inC && g.outC == g.inC && g.kernelH * g.kernelW <= kDwMaxTaps;
}

const char* DwIsaLabel(bool avx2) { return avx2 ? "AVX2 depthwise" : "scalar depthwise"; }

bool DwInt8Vnni(const ConvGeometry2D& g, Int8Isa isa) {
#if defined(__x86_64__)
  // The interleave's vpermt2b: every AVX-512 VNNI CPU but Cascade Lake has VBMI.
  static const bool vbmi = __builtin_cpu_supports("avx512vbmi");
  if (isa != Int8Isa::kAvx512Vnni || !vbmi) return false;
  // Where it measured faster than the AVX2 row kernel (one thread on Zen 4, the layers of MobileNetV2/V3 and
  // EfficientNet-B0 alone): 3x3 and 5x5 without dilation, stride 1 from 32 channels (0.75-0.96x its time; 72: 1.00x;
  // 16: 1.33x, where the interleave's 32-channel steps are half empty), stride 2 from 128 (0.90-0.96x; 64-96:
  // 0.98-1.16x: half the outputs per interleaved column).
  const bool kernel =
      g.kernelH == g.kernelW && (g.kernelH == 3 || g.kernelH == 5) && g.dilationH == 1 && g.dilationW == 1;
  const bool stride = g.strideH == g.strideW && (g.strideH == 1 || g.strideH == 2);
  return kernel && stride && g.inC >= (g.strideH == 1 ? 32 : 128);
#else
  return false;
#endif
}

const char* DwInt8Label(const ConvGeometry2D& g, Int8Isa isa) {
  return DwInt8Vnni(g, isa) ? "AVX-512 VNNI depthwise" : DwIsaLabel(Int8IsaUsesAvx2(isa));
}

bool DwInt8RowKernel(const ConvGeometry2D& g, Int8Isa isa) {
  return Int8IsaUsesAvx2(isa) && !DwInt8Vnni(g, isa) && g.inC >= 8 && g.dilationW == 1 &&
         (g.kernelW == 3 || g.kernelW == 5) && (g.strideW == 1 || g.strideW == 2);
}

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

// The requantization's constants (qconv_int8's, requant_avx2.h's helpers): kIntClamp (DwConvInt8::intClamp_) clamps
// the packed int8 to [qmin, qmax] (q8lo, q8hi) after RequantizeUnclampedAvx2; otherwise RequantizeAvx2 clamps the
// floats to [lo, hi].
struct Int8Requant {
  __m256 lo, hi;
  __m256i zp16, q8lo, q8hi;
};

__attribute__((target("avx2"))) inline Int8Requant MakeRequantAvx2(float lo, float hi, int32_t zp, int32_t qmin,
                                                                   int32_t qmax) {
  return {_mm256_set1_ps(lo), _mm256_set1_ps(hi), _mm256_set1_epi16(static_cast<int16_t>(zp)),
          _mm256_set1_epi8(static_cast<char>(qmin)), _mm256_set1_epi8(static_cast<char>(qmax))};
}

// Two vectors of 8 accumulators (the offset already in them) requantized to int16 in RequantizeAvx2's order.
template <bool kIntClamp>
__attribute__((target("avx2"))) inline __m256i Requant2Avx2(__m256i a, __m256i b, __m256 ma, __m256 mb,
                                                            const Int8Requant& q) {
  if constexpr (kIntClamp) return RequantizeUnclampedAvx2(a, b, ma, mb, q.zp16);
  return RequantizeAvx2(a, b, ma, mb, q.lo, q.hi, q.zp16);
}

// Requant2Avx2's results for vectors 0-1 and 2-3 as 32 int8, in order (PackRowsAvx2), clamped where kIntClamp.
template <bool kIntClamp>
__attribute__((target("avx2"))) inline __m256i Pack4Avx2(__m256i r01, __m256i r23, const Int8Requant& q) {
  const __m256i v = PackRowsAvx2(r01, r23);
  if constexpr (kIntClamp) return _mm256_min_epi8(_mm256_max_epi8(v, q.q8lo), q.q8hi);
  return v;
}

// Stores the 4 groups of 8 int8 of v at y, y + step, y + 2 step, y + 3 step (N of them: 1, 2 or 4).
template <int N>
__attribute__((target("avx2"))) inline void Store8sAvx2(__m256i v, int8_t* y, int64_t step) {
  const __m128i lo = _mm256_castsi256_si128(v);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), lo);
  if constexpr (N >= 2) _mm_storel_epi64(reinterpret_cast<__m128i*>(y + step), _mm_unpackhi_epi64(lo, lo));
  if constexpr (N >= 4) {
    const __m128i hi = _mm256_extracti128_si256(v, 1);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + 2 * step), hi);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + 3 * step), _mm_unpackhi_epi64(hi, hi));
  }
}

// NP pixels' accumulators of one block of 8 channels (multipliers m), stored `step` apart from y: four pixels per
// pack and store sequence (2 or 1 for the last).
template <int NP, bool kIntClamp>
__attribute__((target("avx2"))) inline void StorePixelsAvx2(const __m256i* acc, __m256 m, const Int8Requant& q,
                                                            int8_t* y, int64_t step) {
  int p = 0;
#pragma GCC unroll 4
  for (; p + 4 <= NP; p += 4)
    Store8sAvx2<4>(Pack4Avx2<kIntClamp>(Requant2Avx2<kIntClamp>(acc[p], acc[p + 1], m, m, q),
                                        Requant2Avx2<kIntClamp>(acc[p + 2], acc[p + 3], m, m, q), q),
                   y + p * step, step);
  if constexpr (NP % 4 >= 2) {
    const __m256i r = Requant2Avx2<kIntClamp>(acc[p], acc[p + 1], m, m, q);
    Store8sAvx2<2>(Pack4Avx2<kIntClamp>(r, r, q), y + p * step, step);
    p += 2;
  }
  if constexpr (NP % 2 == 1) {
    const __m256i r = Requant2Avx2<kIntClamp>(acc[p], acc[p], m, m, q);
    Store8sAvx2<1>(Pack4Avx2<kIntClamp>(r, r, q), y + p * step, step);
  }
}

// One pixel's NB (1, 2 or 4) adjacent blocks of 8 channels (multipliers from mult), stored at y: blocks in pairs
// through one requantization, four blocks in one 32-byte store.
template <int NB, bool kIntClamp>
__attribute__((target("avx2"))) inline void StoreBlocksAvx2(const __m256i* acc, const float* mult, const Int8Requant& q,
                                                            int8_t* y) {
  const __m256 m0 = _mm256_loadu_ps(mult);
  if constexpr (NB == 1) {
    const __m256i r = Requant2Avx2<kIntClamp>(acc[0], acc[0], m0, m0, q);
    Store8sAvx2<1>(Pack4Avx2<kIntClamp>(r, r, q), y, 0);
  } else {
    const __m256i r01 = Requant2Avx2<kIntClamp>(acc[0], acc[1], m0, _mm256_loadu_ps(mult + kLanes), q);
    if constexpr (NB == 2) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm256_castsi256_si128(Pack4Avx2<kIntClamp>(r01, r01, q)));
    } else {
      const __m256i r23 = Requant2Avx2<kIntClamp>(acc[2], acc[3], _mm256_loadu_ps(mult + 2 * kLanes),
                                                  _mm256_loadu_ps(mult + 3 * kLanes), q);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), Pack4Avx2<kIntClamp>(r01, r23, q));
    }
  }
}

// NB blocks of 8 channels starting at channel c of NP adjacent output pixels (taps[px * tapStride + t]; outputs C
// apart), each weight load feeding NP pixels: acc = sum over tap pairs of vpmaddwd(two taps' int8 interleaved and
// sign-extended, their interleaved weights), exact in int32; then qconv_int8's requantization.
template <int NB, int NP, bool kIntClamp>
__attribute__((target("avx2"))) inline void Int8BlocksAvx2(const int8_t* const* taps, int64_t tapStride, int64_t pairs,
                                                           int64_t c, int64_t channels, const int16_t* w,
                                                           int64_t blockStride, const int32_t* offset,
                                                           const float* mult, const Int8Requant& q, int8_t* out) {
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
        __asm__("" : "+x"(acc[px][j]));  // as in Int8ColumnAvx2: one chain per accumulator
      }
    }
  }
#pragma GCC unroll 2
  for (int px = 0; px < NP; ++px) StoreBlocksAvx2<NB, kIntClamp>(acc[px], mult + c, q, out + px * channels + c);
}

// NP adjacent output pixels' first `blocks` blocks of 8 channels, 4 blocks at a time, then 2, then 1.
template <int NP, bool kIntClamp>
__attribute__((target("avx2"))) void Int8PixelsAvx2(const int8_t* const* taps, int64_t tapStride, int64_t pairs,
                                                    int64_t blocks, int64_t channels, const int16_t* packed,
                                                    const int32_t* offset, const float* mult, const Int8Requant& q,
                                                    int8_t* out) {
  const int64_t stride = pairs * 2 * kLanes;  // one block's weights
  int64_t cb = 0;
  for (; cb + 4 <= blocks; cb += 4)
    Int8BlocksAvx2<4, NP, kIntClamp>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride,
                                     offset, mult, q, out);
  for (; cb + 2 <= blocks; cb += 2)  // a remainder of 2 or 3 blocks: 2 * NP accumulators rather than NP
    Int8BlocksAvx2<2, NP, kIntClamp>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride,
                                     offset, mult, q, out);
  for (; cb < blocks; ++cb)
    Int8BlocksAvx2<1, NP, kIntClamp>(taps, tapStride, pairs, cb * kLanes, channels, packed + cb * stride, stride,
                                     offset, mult, q, out);
}

// The row kernel (DwConvInt8::rowKernel_: 3x3 and 5x5 kernels of stride 1 or 2 without horizontal dilation), one
// output row. Kernel rows go in pairs: each input column a group of NP adjacent output pixels covers is loaded once
// per pair, its two rows' 8 channels interleaved and sign-extended to int16, and multiplied (vpmaddwd) into every
// pixel whose window holds it: 3x3 stride 1, 8 pixels: 10 columns x 2 loads per pair for 24 vpmaddwd, where the
// per-pixel kernel above loads and widens each tap pair for each pixel. A last row without a partner is
// sign-extended to int32: the pair's second int16 is its sign, met by a zero weight. Rows and columns outside the
// input read x_zero_point (the padding row), which the offset cancels like every tap's.
struct Int8Row {
  const int8_t* const* rows;  // per kernel row: the input row (column 0, channel 0), or the padding row
  const int8_t* pad;          // the padding row: what a column outside the input reads
  const int16_t* w;           // [blocks][rowPairs][kw][8][2]: rows 2rp, 2rp + 1 interleaved (0 past the last row)
  const int32_t* offset;
  const float* mult;
  int8_t* y;  // the output row (column 0, channel 0)
  int64_t c, inW, outW, padLeft, kh, rowPairs, blocks;
};

// Input column j of a group (pixels ox .. ox + NP - 1) adds v times the weights of kernel column j - p * S to pixel p.
template <int KW, int S, int NP>
__attribute__((target("avx2"))) inline void Int8ColumnAvx2(__m256i* acc, __m256i v, const int16_t* w, int j) {
#pragma GCC unroll 8
  for (int p = 0; p < NP; ++p) {
    const int kx = j - p * S;
    if (kx >= 0 && kx < KW) {
      acc[p] = _mm256_add_epi32(
          acc[p], _mm256_madd_epi16(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + kx * 2 * kLanes))));
      // Keeps each sum in its accumulator: GCC would otherwise reassociate the unrolled group's additions into
      // trees of products held on the stack.
      __asm__("" : "+x"(acc[p]));
    }
  }
}

// NP adjacent output pixels from column ox, NB blocks of 8 channels from channel ch (NB * NP accumulators: 8
// independent chains in every instantiation used but the last pixel's, enough to cover vpmaddwd's latency). EDGE:
// some of the columns lie outside the input (a select per column).
template <int KH, int KW, int S, int NP, int NB, bool EDGE, bool kIntClamp>
__attribute__((target("avx2"))) inline void Int8GroupAvx2(const Int8Row& a, int64_t ox, int64_t ch,
                                                          const Int8Requant& q) {
  constexpr int64_t kBlockWeights = KW * 2 * kLanes;  // one block's weights of one row pair
  __m256i acc[NB][NP];
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) {
    const __m256i off = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.offset + ch + b * kLanes));
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[b][p] = off;
  }
  const int64_t ix0 = ox * S - a.padLeft;
  const int64_t kh = KH ? KH : a.kh, rowPairs = KH ? (KH + 1) / 2 : a.rowPairs;
  const int64_t blockStride = rowPairs * kBlockWeights;
  const int16_t* w = a.w + ch / kLanes * blockStride;
#pragma GCC unroll 3
  for (int64_t rp = 0; rp < rowPairs; ++rp, w += kBlockWeights) {
    const int8_t* ra = a.rows[2 * rp] + ch;
    const bool pair = 2 * rp + 1 < kh;
    const int8_t* rb = pair ? a.rows[2 * rp + 1] + ch : ra;
#pragma GCC unroll 32
    for (int j = 0; j < (NP - 1) * S + KW; ++j) {
      const int64_t ix = ix0 + j;
      const bool outside = EDGE && (ix < 0 || ix >= a.inW);
      const int8_t* pa = outside ? a.pad + ch : ra + ix * a.c;
      const int8_t* pb = outside ? a.pad + ch : rb + ix * a.c;
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) {
        const __m128i xa = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(pa + b * kLanes));
        const __m256i v = pair ? _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(
                                     xa, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(pb + b * kLanes))))
                               : _mm256_cvtepi8_epi32(xa);
        Int8ColumnAvx2<KW, S, NP>(acc[b], v, w + b * blockStride, j);
      }
    }
  }
  int8_t* y = a.y + ox * a.c + ch;
  if constexpr (NB == 1) {
    StorePixelsAvx2<NP, kIntClamp>(acc[0], _mm256_loadu_ps(a.mult + ch), q, y, a.c);
  } else {  // a pixel's NB blocks are adjacent: one pack and store for them
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      __m256i blocks[NB];
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) blocks[b] = acc[b][p];
      StoreBlocksAvx2<NB, kIntClamp>(blocks, a.mult + ch, q, y + p * a.c);
    }
  }
}

// A group of NP pixels over the row's blocks, NB at a time, then one at a time; EDGE where its columns reach outside
// the input.
template <int KH, int KW, int S, int NP, int NB, bool EDGE, bool kIntClamp>
__attribute__((target("avx2"))) inline void Int8GroupBlocksAvx2(const Int8Row& a, int64_t ox, const Int8Requant& q) {
  int64_t cb = 0;
  for (; cb + NB <= a.blocks; cb += NB) Int8GroupAvx2<KH, KW, S, NP, NB, EDGE, kIntClamp>(a, ox, cb * kLanes, q);
  for (; cb < a.blocks; ++cb) Int8GroupAvx2<KH, KW, S, NP, 1, EDGE, kIntClamp>(a, ox, cb * kLanes, q);
}

template <int KH, int KW, int S, int NP, int NB, bool kIntClamp>
__attribute__((target("avx2"))) inline void Int8GroupPickAvx2(const Int8Row& a, int64_t ox, const Int8Requant& q) {
  const int64_t ix0 = ox * S - a.padLeft;
  if (ix0 < 0 || ix0 + (NP - 1) * S + KW > a.inW)
    Int8GroupBlocksAvx2<KH, KW, S, NP, NB, true, kIntClamp>(a, ox, q);
  else
    Int8GroupBlocksAvx2<KH, KW, S, NP, NB, false, kIntClamp>(a, ox, q);
}

// The row in groups of 8 pixels (one block at a time), then 4 (two blocks), 2 and 1 (four blocks).
template <int KH, int KW, int S, bool kIntClamp>
__attribute__((target("avx2"))) void Int8RowAvx2(const Int8Row& a, const Int8Requant& q) {
  int64_t ox = 0;
  for (; ox + 8 <= a.outW; ox += 8) Int8GroupPickAvx2<KH, KW, S, 8, 1, kIntClamp>(a, ox, q);
  if (ox + 4 <= a.outW) Int8GroupPickAvx2<KH, KW, S, 4, 2, kIntClamp>(a, ox, q), ox += 4;
  if (ox + 2 <= a.outW) Int8GroupPickAvx2<KH, KW, S, 2, 4, kIntClamp>(a, ox, q), ox += 2;
  if (ox < a.outW) Int8GroupPickAvx2<KH, KW, S, 1, 4, kIntClamp>(a, ox, q);
}

// Square 3x3 and 5x5 kernels compiled for their height (the row pairs unrolled); other heights (KH 0) loop.
template <bool kIntClamp>
__attribute__((target("avx2"))) void Int8RowAvx2Dispatch(const Int8Row& a, int64_t kw, int64_t stride,
                                                         const Int8Requant& q) {
  switch ((a.kh == kw ? 100 * kw : 0) + kw * 10 + stride) {
    case 331: Int8RowAvx2<3, 3, 1, kIntClamp>(a, q); break;
    case 332: Int8RowAvx2<3, 3, 2, kIntClamp>(a, q); break;
    case 551: Int8RowAvx2<5, 5, 1, kIntClamp>(a, q); break;
    case 552: Int8RowAvx2<5, 5, 2, kIntClamp>(a, q); break;
    case 31: Int8RowAvx2<0, 3, 1, kIntClamp>(a, q); break;
    case 32: Int8RowAvx2<0, 3, 2, kIntClamp>(a, q); break;
    case 51: Int8RowAvx2<0, 5, 1, kIntClamp>(a, q); break;
    default: Int8RowAvx2<0, 5, 2, kIntClamp>(a, q); break;
  }
}

// The VNNI variant (DwInt8Vnni). vpdpbusd sums 4 products of u8 x s8 per 32-bit lane, so a lane holds one channel's
// 4 kernel rows (a "quad") of one input column. Per output row the kernel rows' input is interleaved once into the
// thread's buffer, [quad][column][blocks of 16][16][4]: byte r of a lane is kernel row 4q + r flipped to uint8
// (x + 128, x ^ 0x80); rows past kh, rows and columns in the padding and channels past c hold x_zp + 128 (or 128),
// which meet a zero weight or the offset's -(x_zp + 128) * sum(w). Each output pixel x 16 channels then takes
// quads * kw vpdpbusd, every input column of the buffer read by the kw pixels whose windows hold it.
struct Int8VnniRow {
  const uint8_t* buf;     // the interleaved row: column 0 is input column -padLeft
  const int8_t* w;        // [blocks][quads][kw][16][4]
  const int32_t* offset;  // 16 * blocks
  const float* mult;      // 16 * blocks
  int8_t* y;              // the output row (column 0, channel 0)
  int64_t c, outW, kw, quads, strideW, dilationW, blocks;
  int64_t colStride, quadStride;  // buffer bytes between columns (16 * blocks * 4), between quads
  float lo, hi;
  int32_t zp;
};

// The buffer's columns [0, cols) of quad rows `rows` (4 per quad, the padding row where a row has no input), 32
// channels at a time: rows 0-1 and 2-3 of them side by side in two vectors, one vpermt2b per 16 channels puts each
// channel's 4 bytes together (against 8 unpacks of 16-byte vectors and 4 stores).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi"))) void InterleaveVnni(const int8_t* const* rows,
                                                                                    int64_t quads, int64_t cols,
                                                                                    int64_t padLeft, int64_t inW,
                                                                                    int64_t c, int64_t blocks,
                                                                                    uint8_t padByte, uint8_t* buf) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // Output byte 4i + r of the first 16 channels: row r's channel i, at byte 32 r + i of (rows 0-1, rows 2-3).
  alignas(64) uint8_t order[64];
  for (int i = 0; i < 16; ++i)
    for (int r = 0; r < 4; ++r) order[4 * i + r] = static_cast<uint8_t>(32 * r + i);
  const __m512i idx0 = _mm512_load_si512(order), idx1 = _mm512_add_epi8(idx0, _mm512_set1_epi8(16));
  const int64_t colStride = blocks * 64;
  for (int64_t q = 0; q < quads; ++q, rows += 4) {
    for (int64_t j = 0; j < cols; ++j, buf += colStride) {
      const int64_t ix = j - padLeft;
      if (ix < 0 || ix >= inW) {
        std::memset(buf, padByte, static_cast<size_t>(colStride));
        continue;
      }
      const int8_t* r0 = rows[0] + ix * c;
      const int8_t* r1 = rows[1] + ix * c;
      const int8_t* r2 = rows[2] + ix * c;
      const int8_t* r3 = rows[3] + ix * c;
      for (int64_t b = 0; b < blocks; b += 2) {
        const int64_t ch = b * 16, left = c - ch;
        const auto m = left >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint64_t{1} << left) - 1);
        // maskz with all lanes: GCC 12's plain insert merges into an undefined vector (avx512_ops.h).
        const __m512i x01 = _mm512_maskz_inserti64x4(0xFF, _mm512_castsi256_si512(_mm256_maskz_loadu_epi8(m, r0 + ch)),
                                                     _mm256_maskz_loadu_epi8(m, r1 + ch), 1);
        const __m512i x23 = _mm512_maskz_inserti64x4(0xFF, _mm512_castsi256_si512(_mm256_maskz_loadu_epi8(m, r2 + ch)),
                                                     _mm256_maskz_loadu_epi8(m, r3 + ch), 1);
        const __m512i a = _mm512_xor_si512(x01, flip), bb = _mm512_xor_si512(x23, flip);
        _mm512_storeu_si512(buf + b * 64, _mm512_permutex2var_epi8(a, idx0, bb));
        if (b + 1 < blocks) _mm512_storeu_si512(buf + b * 64 + 64, _mm512_permutex2var_epi8(a, idx1, bb));
      }
    }
  }
}

// NP adjacent output pixels from column ox, block b of 16 channels: quads * kw vpdpbusd each, then qconv_int8's
// requantization (the float clamp, as Requantize) and a store of the block's channels.
template <int NP>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) inline void Int8PixelsVnni(const Int8VnniRow& a,
                                                                                           int64_t ox, int64_t b) {
  __m512i acc[NP];
#pragma GCC unroll 8
  for (int p = 0; p < NP; ++p) acc[p] = _mm512_setzero_si512();
  const int8_t* w = a.w + b * a.quads * a.kw * 64;
  const int64_t pixelStride = a.strideW * a.colStride, tapStride = a.dilationW * a.colStride;
  const uint8_t* quad = a.buf + ox * pixelStride + b * 64;
  for (int64_t q = 0; q < a.quads; ++q, quad += a.quadStride)
    for (int64_t kx = 0; kx < a.kw; ++kx, w += 64) {
      const __m512i wv = _mm512_loadu_si512(w);
      const uint8_t* col = quad + kx * tapStride;
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) acc[p] = _mm512_dpbusd_epi32(acc[p], _mm512_loadu_si512(col + p * pixelStride), wv);
    }
  const __m512i off = _mm512_loadu_si512(a.offset + b * 16), zp = _mm512_set1_epi32(a.zp);
  const __m512 m = _mm512_loadu_ps(a.mult + b * 16), lo = _mm512_set1_ps(a.lo), hi = _mm512_set1_ps(a.hi);
  const int64_t lanes = std::min<int64_t>(16, a.c - b * 16);
  const auto mask = static_cast<__mmask16>((1u << lanes) - 1);
  int8_t* y = a.y + ox * a.c + b * 16;
  // The all-lanes maskz conversions for avx512_ops.h's reason. Max first: a NaN product becomes lo, as in
  // Requantize; the conversion rounds to nearest even (default MXCSR).
#pragma GCC unroll 8
  for (int p = 0; p < NP; ++p) {
    __m512 f = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAllLanes, _mm512_add_epi32(acc[p], off)), m);
    f = MinAvx512(MaxAvx512(f, lo), hi);
    const __m128i v =
        _mm512_maskz_cvtsepi32_epi8(kAllLanes, _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAllLanes, f), zp));
    if (lanes == 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + p * a.c), v);
    else
      _mm_mask_storeu_epi8(y + p * a.c, mask, v);
  }
}

// The output row, block by block, in groups of 8 pixels, then 4, 2 and 1.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void Int8RowVnni(const Int8VnniRow& a) {
  for (int64_t b = 0; b < a.blocks; ++b) {
    int64_t ox = 0;
    for (; ox + 8 <= a.outW; ox += 8) Int8PixelsVnni<8>(a, ox, b);
    if (ox + 4 <= a.outW) Int8PixelsVnni<4>(a, ox, b), ox += 4;
    if (ox + 2 <= a.outW) Int8PixelsVnni<2>(a, ox, b), ox += 2;
    if (ox < a.outW) Int8PixelsVnni<1>(a, ox, b);
  }
}

#endif  // __x86_64__

// One output row (fp32) over channel blocks [blockBegin, blockEnd) of 8.
struct F32Row {
  const float* x;       // input: the first kernel row inside the input, column 0, channel 0
  int64_t rowStride;    // floats between two kernel rows: dilationH * inW * c
  int64_t rows;         // kernel rows inside the input
  const float* w;       // block 0's weights of that first kernel row; block b's at w + b * blockStride: [rows][kw][8]
  int64_t blockStride;  // kh * kw * 8
  const float* bias;    // blocks * 8
  float* y;             // output: column 0, channel 0 of the row
  int64_t c, inW, outW, kw, strideW, dilationW, padLeft;
  int64_t left, right;                       // the interior columns [left, right)
  int64_t blockBegin, blockEnd, fullBlocks;  // blocks below fullBlocks have 8 channels, the last one may have fewer
  float lo, hi;
};

// Portable: every output pixel and channel, a range check per tap.
void F32RowScalar(const F32Row& a) {
  for (int64_t cb = a.blockBegin; cb < a.blockEnd; ++cb) {
    const int64_t lanes = std::min(kLanes, a.c - cb * kLanes);
    const float* w = a.w + cb * a.blockStride;
    for (int64_t ox = 0; ox < a.outW; ++ox) {
      const int64_t ix0 = ox * a.strideW - a.padLeft;
      for (int64_t l = 0; l < lanes; ++l) {
        const int64_t ch = cb * kLanes + l;
        float acc = a.bias[ch];
        for (int64_t r = 0; r < a.rows; ++r)
          for (int64_t kx = 0, ix = ix0; kx < a.kw; ++kx, ix += a.dilationW)
            if (ix >= 0 && ix < a.inW) acc += a.x[r * a.rowStride + ix * a.c + ch] * w[(r * a.kw + kx) * kLanes + l];
        a.y[ox * a.c + ch] = std::min(std::max(acc, a.lo), a.hi);
      }
    }
  }
}

#if defined(__x86_64__)

// The lanes of a block that are channels: all 8, or (MASK) the first c % 8 through masked loads and stores, which
// never touch the lanes past the tensor's last channel.
template <bool MASK>
__attribute__((target("avx2,fma"))) inline __m256 LoadF32(const float* p, __m256i mask) {
  if constexpr (MASK) return _mm256_maskload_ps(p, mask);
  return _mm256_loadu_ps(p);
}

template <bool MASK>
__attribute__((target("avx2,fma"))) inline void StoreF32(float* p, __m256 v, __m256 lo, __m256 hi, __m256i mask) {
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  if constexpr (MASK)
    _mm256_maskstore_ps(p, mask, v);
  else
    _mm256_storeu_ps(p, v);
}

// NP adjacent output pixels from column ox of NB channel blocks from cb, a KW-wide kernel with stride S and no
// horizontal dilation: NB * NP accumulators (8 independent FMA chains in every instantiation used, enough to cover
// the FMA latency). Per kernel row: the blocks' KW weights each, and each of the (NP - 1) * S + KW input columns the
// group's windows cover loaded once and multiplied into every accumulator whose window holds it. EDGE: some
// columns lie in the horizontal padding and are skipped (a branch per column, not per tap).
template <int KW, int S, int NP, int NB, bool EDGE, bool MASK>
__attribute__((target("avx2,fma"))) inline void F32GroupAvx2(const F32Row& a, int64_t ox, int64_t cb, __m256 lo,
                                                             __m256 hi, __m256i mask) {
  __m256 acc[NB][NP];
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) {
    const __m256 bias = _mm256_loadu_ps(a.bias + (cb + b) * kLanes);
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[b][p] = bias;
  }
  const int64_t ix0 = ox * S - a.padLeft;
  const float* xRow = a.x + cb * kLanes;
  const float* w = a.w + cb * a.blockStride;
  for (int64_t r = 0; r < a.rows; ++r, xRow += a.rowStride, w += KW * kLanes) {
    __m256 wv[NB][KW];
#pragma GCC unroll 4
    for (int b = 0; b < NB; ++b)
#pragma GCC unroll 8
      for (int kx = 0; kx < KW; ++kx) wv[b][kx] = _mm256_loadu_ps(w + b * a.blockStride + kx * kLanes);
#pragma GCC unroll 32
    for (int j = 0; j < (NP - 1) * S + KW; ++j) {
      const int64_t ix = ix0 + j;
      if (EDGE && (ix < 0 || ix >= a.inW)) continue;
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) {
        const __m256 xv = LoadF32<MASK>(xRow + ix * a.c + b * kLanes, mask);
#pragma GCC unroll 8
        for (int p = 0; p < NP; ++p) {
          const int kx = j - p * S;
          if (kx >= 0 && kx < KW) acc[b][p] = _mm256_fmadd_ps(xv, wv[b][kx], acc[b][p]);
        }
      }
    }
  }
  float* y = a.y + ox * a.c + cb * kLanes;
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) StoreF32<MASK>(y + p * a.c + b * kLanes, acc[b][p], lo, hi, mask);
}

// A group of NP pixels over the row's channel blocks: NB full blocks at a time, then single ones, then the partial
// last block (masked).
template <int KW, int S, int NP, int NB, bool EDGE>
__attribute__((target("avx2,fma"))) void F32GroupBlocksAvx2(const F32Row& a, int64_t ox, __m256 lo, __m256 hi,
                                                            __m256i mask) {
  const int64_t full = std::min(a.blockEnd, a.fullBlocks);
  int64_t cb = a.blockBegin;
  for (; cb + NB <= full; cb += NB) F32GroupAvx2<KW, S, NP, NB, EDGE, false>(a, ox, cb, lo, hi, mask);
  for (; cb < full; ++cb) F32GroupAvx2<KW, S, NP, 1, EDGE, false>(a, ox, cb, lo, hi, mask);
  if (cb < a.blockEnd) F32GroupAvx2<KW, S, NP, 1, EDGE, true>(a, ox, cb, lo, hi, mask);
}

template <int KW, int S, int NP, int NB>
__attribute__((target("avx2,fma"))) inline void F32GroupPick(const F32Row& a, int64_t ox, __m256 lo, __m256 hi,
                                                             __m256i mask) {
  if (ox < a.left || ox + NP > a.right)
    F32GroupBlocksAvx2<KW, S, NP, NB, true>(a, ox, lo, hi, mask);
  else
    F32GroupBlocksAvx2<KW, S, NP, NB, false>(a, ox, lo, hi, mask);
}

// The row in groups of 8 pixels (one block at a time), then 4 (two blocks), 2 and 1 (four blocks); a group that
// reaches into the horizontal padding takes the EDGE form.
template <int KW, int S>
__attribute__((target("avx2,fma"))) void F32GroupsAvx2(const F32Row& a, __m256 lo, __m256 hi, __m256i mask) {
  int64_t ox = 0;
  for (; ox + 8 <= a.outW; ox += 8) F32GroupPick<KW, S, 8, 1>(a, ox, lo, hi, mask);
  if (ox + 4 <= a.outW) F32GroupPick<KW, S, 4, 2>(a, ox, lo, hi, mask), ox += 4;
  if (ox + 2 <= a.outW) F32GroupPick<KW, S, 2, 4>(a, ox, lo, hi, mask), ox += 2;
  if (ox < a.outW) F32GroupPick<KW, S, 1, 4>(a, ox, lo, hi, mask);
}

// One output pixel of block cb, any kernel: a range check per tap (the edges of F32BlockAnyAvx2).
template <bool MASK>
__attribute__((target("avx2,fma"))) void F32PixelAnyAvx2(const F32Row& a, int64_t cb, int64_t ox, __m256 lo, __m256 hi,
                                                         __m256i mask) {
  __m256 acc = _mm256_loadu_ps(a.bias + cb * kLanes);
  const float* xBlock = a.x + cb * kLanes;
  const float* wBlock = a.w + cb * a.blockStride;
  const int64_t ix0 = ox * a.strideW - a.padLeft;
  for (int64_t r = 0; r < a.rows; ++r)
    for (int64_t kx = 0, ix = ix0; kx < a.kw; ++kx, ix += a.dilationW)
      if (ix >= 0 && ix < a.inW)
        acc = _mm256_fmadd_ps(LoadF32<MASK>(xBlock + r * a.rowStride + ix * a.c, mask),
                              _mm256_loadu_ps(wBlock + (r * a.kw + kx) * kLanes), acc);
  StoreF32<MASK>(a.y + ox * a.c + cb * kLanes, acc, lo, hi, mask);
}

// Any kernel width, stride and dilation, one block at a time: interior groups of 4 pixels sharing each weight load,
// the other pixels one by one.
template <bool MASK>
__attribute__((target("avx2,fma"))) void F32BlockAnyAvx2(const F32Row& a, int64_t cb, __m256 lo, __m256 hi,
                                                         __m256i mask) {
  const __m256 bias = _mm256_loadu_ps(a.bias + cb * kLanes);
  const float* xBlock = a.x + cb * kLanes;
  const float* wBlock = a.w + cb * a.blockStride;
  float* yBlock = a.y + cb * kLanes;
  const int64_t pixelStride = a.strideW * a.c, tapStride = a.dilationW * a.c;
  int64_t ox = 0;
  for (; ox < a.left; ++ox) F32PixelAnyAvx2<MASK>(a, cb, ox, lo, hi, mask);
  for (; ox + 4 <= a.right; ox += 4) {
    __m256 acc[4] = {bias, bias, bias, bias};
    const float* x = xBlock + (ox * a.strideW - a.padLeft) * a.c;
    const float* w = wBlock;
    for (int64_t r = 0; r < a.rows; ++r, x += a.rowStride)
      for (int64_t kx = 0; kx < a.kw; ++kx, w += kLanes) {
        const __m256 wv = _mm256_loadu_ps(w);
#pragma GCC unroll 4
        for (int p = 0; p < 4; ++p)
          acc[p] = _mm256_fmadd_ps(LoadF32<MASK>(x + p * pixelStride + kx * tapStride, mask), wv, acc[p]);
      }
#pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) StoreF32<MASK>(yBlock + (ox + p) * a.c, acc[p], lo, hi, mask);
  }
  for (; ox < a.outW; ++ox) F32PixelAnyAvx2<MASK>(a, cb, ox, lo, hi, mask);
}

__attribute__((target("avx2,fma"))) void F32RowAnyAvx2(const F32Row& a, __m256 lo, __m256 hi, __m256i mask) {
  const int64_t full = std::min(a.blockEnd, a.fullBlocks);
  int64_t cb = a.blockBegin;
  for (; cb < full; ++cb) F32BlockAnyAvx2<false>(a, cb, lo, hi, mask);
  if (cb < a.blockEnd) F32BlockAnyAvx2<true>(a, cb, lo, hi, mask);
}

// The row with the AVX2 kernels: compiled for 3x3 and 5x5 kernel widths at stride 1 or 2 without horizontal
// dilation, the generic one otherwise.
__attribute__((target("avx2,fma"))) void F32RowAvx2Dispatch(const F32Row& a) {
  const __m256 lo = _mm256_set1_ps(a.lo), hi = _mm256_set1_ps(a.hi);
  const __m256i mask =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(a.c % kLanes)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const int64_t shape = a.dilationW == 1 ? a.kw * 10 + a.strideW : 0;
  switch (shape) {
    case 31: F32GroupsAvx2<3, 1>(a, lo, hi, mask); break;
    case 32: F32GroupsAvx2<3, 2>(a, lo, hi, mask); break;
    case 51: F32GroupsAvx2<5, 1>(a, lo, hi, mask); break;
    case 52: F32GroupsAvx2<5, 2>(a, lo, hi, mask); break;
    default: F32RowAnyAvx2(a, lo, hi, mask);
  }
}

#endif  // __x86_64__

struct F32Task {
  const DwConvF32* conv;
  const float* x;
  float* y;
  int64_t blocks, blocksPerTask;
};

void RunF32Task(void* context, size_t row, size_t chunk) {
  auto* t = static_cast<F32Task*>(context);
  const auto b = static_cast<int64_t>(chunk) * t->blocksPerTask;
  t->conv->RunTile(t->x, t->y, static_cast<int64_t>(row), 1, b, std::min(t->blocks, b + t->blocksPerTask));
}

}  // namespace

DwConvInt8::DwConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
                       int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa)
    : g_(g),
      avx2_(Int8IsaUsesAvx2(isa) && !DwInt8Vnni(g, isa)),
      vnni_(DwInt8Vnni(g, isa)),
      rowKernel_(DwInt8RowKernel(g, isa)),
      taps_(g.kernelH * g.kernelW),
      pairs_((taps_ + 1) / 2),
      blocks_(avx2_ ? g.inC / kLanes : 0),
      rowPairs_((g.kernelH + 1) / 2),
      quads_((g.kernelH + 3) / 4),
      vnniBlocks_(vnni_ ? (g.inC + 15) / 16 : 0),
      yZeroPoint_(yZeroPoint),
      qmin_(qmin),
      qmax_(qmax),
      lo_(static_cast<float>(qmin - yZeroPoint)),
      hi_(static_cast<float>(qmax - yZeroPoint)) {
  if (!IsDepthwise(g, g.inC)) throw std::logic_error("DwConvInt8: not a depthwise convolution of at most 64 taps");
  if (!Int8IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + Int8IsaLabel(isa));
  const int64_t c = g.inC;
  w_.assign(w, w + c * taps_);
  packed_.assign(rowKernel_ ? 0 : static_cast<size_t>(blocks_ * pairs_ * 2 * kLanes), 0);
  packedRows_.assign(rowKernel_ ? static_cast<size_t>(blocks_ * rowPairs_ * g.kernelW * 2 * kLanes) : 0, 0);
  packedVnni_.assign(static_cast<size_t>(vnniBlocks_ * quads_ * g.kernelW * 64), 0);
  offsetVnni_.assign(static_cast<size_t>(vnniBlocks_ * 16), 0);
  offset_.resize(static_cast<size_t>(c));
  multiplier_.assign(static_cast<size_t>(std::max(c, vnniBlocks_ * 16)), 0.0f);
  // The row kernel and VNNI read a whole padding row for a kernel row outside the input.
  padding_.assign(static_cast<size_t>(rowKernel_ || vnni_ ? std::max(c + kLanes, g.inW * c) : c + kLanes),
                  static_cast<int8_t>(xZeroPoint));  // 0
  intClamp_ = avx2_;
  for (int64_t ch = 0; ch < c; ++ch) {
    int32_t sum = 0;
    int64_t absSum = 0;  // sum of |w|: the bound on the accumulator below
    for (int64_t t = 0; t < taps_; ++t) {
      const int8_t v = w[ch * taps_ + t];
      sum = WrapAdd(sum, v);
      absSum += std::abs(static_cast<int32_t>(v));
      const int64_t ky = t / g.kernelW, kx = t % g.kernelW;
      if (vnni_)
        packedVnni_[static_cast<size_t>((((ch / 16) * quads_ + ky / 4) * g.kernelW + kx) * 64 + ch % 16 * 4 + ky % 4)] =
            v;
      if (ch / kLanes >= blocks_) continue;
      if (rowKernel_)
        packedRows_[static_cast<size_t>(
            ((((ch / kLanes) * rowPairs_ + ky / 2) * g.kernelW + kx) * kLanes + ch % kLanes) * 2 + ky % 2)] = v;
      else
        packed_[static_cast<size_t>((((ch / kLanes) * pairs_ + t / 2) * kLanes + ch % kLanes) * 2 + t % 2)] = v;
    }
    offset_[static_cast<size_t>(ch)] = WrapAdd(bias[ch], WrapMul(-xZeroPoint, sum));
    // VNNI multiplies x + 128 (qconv_int8's VNNI offset).
    if (vnni_) offsetVnni_[static_cast<size_t>(ch)] = WrapAdd(bias[ch], WrapMul(-(xZeroPoint + 128), sum));
    multiplier_[static_cast<size_t>(ch)] = xScale * wScale[ch] / yScale;  // in float, as qconv_int8 computes it
    // QConvInt8's rule for the integer clamp: the accumulator, bias + sum over the taps of (x - x_zp) * w (padded
    // taps add 0), lies within +-bound; below 2^30 after the multiplier no product reaches 2^31. Only the AVX2
    // blocks requantize in vectors, so only their channels count.
    const double bound = std::abs(static_cast<double>(bias[ch])) + 255.0 * static_cast<double>(absSum);
    if (ch < blocks_ * kLanes &&
        !(bound * std::fabs(static_cast<double>(multiplier_[static_cast<size_t>(ch)])) < 1073741824.0))
      intClamp_ = false;
  }
}

void DwConvInt8::Run(const int8_t* x, int8_t* y, pthreadpool_t pool) const {
  RowTask<DwConvInt8> task{this, x, y};
  pthreadpool_parallelize_1d(pool, &RunRowTask<DwConvInt8, int8_t>, &task, static_cast<size_t>(g_.batch * g_.outH), 0);
}

void DwConvInt8::ScalarChannels(const int8_t* const* taps, int64_t chBegin, int8_t* out) const {
  for (int64_t ch = chBegin; ch < g_.inC; ++ch) {
    int32_t acc = offset_[static_cast<size_t>(ch)];
    const int8_t* w = w_.data() + ch * taps_;
    for (int64_t t = 0; t < taps_; ++t) acc = WrapAdd(acc, taps[t][ch] * w[t]);
    out[ch] = Requantize(acc, multiplier_[static_cast<size_t>(ch)], lo_, hi_, yZeroPoint_);
  }
}

void DwConvInt8::RunRows(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const {
  const int64_t c = g_.inC;
  // Two pixels' taps; an odd last tap pairs with the padding row (its weight is 0).
  const int8_t* taps[2 * kTapStride];
  taps[taps_] = taps[kTapStride + taps_] = padding_.data();
  const int8_t* lines[kDwMaxTaps];
  const int64_t vectorC = blocks_ * kLanes;
#if defined(__x86_64__)
  if (vnni_) {
    // The interleaved row, per thread, grown to the largest this thread has run; 64-byte aligned, since every access
    // is a whole 64-byte vector (a misaligned buffer splits each across two cache lines: 0.97x the AVX2 time
    // against 0.81x on 3x3 144ch@56).
    thread_local std::vector<uint8_t> buf;
    const int64_t cols = (g_.outW - 1) * g_.strideW + (g_.kernelW - 1) * g_.dilationW + 1;
    const int64_t colStride = vnniBlocks_ * 64;
    const auto need = static_cast<size_t>(quads_ * cols * colStride) + 63;
    if (buf.size() < need) buf.resize(need);
    uint8_t* aligned = buf.data() + (-reinterpret_cast<uintptr_t>(buf.data()) & 63);
    Int8VnniRow a{aligned,
                  packedVnni_.data(),
                  offsetVnni_.data(),
                  multiplier_.data(),
                  nullptr,
                  c,
                  g_.outW,
                  g_.kernelW,
                  quads_,
                  g_.strideW,
                  g_.dilationW,
                  vnniBlocks_,
                  colStride,
                  cols * colStride,
                  lo_,
                  hi_,
                  yZeroPoint_};
    for (int64_t row = rowBegin; row < rowBegin + rows; ++row) {
      KernelRows(g_, x, row, lines);
      for (int64_t ky = 0; ky < quads_ * 4; ++ky)
        if (ky >= g_.kernelH || !lines[ky]) lines[ky] = padding_.data();  // x_zero_point, like a padded input row
      InterleaveVnni(lines, quads_, cols, g_.padLeft, g_.inW, c, vnniBlocks_, static_cast<uint8_t>(padding_[0] ^ 0x80),
                     aligned);
      a.y = y + row * g_.outW * c;
      Int8RowVnni(a);
    }
    return;
  }
  const Int8Requant q = avx2_ ? MakeRequantAvx2(lo_, hi_, yZeroPoint_, qmin_, qmax_) : Int8Requant{};
  if (rowKernel_) {
    Int8Row a{lines,  padding_.data(), packedRows_.data(), offset_.data(), multiplier_.data(), nullptr, c,
              g_.inW, g_.outW,         g_.padLeft,         g_.kernelH,     rowPairs_,          blocks_};
    for (int64_t row = rowBegin; row < rowBegin + rows; ++row) {
      KernelRows(g_, x, row, lines);
      for (int64_t ky = 0; ky < g_.kernelH; ++ky)
        if (!lines[ky]) lines[ky] = padding_.data();  // in_w * c bytes of x_zero_point, like a padded input row
      a.y = y + row * g_.outW * c;
      if (intClamp_)
        Int8RowAvx2Dispatch<true>(a, g_.kernelW, g_.strideW, q);
      else
        Int8RowAvx2Dispatch<false>(a, g_.kernelW, g_.strideW, q);
      if (vectorC == c) continue;
      for (int64_t ox = 0; ox < g_.outW; ++ox) {
        FillTaps(g_, lines, padding_.data(), ox, taps);
        ScalarChannels(taps, vectorC, a.y + ox * c);
      }
    }
    return;
  }
#endif
  for (int64_t row = rowBegin; row < rowBegin + rows; ++row) {
    KernelRows(g_, x, row, lines);
    for (int64_t ox = 0; ox < g_.outW;) {
      const int64_t np = avx2_ && ox + 1 < g_.outW ? 2 : 1;  // AVX2: two pixels share each weight load
      for (int64_t px = 0; px < np; ++px) FillTaps(g_, lines, padding_.data(), ox + px, taps + px * kTapStride);
      int8_t* out = y + (row * g_.outW + ox) * c;
#if defined(__x86_64__)
      using Pixels = void (*)(const int8_t* const*, int64_t, int64_t, int64_t, int64_t, const int16_t*, const int32_t*,
                              const float*, const Int8Requant&, int8_t*);
      static constexpr Pixels kPixels[2][2] = {{&Int8PixelsAvx2<1, false>, &Int8PixelsAvx2<1, true>},
                                               {&Int8PixelsAvx2<2, false>, &Int8PixelsAvx2<2, true>}};
      if (avx2_)
        kPixels[np - 1][intClamp_ ? 1 : 0](taps, kTapStride, pairs_, blocks_, c, packed_.data(), offset_.data(),
                                           multiplier_.data(), q, out);
#endif
      for (int64_t px = 0; px < np; ++px) ScalarChannels(taps + px * kTapStride, vectorC, out + px * c);
      ox += np;
    }
  }
}

// ---- fp32 ----

DwConvF32::DwConvF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax, F32Isa isa)
    : g_(g), isa_(isa), taps_(g.kernelH * g.kernelW), blocks_((g.inC + kLanes - 1) / kLanes), lo_(outMin), hi_(outMax) {
  if (!IsDepthwise(g, g.inC)) throw std::logic_error("DwConvF32: not a depthwise convolution of at most 64 taps");
  if (!F32IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + F32IsaLabel(isa));
  const int64_t c = g.inC;
  packed_.assign(static_cast<size_t>(blocks_ * taps_ * kLanes), 0.0f);
  bias_.assign(static_cast<size_t>(blocks_ * kLanes), 0.0f);
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t t = 0; t < taps_; ++t)
      packed_[static_cast<size_t>(((ch / kLanes) * taps_ + t) * kLanes + ch % kLanes)] = w[ch * taps_ + t];
    if (bias) bias_[static_cast<size_t>(ch)] = bias[ch];
  }
  // Interior columns: the first tap at or right of column 0 (ox * sw >= padLeft) and the last one left of inW.
  left_ = std::min(g.outW, (g.padLeft + g.strideW - 1) / g.strideW);
  const int64_t lastFirstTap = g.inW - 1 - (g.kernelW - 1) * g.dilationW;  // the rightmost first tap that fits
  right_ = lastFirstTap + g.padLeft < 0 ? left_ : std::min(g.outW, (lastFirstTap + g.padLeft) / g.strideW + 1);
  right_ = std::max(right_, left_);
}

void DwConvF32::Run(const float* x, float* y, pthreadpool_t pool) const {
  const int64_t rows = g_.batch * g_.outH;
  const int64_t threads = pool ? static_cast<int64_t>(pthreadpool_get_threads_count(pool)) : 1;
  // Fewer than 4 rows per thread (late layers: 7 rows): split the channel blocks too, about 4 tasks per thread.
  int64_t chunks = 1;
  if (threads > 1 && rows < 4 * threads) chunks = std::min(blocks_, (4 * threads + rows - 1) / rows);
  F32Task task{this, x, y, blocks_, (blocks_ + chunks - 1) / chunks};
  chunks = (blocks_ + task.blocksPerTask - 1) / task.blocksPerTask;
  pthreadpool_parallelize_2d(pool, &RunF32Task, &task, static_cast<size_t>(rows), static_cast<size_t>(chunks), 0);
}

void DwConvF32::RunTile(const float* x, float* y, int64_t rowBegin, int64_t rows, int64_t blockBegin,
                        int64_t blockEnd) const {
  const int64_t c = g_.inC;
  F32Row a{};
  a.blockStride = taps_ * kLanes;
  a.bias = bias_.data();
  a.c = c;
  a.inW = g_.inW;
  a.outW = g_.outW;
  a.kw = g_.kernelW;
  a.strideW = g_.strideW;
  a.dilationW = g_.dilationW;
  a.padLeft = g_.padLeft;
  a.left = left_;
  a.right = right_;
  a.blockBegin = blockBegin;
  a.blockEnd = blockEnd;
  a.fullBlocks = c / kLanes;
  a.lo = lo_;
  a.hi = hi_;
  a.rowStride = g_.dilationH * g_.inW * c;
  for (int64_t row = rowBegin; row < rowBegin + rows; ++row) {
    const int64_t b = row / g_.outH, oy = row % g_.outH;
    // Kernel rows inside the input: iy = iy0 + ky * dilationH in [0, inH).
    const int64_t iy0 = oy * g_.strideH - g_.padTop;
    const int64_t kyBegin = iy0 >= 0 ? 0 : (-iy0 + g_.dilationH - 1) / g_.dilationH;
    const int64_t kyEnd = iy0 >= g_.inH ? 0 : std::min(g_.kernelH, (g_.inH - 1 - iy0) / g_.dilationH + 1);
    a.rows = std::max<int64_t>(0, kyEnd - kyBegin);
    const int64_t firstRow = a.rows ? kyBegin : 0;  // no kernel row inside: the pointers stay in the buffers
    a.x = x + (b * g_.inH + (a.rows ? iy0 + kyBegin * g_.dilationH : 0)) * g_.inW * c;
    a.w = packed_.data() + firstRow * g_.kernelW * kLanes;
    a.y = y + row * g_.outW * c;
#if defined(__x86_64__)
    if (F32IsaUsesAvx2(isa_)) {
      F32RowAvx2Dispatch(a);
      continue;
    }
#endif
    F32RowScalar(a);
  }
}

}  // namespace hostnn
