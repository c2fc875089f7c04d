#include "wino_int8.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "requant_avx2.h"
#endif

namespace hostnn {

namespace {
// Tiles per microkernel call (12 accumulators, as qconv_int8.cpp's AVX2 tile) and per task at first.
constexpr int64_t kMr = 6;
constexpr int64_t kChunkTiles = 24;
// G' = 2G of F(2x2, 3x3): integer rows.
constexpr int kG[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
}  // namespace

bool QWinogradInt8::Handles(const ConvGeometry2D& g, Int8Isa isa) {
#if defined(__x86_64__)
  return isa == Int8Isa::kAvx2 && Int8IsaSupported(isa) && g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 &&
         g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 && g.batch >= 1 && g.inC >= 1 && g.outC >= 1 &&
         g.outH >= 1 && g.outW >= 1 && g.padTop >= 0 && g.padLeft >= 0 &&
         g.inC * 4 * 9 * 255 * 128 < (int64_t{1} << 31);
#else
  (void)g;
  (void)isa;
  return false;
#endif
}

QWinogradInt8::QWinogradInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale,
                             float xScale, int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin,
                             int32_t qmax)
    : g_(g),
      tilesH_((g.outH + 1) / 2),
      tilesW_((g.outW + 1) / 2),
      tiles_(g.batch * tilesH_ * tilesW_),
      cp_((g.inC + 1) / 2 * 2),
      np_((g.outC + 15) / 16 * 16),
      chunkTiles_(kChunkTiles),
      xZeroPoint_(xZeroPoint),
      yZeroPoint_(yZeroPoint),
      lo_(static_cast<float>(qmin - yZeroPoint)),
      hi_(static_cast<float>(qmax - yZeroPoint)) {
  if (!Handles(g, Int8Isa::kAvx2)) throw std::logic_error("QWinogradInt8: geometry or CPU not handled");
  packed_.assign(static_cast<size_t>(np_ * 16 * cp_), 0);
  bias_.assign(static_cast<size_t>(np_), 0);
  multiplier_.assign(static_cast<size_t>(np_), 0.f);
  padding_.assign(static_cast<size_t>(g.inC), static_cast<int8_t>(xZeroPoint));
  for (int64_t o = 0; o < g.outC; ++o) {
    for (int64_t c = 0; c < g.inC; ++c) {
      const int8_t* k = w + (o * g.inC + c) * 9;
      int t[4][3];  // G' g
      for (int i = 0; i < 4; ++i)
        for (int kx = 0; kx < 3; ++kx) t[i][kx] = kG[i][0] * k[kx] + kG[i][1] * k[3 + kx] + kG[i][2] * k[6 + kx];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const int u = t[i][0] * kG[j][0] + t[i][1] * kG[j][1] + t[i][2] * kG[j][2];  // (G' g G'^T)[i][j]
          packed_[static_cast<size_t>((((o / 16) * 16 + i * 4 + j) * (cp_ / 2) + c / 2) * 32 + (o % 16) * 2 + c % 2)] =
              static_cast<int16_t>(u);
        }
    }
    bias_[static_cast<size_t>(o)] = bias[o];
    multiplier_[static_cast<size_t>(o)] = xScale * wScale[o] / yScale;  // in float, as QConvInt8
  }
  // Weights beyond L2 would come from L3 again for each chunk: take as many tiles per chunk as keep the chunk's
  // transformed input within L2 (as QConvInt8's chunks of rows).
  while (np_ * 16 * cp_ * 2 > kAvx2L2Bytes && chunkTiles_ < tiles_ &&
         (chunkTiles_ + kMr) * 16 * cp_ * 2 <= kAvx2L2Bytes)
    chunkTiles_ += kMr;
}

#if defined(__x86_64__)
namespace {

// M'[position] of MR tiles x 16 output channels at one of the 16 positions: row r reads `pairs` channel pairs of V
// at v + r * rowStride; w: the block's U' at that position, [pairs][16][2]. Each weight load feeds 2 * MR vpmaddwd
// (12 accumulators + 2 weights + 1 broadcast of the 16 ymm registers at MR = 6). m: [MR][16] int32.
template <int MR>
__attribute__((target("avx2"))) void GemmAvx2(const int16_t* v, int64_t rowStride, int64_t pairs, const int16_t* w,
                                              int32_t* m) {
  __m256i acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm256_setzero_si256();
  for (int64_t p = 0; p < pairs; ++p, w += 32) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t d;  // channels 2p, 2p+1 as two int16
      std::memcpy(&d, v + r * rowStride + p * 2, 4);
      const __m256i xv = _mm256_set1_epi32(d);
      acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(xv, w0));
      acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(xv, w1));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + r * 16), acc0[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + r * 16 + 8), acc1[r]);
  }
}

// Y'/4 + bias (Y' = 4 Y exactly by Handles' bound, so the arithmetic shift is the exact division).
__attribute__((target("avx2"))) inline __m256i Quarter(__m256i s, __m256i bias) {
  return _mm256_add_epi32(_mm256_srai_epi32(s, 2), bias);
}

// Y' = A^T M' A of 8 output channels (m[position * stride]: M' at the 16 positions), A^T = [[1,1,1,0],[0,1,-1,-1]];
// out: Y'/4 + bias at (0,0), (0,1), (1,0), (1,1). The sums wrap modulo 2^32 as the direct kernel's.
__attribute__((target("avx2"))) inline void OutputTransformAvx2(const int32_t* m, int64_t stride, __m256i bias,
                                                                __m256i* out) {
  __m256i t0[4], t1[4];
  for (int b = 0; b < 4; ++b) {
    const __m256i m0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + b * stride));
    const __m256i m1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (4 + b) * stride));
    const __m256i m2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (8 + b) * stride));
    const __m256i m3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (12 + b) * stride));
    t0[b] = _mm256_add_epi32(_mm256_add_epi32(m0, m1), m2);
    t1[b] = _mm256_sub_epi32(_mm256_sub_epi32(m1, m2), m3);
  }
  out[0] = Quarter(_mm256_add_epi32(_mm256_add_epi32(t0[0], t0[1]), t0[2]), bias);
  out[1] = Quarter(_mm256_sub_epi32(_mm256_sub_epi32(t0[1], t0[2]), t0[3]), bias);
  out[2] = Quarter(_mm256_add_epi32(_mm256_add_epi32(t1[0], t1[1]), t1[2]), bias);
  out[3] = Quarter(_mm256_sub_epi32(_mm256_sub_epi32(t1[1], t1[2]), t1[3]), bias);
}

// 16 channels of x - x_zero_point as int16.
__attribute__((target("avx2"))) inline __m256i Widen16(const int8_t* x, __m256i zp) {
  return _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x))), zp);
}

}  // namespace

// V = B^T d B per channel, B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], d the tile's 4x4 input patch
// (rows 2 ty - pad_top .. + 3, columns likewise) minus x_zero_point, 0 outside the input. 16 channels per vector.
__attribute__((target("avx2"))) void QWinogradInt8::TransformInput(const int8_t* x, int16_t* v, int64_t tileBegin,
                                                                   int64_t tileEnd) const {
  const int64_t perImage = tilesH_ * tilesW_, c = g_.inC;
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(xZeroPoint_));
  for (int64_t t = tileBegin; t < tileEnd; ++t) {
    const int64_t b = t / perImage, ty = (t % perImage) / tilesW_, tx = t % tilesW_;
    const int8_t* px[16];
    for (int a = 0; a < 4; ++a)
      for (int k = 0; k < 4; ++k) {
        const int64_t iy = 2 * ty - g_.padTop + a, ix = 2 * tx - g_.padLeft + k;
        px[a * 4 + k] = iy >= 0 && iy < g_.inH && ix >= 0 && ix < g_.inW ? x + ((b * g_.inH + iy) * g_.inW + ix) * c
                                                                         : padding_.data();
      }
    int16_t* out = v + t * 16 * cp_;
    int64_t c0 = 0;
    for (; c0 + 16 <= c; c0 += 16) {
      __m256i r[4][4];  // B^T d
      for (int k = 0; k < 4; ++k) {
        const __m256i d1 = Widen16(px[4 + k] + c0, zp), d2 = Widen16(px[8 + k] + c0, zp);
        r[0][k] = _mm256_sub_epi16(Widen16(px[k] + c0, zp), d2);
        r[1][k] = _mm256_add_epi16(d1, d2);
        r[2][k] = _mm256_sub_epi16(d2, d1);
        r[3][k] = _mm256_sub_epi16(d1, Widen16(px[12 + k] + c0, zp));
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        int16_t* o = out + i * 4 * cp_ + c0;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_sub_epi16(r[i][0], r[i][2]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + cp_), _mm256_add_epi16(r[i][1], r[i][2]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 2 * cp_), _mm256_sub_epi16(r[i][2], r[i][1]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 3 * cp_), _mm256_sub_epi16(r[i][1], r[i][3]));
      }
    }
    for (; c0 < cp_; ++c0) {  // the channels after the last 16, and the even padding (0)
      int r[4][4];
      for (int k = 0; k < 4; ++k) {
        int d[4];
        for (int a = 0; a < 4; ++a) d[a] = c0 < c ? px[a * 4 + k][c0] - xZeroPoint_ : 0;
        r[0][k] = d[0] - d[2];
        r[1][k] = d[1] + d[2];
        r[2][k] = d[2] - d[1];
        r[3][k] = d[1] - d[3];
      }
      for (int i = 0; i < 4; ++i) {
        out[(i * 4 + 0) * cp_ + c0] = static_cast<int16_t>(r[i][0] - r[i][2]);
        out[(i * 4 + 1) * cp_ + c0] = static_cast<int16_t>(r[i][1] + r[i][2]);
        out[(i * 4 + 2) * cp_ + c0] = static_cast<int16_t>(r[i][2] - r[i][1]);
        out[(i * 4 + 3) * cp_ + c0] = static_cast<int16_t>(r[i][1] - r[i][3]);
      }
    }
  }
}

__attribute__((target("avx2"))) void QWinogradInt8::Compute(const int16_t* v, int8_t* y, int64_t tileBegin,
                                                            int64_t tileEnd, int64_t blockBegin,
                                                            int64_t blockEnd) const {
  alignas(32) int32_t m[16 * kMr * 16];  // M' [position][tile][16]
  const __m256i vzp = _mm256_set1_epi16(static_cast<int16_t>(yZeroPoint_));
  const __m256 vlo = _mm256_set1_ps(lo_), vhi = _mm256_set1_ps(hi_);
  const int64_t perImage = tilesH_ * tilesW_, n = g_.outC, pairs = cp_ / 2, rowStride = 16 * cp_;
  // Microkernel calls of as equal a size as their count allows (as QConvInt8's tiles).
  const int64_t calls = (tileEnd - tileBegin + kMr - 1) / kMr, size = (tileEnd - tileBegin) / calls;
  const int64_t larger = (tileEnd - tileBegin) % calls;
  for (int64_t nb = blockBegin * 16; nb < blockEnd * 16; nb += 16) {
    const int16_t* w = packed_.data() + nb * 16 * cp_;
    const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias_.data() + nb));
    const __m256i bias1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias_.data() + nb + 8));
    const __m256 m0 = _mm256_loadu_ps(multiplier_.data() + nb), m1 = _mm256_loadu_ps(multiplier_.data() + nb + 8);
    for (int64_t call = 0, t0 = tileBegin; call < calls; ++call) {
      const int64_t mr = size + (call < larger ? 1 : 0);
      for (int64_t pos = 0; pos < 16; ++pos) {
        const int16_t* vr = v + (t0 * 16 + pos) * cp_;
        const int16_t* wp = w + pos * cp_ * 16;
        int32_t* mp = m + pos * kMr * 16;
        switch (mr) {
          case 6: GemmAvx2<6>(vr, rowStride, pairs, wp, mp); break;
          case 5: GemmAvx2<5>(vr, rowStride, pairs, wp, mp); break;
          case 4: GemmAvx2<4>(vr, rowStride, pairs, wp, mp); break;
          case 3: GemmAvx2<3>(vr, rowStride, pairs, wp, mp); break;
          case 2: GemmAvx2<2>(vr, rowStride, pairs, wp, mp); break;
          default: GemmAvx2<1>(vr, rowStride, pairs, wp, mp); break;
        }
      }
      for (int64_t r = 0; r < mr; ++r) {
        const int64_t t = t0 + r, b = t / perImage, oy = (t % perImage) / tilesW_ * 2, ox = t % tilesW_ * 2;
        __m256i lo[4], hi[4];
        OutputTransformAvx2(m + r * 16, kMr * 16, bias0, lo);
        OutputTransformAvx2(m + r * 16 + 8, kMr * 16, bias1, hi);
        int8_t* out = y + ((b * g_.outH + oy) * g_.outW + ox) * n + nb;
        const bool right = ox + 1 < g_.outW;  // odd output sizes: the last tile's second column / row is not stored
        for (int row = 0; row < 2 && oy + row < g_.outH; ++row, out += g_.outW * n)
          StoreRowsAvx2(RequantizeAvx2(lo[row * 2], hi[row * 2], m0, m1, vlo, vhi, vzp),
                        RequantizeAvx2(lo[row * 2 + 1], hi[row * 2 + 1], m0, m1, vlo, vhi, vzp), out,
                        right ? out + n : nullptr, n - nb);
      }
      t0 += mr;
    }
  }
}

struct QWinogradInt8::Context {
  const QWinogradInt8* conv;
  const int8_t* x;
  int16_t* v;
  int8_t* y;
  int64_t blocksPerTask;
  bool transformInTask;  // one task per chunk of tiles: the task transforms its chunk's input itself
};

void QWinogradInt8::Task(void* context, size_t chunk, size_t group) {
  auto* c = static_cast<Context*>(context);
  const QWinogradInt8& q = *c->conv;
  const int64_t tileBegin = static_cast<int64_t>(chunk) * q.chunkTiles_;
  const int64_t tileEnd = std::min(q.tiles_, tileBegin + q.chunkTiles_);
  const int64_t blockBegin = static_cast<int64_t>(group) * c->blocksPerTask;
  if (c->transformInTask) q.TransformInput(c->x, c->v, tileBegin, tileEnd);
  q.Compute(c->v, c->y, tileBegin, tileEnd, blockBegin, std::min(q.np_ / 16, blockBegin + c->blocksPerTask));
}

void QWinogradInt8::Run(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const {
  const size_t need = static_cast<size_t>(tiles_ * 16 * cp_);
  if (scratch->size() < need) scratch->resize(need);
  const int64_t chunks = (tiles_ + chunkTiles_ - 1) / chunkTiles_, blocks = np_ / 16;
  // As QConvInt8: with threads, output blocks are split too when the chunks alone give fewer than 4 tasks per thread.
  const int64_t perTask = BlocksPerTask(static_cast<int64_t>(pthreadpool_get_threads_count(pool)), chunks, blocks, 4);
  const int64_t groups = (blocks + perTask - 1) / perTask;
  Context c{this, x, scratch->data(), y, perTask, groups == 1};
  // Split output blocks share a chunk's transformed input: it is computed here, before the one parallel call (only
  // layers with few tiles split blocks, so it is short; another pool call would wait for every worker again).
  if (!c.transformInTask) TransformInput(x, c.v, 0, tiles_);
  pthreadpool_parallelize_2d(pool, &Task, &c, static_cast<size_t>(chunks), static_cast<size_t>(groups), 0);
}

#else

void QWinogradInt8::Run(const int8_t*, int8_t*, pthreadpool_t, std::vector<int16_t>*) const {
  throw std::logic_error("QWinogradInt8: x86-64 only (Handles is false here, and the constructor throws)");
}

#endif  // __x86_64__

}  // namespace hostnn
