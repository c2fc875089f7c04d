#include "wino_f32.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hostnn {
namespace {

constexpr int64_t kBlock = 16;    // output channels per packed weight block
constexpr int kTileRows = 6;      // tiles per AVX2 register tile (6x16: 12 accumulators, as conv_f32's)
constexpr int kZmmTileRows = 12;  // tiles per AVX-512 register tile (12 x 32 channels: 24 accumulators)
constexpr int kElements = 36;     // transform-domain elements of a tile (6x6)
// Transformed input floats of one element of a block (tiles x inC): it is read once per 16 output channels, from L1
// or L2; the packed weights of one element and 16 channels are read once per 6 tiles of the block.
constexpr int64_t kSliceFloats = 8192;
constexpr int64_t kMinBlockTiles = 12, kMaxBlockTiles = 120;
constexpr int64_t kChunk = 64;  // output channels per chunk (RunBlock): the GEMM output of a block stays in L2

#define HOSTNN_INLINE inline __attribute__((always_inline))
#if defined(__x86_64__)
// Vec8 values pass between always-inlined functions only: no call uses the default target's vector ABI.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

// Lanes of channels: one float (portable) or 8 (AVX2). The transforms are written once over them.
struct ScalarLanes {
  using V = float;
  static constexpr int64_t kN = 1;
  static V Load(const float* p) { return *p; }
  static V Zero() { return 0.0f; }
  static V Set(float v) { return v; }
  // NaN stays NaN (as conv_f32).
  static V Clamp(V v, V lo, V hi) { return std::min(std::max(v, lo), hi); }
  static void Store(float* p, V v, int64_t) { *p = v; }
};

#if defined(__x86_64__)
// 8 channels in a GCC/Clang vector (not intrinsics: those cannot be inlined into the generic transforms, which are
// compiled for the default target); as the transforms are always inlined into the target("avx2,fma") functions
// below, its operations compile to AVX instructions there.
typedef float Vec8 __attribute__((vector_size(32)));
struct Vec8Lanes {
  using V = Vec8;
  static constexpr int64_t kN = 8;
  HOSTNN_INLINE static V Load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  HOSTNN_INLINE static V Zero() { return V{}; }
  HOSTNN_INLINE static V Set(float v) { return V{} + v; }
  // NaN stays NaN (as conv_f32): a comparison with NaN is false.
  HOSTNN_INLINE static V Clamp(const V& v, const V& lo, const V& hi) {
    const V low = v < lo ? lo : v;
    return low > hi ? hi : low;
  }
  // n: channels to store (fewer than 8 at the last output channels).
  HOSTNN_INLINE static void Store(float* p, const V& v, int64_t n) {
    std::memcpy(p, &v, static_cast<size_t>(std::min(n, kN)) * sizeof(float));
  }
};
#endif

// B^T z of one column or row of 6 values (z0..z5 at stride s), into o at stride os.
template <class V>
HOSTNN_INLINE void Bt(const V* z, int s, V* o, int os) {
  const V z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s];
  const V a = z4 - 4.0f * z2, b = z3 - 4.0f * z1, c = z4 - z2, d = 2.0f * (z3 - z1);
  o[0] = 4.0f * z0 - 5.0f * z2 + z4;
  o[os] = a + b;
  o[2 * os] = a - b;
  o[3 * os] = c + d;
  o[4 * os] = c - d;
  o[5 * os] = 4.0f * z1 - 5.0f * z3 + z5;
}

// A^T z of 6 values (stride s) into 4 (stride os).
template <class V>
HOSTNN_INLINE void At(const V* z, int s, V* o, int os) {
  const V z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s];
  const V a = z1 + z2, b = z1 - z2, c = z3 + z4, d = z3 - z4;
  o[0] = z[0] + a + c;
  o[os] = b + 2.0f * d;
  o[2 * os] = a + 4.0f * c;
  o[3 * os] = b + 8.0f * d + z[5 * s];
}

struct Block {
  const ConvGeometry2D* g;
  int64_t tilesH, tilesW;
  int64_t tileBegin, tiles;  // the block's tiles
};

// The input transform of the block's tiles, channels [c0, c1) in steps of L::kN: v[e][tile][inC].
template <class L>
HOSTNN_INLINE void InputChannels(const Block& bk, const float* x, float* v, int64_t c0, int64_t c1) {
  using V = typename L::V;
  const ConvGeometry2D& g = *bk.g;
  const int64_t eStride = bk.tiles * g.inC;
  for (int64_t t = 0; t < bk.tiles; ++t) {
    const int64_t tile = bk.tileBegin + t, perImage = bk.tilesH * bk.tilesW;
    const int64_t b = tile / perImage, ty = tile % perImage / bk.tilesW, tx = tile % bk.tilesW;
    const int64_t iy0 = 4 * ty - g.padTop, ix0 = 4 * tx - g.padLeft;
    const bool inside = iy0 >= 0 && ix0 >= 0 && iy0 + 6 <= g.inH && ix0 + 6 <= g.inW;
    float* vt = v + t * g.inC;
    for (int64_t c = c0; c + L::kN <= c1; c += L::kN) {
      V d[kElements], u[kElements];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          const int64_t iy = iy0 + i, ix = ix0 + j;
          d[6 * i + j] = inside || (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW)
                             ? L::Load(x + ((b * g.inH + iy) * g.inW + ix) * g.inC + c)
                             : L::Zero();
        }
      for (int j = 0; j < 6; ++j) Bt(d + j, 6, u + j, 6);          // columns
      for (int i = 0; i < 6; ++i) Bt(u + 6 * i, 1, d + 6 * i, 1);  // rows
      for (int e = 0; e < kElements; ++e) L::Store(vt + e * eStride + c, d[e], L::kN);
    }
  }
}

// The output transform of the block's tiles for output channels [k0, k0 + width) (m: [e][tile][width]), plus bias,
// clamped, into the output pixels inside the image.
template <class L>
HOSTNN_INLINE void OutputChannels(const Block& bk, const float* m, int64_t k0, int64_t width, const float* bias,
                                  float lo, float hi, float* y) {
  using V = typename L::V;
  const ConvGeometry2D& g = *bk.g;
  const V vlo = L::Set(lo), vhi = L::Set(hi);
  const int64_t eStride = bk.tiles * width, n = std::min(width, g.outC - k0);
  for (int64_t t = 0; t < bk.tiles; ++t) {
    const int64_t tile = bk.tileBegin + t, perImage = bk.tilesH * bk.tilesW;
    const int64_t b = tile / perImage, ty = tile % perImage / bk.tilesW, tx = tile % bk.tilesW;
    const int64_t oy0 = 4 * ty, ox0 = 4 * tx;
    const int64_t rows = std::min<int64_t>(4, g.outH - oy0), cols = std::min<int64_t>(4, g.outW - ox0);
    const float* mt = m + t * width;
    for (int64_t k = 0; k < n; k += L::kN) {
      V s[kElements], u[24], o[16];
      for (int e = 0; e < kElements; ++e) s[e] = L::Load(mt + e * eStride + k);
      for (int j = 0; j < 6; ++j) At(s + j, 6, u + j, 6);  // columns: u[4][6]
      const V vb = L::Load(bias + k0 + k);
      for (int i = 0; i < 4; ++i) At(u + 6 * i, 1, o + 4 * i, 1);  // rows: o[4][4]
      for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j)
          L::Store(y + ((b * g.outH + oy0 + i) * g.outW + ox0 + j) * g.outC + k0 + k,
                   L::Clamp(o[4 * i + j] + vb, vlo, vhi), n - k);
    }
  }
}

// m[tile][16] (row stride ms) = a[tile][inC] . w[inC][16] for `tiles` tiles.
void GemmScalar(const float* a, int64_t tiles, int64_t inC, const float* w, float* m, int64_t ms) {
  for (int64_t r = 0; r < tiles; ++r) {
    float acc[kBlock] = {};
    for (int64_t c = 0; c < inC; ++c)
      for (int64_t k = 0; k < kBlock; ++k) acc[k] += a[r * inC + c] * w[c * kBlock + k];
    std::copy(acc, acc + kBlock, m + r * ms);
  }
}

void InputScalar(const Block& bk, const float* x, float* v) { InputChannels<ScalarLanes>(bk, x, v, 0, bk.g->inC); }
void OutputScalar(const Block& bk, const float* m, int64_t k0, int64_t width, const float* bias, float lo, float hi,
                  float* y) {
  OutputChannels<ScalarLanes>(bk, m, k0, width, bias, lo, hi, y);
}

#if defined(__x86_64__)
// MR tiles x 16 channels in 2 * MR accumulators; per input channel 2 weight loads, MR broadcasts, 2 * MR FMAs.
template <int MR>
__attribute__((target("avx2,fma"), always_inline)) inline void GemmTileFma(const float* a, int64_t inC, const float* w,
                                                                           float* m, int64_t ms) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t c = 0; c < inC; ++c, w += kBlock) {
    const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 xv = _mm256_broadcast_ss(a + r * inC + c);
      acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(m + r * ms, acc[r][0]);
    _mm256_storeu_ps(m + r * ms + 8, acc[r][1]);
  }
}

__attribute__((target("avx2,fma"))) void GemmAvx2(const float* a, int64_t tiles, int64_t inC, const float* w, float* m,
                                                  int64_t ms) {
  int64_t r = 0;
  for (; r + kTileRows <= tiles; r += kTileRows) GemmTileFma<kTileRows>(a + r * inC, inC, w, m + r * ms, ms);
  switch (tiles - r) {
    case 5: GemmTileFma<5>(a + r * inC, inC, w, m + r * ms, ms); break;
    case 4: GemmTileFma<4>(a + r * inC, inC, w, m + r * ms, ms); break;
    case 3: GemmTileFma<3>(a + r * inC, inC, w, m + r * ms, ms); break;
    case 2: GemmTileFma<2>(a + r * inC, inC, w, m + r * ms, ms); break;
    case 1: GemmTileFma<1>(a + r * inC, inC, w, m + r * ms, ms); break;
    default: break;
  }
}

// AVX-512: a 16-channel block is one zmm. MR tiles x NB blocks in MR * NB accumulators; per input channel NB weight
// loads (the blocks' packed weights are wStride floats apart), MR broadcasts, MR * NB FMAs. 12 x 2 (24 accumulators) as
// conv_f32's zmm tile: 12 broadcasts feed 24 FMAs.
template <int MR, int NB>
__attribute__((target("avx512f"), always_inline)) inline void GemmTile512(const float* a, int64_t inC, const float* w,
                                                                          int64_t wStride, float* m, int64_t ms) {
  __m512 acc[MR][NB];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t c = 0; c < inC; ++c, w += kBlock) {
    __m512 wv[NB];
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) wv[j] = _mm512_loadu_ps(w + j * wStride);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      const __m512 xv = _mm512_set1_ps(a[r * inC + c]);
#pragma GCC unroll 2
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_fmadd_ps(xv, wv[j], acc[r][j]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) _mm512_storeu_ps(m + r * ms + j * kBlock, acc[r][j]);
}

template <int NB>
__attribute__((target("avx512f"))) void Gemm512(const float* a, int64_t tiles, int64_t inC, const float* w,
                                                int64_t wStride, float* m, int64_t ms) {
  int64_t r = 0;
  for (; r + kZmmTileRows <= tiles; r += kZmmTileRows)
    GemmTile512<kZmmTileRows, NB>(a + r * inC, inC, w, wStride, m + r * ms, ms);
  a += r * inC;
  m += r * ms;
  switch (tiles - r) {
    case 11: GemmTile512<11, NB>(a, inC, w, wStride, m, ms); break;
    case 10: GemmTile512<10, NB>(a, inC, w, wStride, m, ms); break;
    case 9: GemmTile512<9, NB>(a, inC, w, wStride, m, ms); break;
    case 8: GemmTile512<8, NB>(a, inC, w, wStride, m, ms); break;
    case 7: GemmTile512<7, NB>(a, inC, w, wStride, m, ms); break;
    case 6: GemmTile512<6, NB>(a, inC, w, wStride, m, ms); break;
    case 5: GemmTile512<5, NB>(a, inC, w, wStride, m, ms); break;
    case 4: GemmTile512<4, NB>(a, inC, w, wStride, m, ms); break;
    case 3: GemmTile512<3, NB>(a, inC, w, wStride, m, ms); break;
    case 2: GemmTile512<2, NB>(a, inC, w, wStride, m, ms); break;
    case 1: GemmTile512<1, NB>(a, inC, w, wStride, m, ms); break;
    default: break;
  }
}

__attribute__((target("avx2,fma"))) void InputAvx2(const Block& bk, const float* x, float* v) {
  const int64_t vec = bk.g->inC / Vec8Lanes::kN * Vec8Lanes::kN;
  InputChannels<Vec8Lanes>(bk, x, v, 0, vec);
  if (vec < bk.g->inC) InputChannels<ScalarLanes>(bk, x, v, vec, bk.g->inC);
}
// width: a multiple of 16, so every vector of m is whole; the stores stop at outC.
__attribute__((target("avx2,fma"))) void OutputAvx2(const Block& bk, const float* m, int64_t k0, int64_t width,
                                                    const float* bias, float lo, float hi, float* y) {
  OutputChannels<Vec8Lanes>(bk, m, k0, width, bias, lo, hi, y);
}
#endif  // __x86_64__

// G g G^T of one 3x3 kernel (row-major), in double: 36 transformed weights.
void TransformKernel(const float* k, double* u) {
  static const double kG[6][3] = {{1.0 / 4, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
  double t[6][3];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 3; ++j) t[i][j] = kG[i][0] * k[j] + kG[i][1] * k[3 + j] + kG[i][2] * k[6 + j];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) u[6 * i + j] = t[i][0] * kG[j][0] + t[i][1] * kG[j][1] + t[i][2] * kG[j][2];
}

struct RunContext {
  const WinogradF32* conv;
  const float* x;
  float* y;
  int64_t tiles, blockTiles, outBlocks, outBlocksPerTask;
};

void RunTask(void* context, size_t blockTask, size_t outTask) {
  const auto* c = static_cast<const RunContext*>(context);
  const int64_t t0 = static_cast<int64_t>(blockTask) * c->blockTiles;
  const int64_t ob0 = static_cast<int64_t>(outTask) * c->outBlocksPerTask;
  c->conv->RunBlock(c->x, c->y, t0, std::min(c->blockTiles, c->tiles - t0), ob0,
                    std::min(c->outBlocks, ob0 + c->outBlocksPerTask));
}

}  // namespace

bool WinogradF32::Supports(const ConvGeometry2D& g) {
  return g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 &&
         g.batch > 0 && g.inC > 0 && g.outC > 0 && g.outH > 0 && g.outW > 0;
}

WinogradF32::WinogradF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax,
                         F32Isa isa)
    : g_(g), isa_(isa), lo_(outMin), hi_(outMax) {
  if (!Supports(g)) throw std::logic_error("Winograd F(4x4, 3x3): not a 3x3 stride-1 convolution");
  if (!F32IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + F32IsaLabel(isa));
  tilesH_ = (g.outH + 3) / 4;
  tilesW_ = (g.outW + 3) / 4;
  tiles_ = g.batch * tilesH_ * tilesW_;
  paddedC_ = (g.outC + kBlock - 1) / kBlock * kBlock;
  const int64_t rows = isa == F32Isa::kAvx512 ? kZmmTileRows : kTileRows;
  blockTiles_ = std::clamp(kSliceFloats / g.inC / rows * rows, kMinBlockTiles, kMaxBlockTiles);
  packed_.assign(static_cast<size_t>(kElements * paddedC_ * g.inC), 0.0f);
  bias_.assign(static_cast<size_t>(paddedC_), 0.0f);
  double u[kElements];
  for (int64_t o = 0; o < g.outC; ++o) {
    for (int64_t c = 0; c < g.inC; ++c) {
      TransformKernel(w + (o * g.inC + c) * 9, u);
      for (int e = 0; e < kElements; ++e)
        packed_[static_cast<size_t>(((e * paddedC_ / kBlock + o / kBlock) * g.inC + c) * kBlock + o % kBlock)] =
            static_cast<float>(u[e]);
    }
    if (bias) bias_[static_cast<size_t>(o)] = bias[o];
  }
}

void WinogradF32::RunBlock(const float* x, float* y, int64_t tileBegin, int64_t tiles, int64_t outBlockBegin,
                           int64_t outBlockEnd) const {
  struct Scratch {
    std::vector<float> v, m;
  };
  thread_local Scratch scratch;
  const auto vNeed = static_cast<size_t>(kElements * tiles * g_.inC),
             mNeed = static_cast<size_t>(kElements * tiles * kChunk);
  if (scratch.v.size() < vNeed) scratch.v.resize(vNeed);
  if (scratch.m.size() < mNeed) scratch.m.resize(mNeed);
  float* v = scratch.v.data();
  float* m = scratch.m.data();
  const Block bk{&g_, tilesH_, tilesW_, tileBegin, tiles};
  [[maybe_unused]] const bool avx2 = F32IsaUsesAvx2(isa_);
#if defined(__x86_64__)
  if (avx2)
    InputAvx2(bk, x, v);
  else
#endif
    InputScalar(bk, x, v);
  const int64_t blocksPerElement = paddedC_ / kBlock;
  for (int64_t k0 = outBlockBegin * kBlock; k0 < outBlockEnd * kBlock; k0 += kChunk) {
    const int64_t width = std::min(kChunk, outBlockEnd * kBlock - k0);
    for (int e = 0; e < kElements; ++e) {
      const float* a = v + e * tiles * g_.inC;
      float* me = m + e * tiles * width;
      const int64_t blocks = width / kBlock, wStride = g_.inC * kBlock;
      const float* we = packed_.data() + (e * blocksPerElement + k0 / kBlock) * wStride;
#if defined(__x86_64__)
      if (isa_ == F32Isa::kAvx512) {
        int64_t ob = 0;
        for (; ob + 2 <= blocks; ob += 2)
          Gemm512<2>(a, tiles, g_.inC, we + ob * wStride, wStride, me + ob * kBlock, width);
        if (ob < blocks) Gemm512<1>(a, tiles, g_.inC, we + ob * wStride, wStride, me + ob * kBlock, width);
        continue;
      }
#endif
      for (int64_t ob = 0; ob < blocks; ++ob) {
        const float* wp = we + ob * wStride;
#if defined(__x86_64__)
        if (avx2) {
          GemmAvx2(a, tiles, g_.inC, wp, me + ob * kBlock, width);
          continue;
        }
#endif
        GemmScalar(a, tiles, g_.inC, wp, me + ob * kBlock, width);
      }
    }
#if defined(__x86_64__)
    if (avx2) {
      OutputAvx2(bk, m, k0, width, bias_.data(), lo_, hi_, y);
      continue;
    }
#endif
    OutputScalar(bk, m, k0, width, bias_.data(), lo_, hi_, y);
  }
}

void WinogradF32::Run(const float* x, float* y, pthreadpool_t pool) const {
  const int64_t threads = pool ? static_cast<int64_t>(pthreadpool_get_threads_count(pool)) : 1;
  int64_t blockTiles = std::min(blockTiles_, tiles_);
  // With several threads about 4 blocks per thread where there are tiles for blocks of kMinBlockTiles.
  if (threads > 1)
    blockTiles = std::min(blockTiles, std::max(kMinBlockTiles, (tiles_ + 4 * threads - 1) / (4 * threads)));
  const int64_t blocks = (tiles_ + blockTiles - 1) / blockTiles;
  blockTiles = (tiles_ + blocks - 1) / blocks;  // blocks of nearly equal size
  const int64_t outBlocks = paddedC_ / kBlock;
  // Fewer than 2 blocks per thread (small images): split the output channels too (each task transforms its block's
  // input again, which costs more than an uneven split of at least 2 blocks a thread).
  RunContext c{this, x, y, tiles_, blockTiles, outBlocks, BlocksPerTask(threads, blocks, outBlocks, 2)};
  const auto outTasks = static_cast<size_t>((outBlocks + c.outBlocksPerTask - 1) / c.outBlocksPerTask);
  pthreadpool_parallelize_2d(pool, &RunTask, &c, static_cast<size_t>(blocks), outTasks, 0);
}

}  // namespace hostnn
