#include "conv_f32.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "avx512_ops.h"
#include "thread_pool.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace hostnn {

bool F32IsaSupported(F32Isa isa) {
  switch (isa) {
    case F32Isa::kScalar: return true;
#if defined(__x86_64__)
    case F32Isa::kAvx2Fma: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case F32Isa::kAvx512: return F32IsaSupported(F32Isa::kAvx2Fma) && __builtin_cpu_supports("avx512f");
#else
    case F32Isa::kAvx2Fma:
    case F32Isa::kAvx512: return false;
#endif
  }
  return false;
}

const char* F32IsaLabel(F32Isa isa) {
  switch (isa) {
    case F32Isa::kScalar: return "scalar";
    case F32Isa::kAvx2Fma: return "AVX2";
    case F32Isa::kAvx512: return "AVX-512";
  }
  return "?";
}

F32Isa SelectF32Isa() {
  const char* env = std::getenv("NPULENS_HOSTNN_ISA");
  const std::string name = env ? env : "";
  if (name == "scalar") return F32Isa::kScalar;
  if (name == "avx2" || name == "avx512") {
    const F32Isa isa = name == "avx2" ? F32Isa::kAvx2Fma : F32Isa::kAvx512;
    if (!F32IsaSupported(isa))
      throw std::runtime_error("NPULENS_HOSTNN_ISA=" + name + ": this CPU has no " +
                               (isa == F32Isa::kAvx2Fma ? "AVX2+FMA" : "AVX-512F"));
    return isa;
  }
  for (F32Isa isa : {F32Isa::kAvx512, F32Isa::kAvx2Fma})
    if (F32IsaSupported(isa)) return isa;
  return F32Isa::kScalar;
}

bool Avx512FmaIsHalfWidth() {
#if defined(__x86_64__)
  // Once: every Conv's lowering asks, and CPUID traps to the hypervisor in a VM.
  static const bool halfWidth = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!F32IsaSupported(F32Isa::kAvx512) || __get_cpuid(0, &eax, &ebx, &ecx, &edx) == 0) return false;
    const bool amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;  // "AuthenticAMD"
    if (!amd || __get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    const unsigned baseFamily = (eax >> 8) & 0xf;
    const unsigned family = baseFamily == 0xf ? baseFamily + ((eax >> 20) & 0xff) : baseFamily;
    return family == 0x19;
  }();
  return halfWidth;
#else
  return false;
#endif
}

namespace {

constexpr int64_t kBlock = 16;  // output channels per packed block (the last one may be 8 or 24 wide)
constexpr int64_t kHalfBlock = 8;
constexpr int64_t kWideBlock = 24;
constexpr int kTileRows = 6;       // output pixels per AVX2 register tile of a 16-channel block
constexpr int kHalfTileRows = 12;  // ... of an 8-channel block
constexpr int kWideTileRows = 4;   // ... of a 24-channel block
constexpr int kDotTileRows = 3;    // ... of the partial-sum tile (grouped, 8 outputs per group: DotTileFma)
constexpr int kZmmTileRows = 12;   // ... of the AVX-512 tile (16- and 24-channel blocks, a pair of 16: Tile512)
// ... and of an output image of at most kBigTileMaxPixels pixels that is not a plain GEMM (all pointer tiles): its 49
// pixels in 4 tiles, not 5, so the weights (from L2) are read 4 times. 7x7 layers ran 0.76-0.79x the time (ResNet's
// 512->512, the 3x3 and 1x1 stride-2 ones to 7x7, GoogLeNet's and DenseNet's), while 14-pixel tiles everywhere cost
// 14x14 layers and 1x1 GEMMs 1.1-1.4x (npulens_conv_f32_bench, 1 thread).
constexpr int kZmmBigTileRows = 14;
constexpr int64_t kBigTileMaxPixels = 49;
constexpr int TileRowsOf(int64_t width, F32Isa isa, bool bigTiles = false) {
  if (isa == F32Isa::kAvx512 && width != kHalfBlock) return bigTiles ? kZmmBigTileRows : kZmmTileRows;
  return width == kBlock ? kTileRows : width == kHalfBlock ? kHalfTileRows : kWideTileRows;  // (AVX-512: 12x8 too)
}

// Register tiles of rows output pixels x one block of output channels, for each of `blocks` blocks of the same width
// (inner loop) and `tiles` tiles (outer loop). Their pixels' inputs come either as a pointer per pixel and tap
// (tapPtrs: one tile of any pixels, padded taps read a zero row) or, for tiles of one output row whose taps all lie
// inside the input columns (strided), as one offset per tap that lies inside the image plus a fixed step between
// adjacent pixels; the taps outside (vertical padding) are skipped with their weights. One call runs many tiles:
// with few input channels a tile is a hundred cycles, and a call per tile cost 1.2-1.4x the time (16->16..96
// channels at 112x112, npulens_conv_f32_bench).
struct TileArgs {
  const float* x;               // strided: the input
  const int64_t* tapOff;        // strided: per tap, the offset in x of the first pixel's input
  const int64_t* tapIdx;        // strided: per tap, its index in the packed weights
  int64_t step;                 // strided: floats from one pixel's input to the next one's
  int64_t tiles;                // strided: tiles of rows pixels each, one after the other (otherwise 1)
  int64_t blocks;               // blocks of output channels, one after the other
  int64_t blockStride;          // floats of packed weights per block
  const float* const* tapPtrs;  // otherwise: [rows][taps] the input pixel (or the zero row) of each tap, to which
  int64_t inOff;                //   the group's first channel is added
  int64_t taps, inC, outC;      // taps iterated; inC: input channels per tap
  const float* packed;          // the first block's weights: [taps][inC][block width]
  const float* bias;            // its biases (block width floats), the next block's after them
  int64_t o0;                   // its first output channel
  float* y;                     // output of the first tile's first pixel
  int64_t yStride;              // floats from one output pixel to the next
  float lo, hi;
};

// The input of pixel r at tap t and the weights of that tap.
template <bool kStrided>
inline const float* TapInput(const TileArgs& a, int64_t t, int64_t r) {
  if constexpr (kStrided)
    return a.x + (a.tapOff[t] + r * a.step);
  else
    return a.tapPtrs[r * a.taps + t] + a.inOff;
}
template <bool kStrided, int64_t kWidth>
inline const float* TapWeights(const TileArgs& a, int64_t blk, int64_t t) {
  return a.packed + blk * a.blockStride + (kStrided ? a.tapIdx[t] : t) * a.inC * kWidth;
}

template <bool kStrided, int64_t kWidth>
void TileScalar(const TileArgs& a, int rows) {
  for (int64_t r = 0; r < a.tiles * rows; ++r)
    for (int64_t blk = 0; blk < a.blocks; ++blk) {
      const int64_t o0 = a.o0 + blk * kBlock, n = std::min(kWidth, a.outC - o0);
      float acc[kWidth];
      std::memcpy(acc, a.bias + blk * kBlock, sizeof(acc));
      for (int64_t t = 0; t < a.taps; ++t) {
        const float* px = TapInput<kStrided>(a, t, r);
        const float* wp = TapWeights<kStrided, kWidth>(a, blk, t);
        for (int64_t c = 0; c < a.inC; ++c, wp += kWidth)
          for (int64_t k = 0; k < kWidth; ++k) acc[k] += px[c] * wp[k];
      }
      float* out = a.y + r * a.yStride + o0;
      for (int64_t k = 0; k < n; ++k) out[k] = std::min(std::max(acc[k], a.lo), a.hi);  // NaN stays NaN
    }
}

// y = clamp(y + res, lo, hi) over n floats of a row (AddResidualRow), and the SIMD variants' tails.
void AddResidualRowScalar(float* y, const float* res, int64_t n, float lo, float hi) {
  for (int64_t c = 0; c < n; ++c) y[c] = std::min(std::max(y[c] + res[c], lo), hi);  // NaN stays NaN
}

#if defined(__x86_64__)

// MR output pixels x 16 output channels in 2 * MR ymm accumulators; per input channel 2 weight loads, MR broadcasts,
// 2 * MR FMAs. At MR = 6 that is 15 of the 16 ymm registers, none spilled. A 24-channel block takes MR = 4 (12
// accumulators, 3 weight loads), an 8-channel one MR = 12 (12 accumulators, one weight load, 12 broadcasts: 66% of
// the peak against 90% for 6x16 and 4x24, npulens_conv_f32_bench). The row loops are unrolled explicitly: otherwise
// GCC at -O2 keeps the accumulator arrays in memory (an FMA chain through the stack, XNNPACK's problem).
template <int MR, bool kStrided, int64_t kWidth>
__attribute__((target("avx2,fma"))) void TileFma(const TileArgs& a) {
  constexpr int kVecs = kWidth / 8;
  const __m256 vlo = _mm256_set1_ps(a.lo), vhi = _mm256_set1_ps(a.hi);
  // Tiles outer, blocks inner, in one loop (no division per tile).
  for (int64_t r0 = 0, blk = 0; r0 < a.tiles * MR;) {
    const int64_t o0 = a.o0 + blk * kBlock, n = std::min(kWidth, a.outC - o0);
    __m256 acc[MR][kVecs];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
      for (int v = 0; v < kVecs; ++v) acc[r][v] = _mm256_loadu_ps(a.bias + blk * kBlock + 8 * v);
    for (int64_t t = 0; t < a.taps; ++t) {
      const float* px[MR];
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) px[r] = TapInput<kStrided>(a, t, r0 + r);
      const float* wp = TapWeights<kStrided, kWidth>(a, blk, t);
      for (int64_t c = 0; c < a.inC; ++c, wp += kWidth) {
        __m256 w[kVecs];
#pragma GCC unroll 3
        for (int v = 0; v < kVecs; ++v) w[v] = _mm256_loadu_ps(wp + 8 * v);
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
          const __m256 xv = _mm256_broadcast_ss(px[r] + c);
#pragma GCC unroll 3
          for (int v = 0; v < kVecs; ++v) acc[r][v] = _mm256_fmadd_ps(xv, w[v], acc[r][v]);
        }
      }
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      float* out = a.y + (r0 + r) * a.yStride + o0;
      // max/min return their second operand when one is NaN: a NaN sum stays NaN, as in the portable variant.
      __m256 v[kVecs];
#pragma GCC unroll 3
      for (int i = 0; i < kVecs; ++i) v[i] = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc[r][i]));
      if (n == kWidth) {
#pragma GCC unroll 3
        for (int i = 0; i < kVecs; ++i) _mm256_storeu_ps(out + 8 * i, v[i]);
      } else {
        alignas(32) float tmp[kWidth];
#pragma GCC unroll 3
        for (int i = 0; i < kVecs; ++i) _mm256_store_ps(tmp + 8 * i, v[i]);
        std::memcpy(out, tmp, static_cast<size_t>(n) * sizeof(float));
      }
    }
    if (++blk == a.blocks) {
      blk = 0;
      r0 += MR;
    }
  }
}

// Grouped convolutions of 8 output channels per group (RegNet's group width 8). The 12x8 tile broadcasts one input
// per FMA (about half the FMA peak: the broadcasts, not the FMAs, set the pace). Here each input load is 4 channels
// of a pixel repeated in both halves (vbroadcastf128) and each weight vector holds those 4 channels' weights for
// output k (low half) and k + 4 (high half): MR pixels x 8 outputs in 4 * MR accumulators of partial sums, per 4
// input channels MR loads and 4 weight loads for 4 * MR FMAs. Three hadds per pixel at the end sum each output's 4
// partial lanes into [o0 .. o7]. Weights [taps][inC / 4][4][8]; needs inC a multiple of 4 (per group). The channel loop
// stays a loop: unrolled (8 channels), GCC spilled accumulators and the tile ran at 47% of the peak, not 65%.
template <int MR, bool kStrided>
__attribute__((target("avx2,fma"))) void DotTileFma(const TileArgs& a) {
  const __m256 vlo = _mm256_set1_ps(a.lo), vhi = _mm256_set1_ps(a.hi), b = _mm256_loadu_ps(a.bias);
  const int64_t tapStride = a.inC * kHalfBlock;
  // Pixel r's input at a tap lies d[r] bytes past the first pixel's (strided tiles: the same for every tap); one
  // pointer and fixed distances cost fewer instructions per tap than MR pointers (1.07x faster). As integers: a
  // pointer tile's pixels may lie in different arrays (the input, the zero row).
  uintptr_t d[MR];
#pragma GCC unroll 3
  for (int r = 0; r < MR; ++r) d[r] = static_cast<uintptr_t>(r * a.step) * sizeof(float);
  for (int64_t r0 = 0; r0 < a.tiles * MR; r0 += MR) {
    __m256 acc[MR][4];
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) acc[r][k] = _mm256_setzero_ps();
    for (int64_t t = 0; t < a.taps; ++t) {
      const float* p0 = TapInput<kStrided>(a, t, r0);
      if constexpr (!kStrided)
#pragma GCC unroll 3
        for (int r = 1; r < MR; ++r)
          d[r] = reinterpret_cast<uintptr_t>(TapInput<false>(a, t, r0 + r)) - reinterpret_cast<uintptr_t>(p0);
      const float* wp = a.packed + (kStrided ? a.tapIdx[t] : t) * tapStride;
      const float* const wEnd = wp + tapStride;
      for (; wp != wEnd; wp += 4 * kHalfBlock, p0 += 4) {
        __m256 xv[MR];
#pragma GCC unroll 3
        for (int r = 0; r < MR; ++r)
          xv[r] = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(reinterpret_cast<uintptr_t>(p0) + d[r]));
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
          const __m256 w = _mm256_loadu_ps(wp + k * kHalfBlock);
#pragma GCC unroll 3
          for (int r = 0; r < MR; ++r) acc[r][k] = _mm256_fmadd_ps(xv[r], w, acc[r][k]);
        }
      }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r) {
      // hadd(acc0, acc1) = [o0 o0 o1 o1 | o4 o4 o5 o5] (pairs of partial sums), likewise o2 o3 | o6 o7: then
      // [o0 o1 o2 o3 | o4 o5 o6 o7].
      const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(acc[r][0], acc[r][1]), _mm256_hadd_ps(acc[r][2], acc[r][3]));
      __m256 v = _mm256_add_ps(s, b);
      // As TileFma: a NaN sum stays NaN through the clamp.
      _mm256_storeu_ps(a.y + (r0 + r) * a.yStride, _mm256_min_ps(vhi, _mm256_max_ps(vlo, v)));
    }
  }
}

// tile(std::integral_constant<int, R>) for R = min(rows, MR): a register tile of MR rows or, for the last tiles of a
// task, one compiled for fewer (1 <= rows).
template <int MR, typename Tile>
void WithRows(int rows, const Tile& tile) {
  if constexpr (MR > 1)
    if (rows < MR) return WithRows<MR - 1>(rows, tile);
  tile(std::integral_constant<int, MR>{});
}

// The register tile of the block's width (6x16, 12x8, 4x24).
template <bool kStrided, int64_t kWidth>
void TileAvx2(const TileArgs& a, int rows) {
  constexpr int kRows = TileRowsOf(kWidth, F32Isa::kAvx2Fma);
  WithRows<kRows>(rows, [&](auto mr) { TileFma<decltype(mr)::value, kStrided, kWidth>(a); });
}

// The AVX-512 tile prefetches the weights this many input channels ahead: a pair's weights come from L3 for a task's
// first tile (512->512 at 7x7: 9 MiB) and its 2 streams lie a block apart; 7x7 and 14x14-stride-2 layers with 512
// outputs ran 0.86-0.92x the time with it, the others the same (npulens_conv_f32_bench, 3 rounds alternating).
constexpr int64_t kPrefetchSteps = 16;

// AVX-512: a block of 16 output channels is one zmm. MR output pixels x kVecs zmm of output channels: a pair of
// 16-channel blocks (kRow = 16, the second block's weights blockStride further) or a 24-channel block (kRow = 24,
// its last 8 channels in the low half of a masked vector). Per input channel kVecs weight loads, MR broadcasts,
// MR * kVecs FMAs; at MR = 12 and a pair, 24 accumulators of the 32 zmm registers (MR = 14: 28). Tails (channels past
// outC) are masked loads and stores, no copies.
template <int MR, bool kStrided, int kVecs, int64_t kRow>
__attribute__((target("avx512f"), always_inline)) inline void Tile512Body(const TileArgs& a, int64_t r0, int64_t blk,
                                                                          __m512 vlo, __m512 vhi) {
  constexpr int64_t kWidth = kRow == kWideBlock ? kWideBlock : kVecs * kBlock;
  constexpr auto kLastLoad = static_cast<__mmask16>(kRow == kWideBlock ? 0x00FF : 0xFFFF);
  const int64_t o0 = a.o0 + blk * kBlock, n = std::min(kWidth, a.outC - o0);
  __mmask16 store[kVecs];
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v)
    store[v] = static_cast<__mmask16>((1u << std::clamp<int64_t>(n - kBlock * v, 0, kBlock)) - 1);
  __m512 acc[MR][kVecs];
  const float* bias = a.bias + blk * kBlock;
#pragma GCC unroll 14
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = _mm512_loadu_ps(bias);
    if constexpr (kVecs == 2) acc[r][1] = _mm512_maskz_loadu_ps(kLastLoad, bias + kBlock);
  }
  for (int64_t t = 0; t < a.taps; ++t) {
    const float* px[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) px[r] = TapInput<kStrided>(a, t, r0 + r);
    const float* wp = TapWeights<kStrided, kRow>(a, blk, t);
    // The second vector's weights: the next block's (a pair) or this row's last 8.
    const int64_t second = kRow == kWideBlock ? kBlock : a.blockStride;
    for (int64_t c = 0; c < a.inC; ++c, wp += kRow) {
      __m512 w[kVecs];
      _mm_prefetch(reinterpret_cast<const char*>(wp + kPrefetchSteps * kRow), _MM_HINT_T0);
      if constexpr (kVecs == 2 && kRow == kBlock)
        _mm_prefetch(reinterpret_cast<const char*>(wp + second + kPrefetchSteps * kRow), _MM_HINT_T0);
      w[0] = _mm512_loadu_ps(wp);
      if constexpr (kVecs == 2) w[1] = _mm512_maskz_loadu_ps(kLastLoad, wp + second);
#pragma GCC unroll 14
      for (int r = 0; r < MR; ++r) {
        const __m512 xv = _mm512_set1_ps(px[r][c]);
#pragma GCC unroll 2
        for (int v = 0; v < kVecs; ++v) acc[r][v] = _mm512_fmadd_ps(xv, w[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 14
  for (int r = 0; r < MR; ++r) {
    float* out = a.y + (r0 + r) * a.yStride + o0;
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      __m512 s = acc[r][v];
      // As TileFma: a NaN sum stays NaN through the clamp.
      _mm512_mask_storeu_ps(out + kBlock * v, store[v], MinAvx512(vhi, MaxAvx512(vlo, s)));
    }
  }
}

// Tiles outer; a 16-channel block's tile runs the blocks in pairs (half the broadcasts per FMA), an odd last one
// alone.
template <int MR, bool kStrided, int64_t kWidth>
__attribute__((target("avx512f"))) void Tile512(const TileArgs& a) {
  const __m512 vlo = _mm512_set1_ps(a.lo), vhi = _mm512_set1_ps(a.hi);
  for (int64_t r0 = 0; r0 < a.tiles * MR; r0 += MR) {
    if constexpr (kWidth == kWideBlock) {
      Tile512Body<MR, kStrided, 2, kWideBlock>(a, r0, 0, vlo, vhi);  // a group's last block: alone
    } else {
      int64_t blk = 0;
      for (; blk + 1 < a.blocks; blk += 2) Tile512Body<MR, kStrided, 2, kBlock>(a, r0, blk, vlo, vhi);
      if (blk < a.blocks) Tile512Body<MR, kStrided, 1, kBlock>(a, r0, blk, vlo, vhi);
    }
  }
}

template <bool kStrided, int64_t kWidth>
void TileAvx512(const TileArgs& a, int rows) {
  WithRows<kZmmBigTileRows>(rows, [&](auto mr) { Tile512<decltype(mr)::value, kStrided, kWidth>(a); });
}

__attribute__((target("avx512f"))) void AddResidualRowAvx512(float* y, const float* res, int64_t n, float lo,
                                                             float hi) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  for (int64_t c = 0; c < n; c += kBlock) {
    const auto m = static_cast<__mmask16>((1u << std::min<int64_t>(n - c, kBlock)) - 1);
    const __m512 s = _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + c), _mm512_maskz_loadu_ps(m, res + c));
    _mm512_mask_storeu_ps(y + c, m, MinAvx512(vhi, MaxAvx512(vlo, s)));  // as the tiles: NaN stays NaN
  }
}

__attribute__((target("avx2"))) void AddResidualRowAvx2(float* y, const float* res, int64_t n, float lo, float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  int64_t c = 0;
  for (; c + kHalfBlock <= n; c += kHalfBlock) {
    const __m256 s = _mm256_add_ps(_mm256_loadu_ps(y + c), _mm256_loadu_ps(res + c));
    _mm256_storeu_ps(y + c, _mm256_min_ps(vhi, _mm256_max_ps(vlo, s)));
  }
  AddResidualRowScalar(y + c, res + c, n - c, lo, hi);
}

#endif  // __x86_64__

// y = clamp(y + res, lo, hi) over n floats of a row: the residual's add and the clamp after the tiles (they store the
// unclamped sums). Added in the tiles' epilogues instead, ResNet50's 1x1 layers with 1024-2048 outputs ran 1.5-1.6x
// the time of the same layer without a residual, here 1.0-1.1x (Zen 5, AVX-512, 1 thread; npulens_conv_f32_bench with a
// residual run added for the measurement): rows of outputs a multiple of 4 KiB apart, read at the end of each tile.
void AddResidualRow(float* y, const float* res, int64_t n, float lo, float hi, F32Isa isa) {
#if defined(__x86_64__)
  if (isa == F32Isa::kAvx512) return AddResidualRowAvx512(y, res, n, lo, hi);
  if (F32IsaUsesAvx2(isa)) return AddResidualRowAvx2(y, res, n, lo, hi);
#endif
  AddResidualRowScalar(y, res, n, lo, hi);
}

template <bool kStrided, int64_t kWidth>
void Tile(const TileArgs& a, int rows, [[maybe_unused]] F32Isa isa) {
#if defined(__x86_64__)
  if constexpr (kWidth != kHalfBlock)
    if (isa == F32Isa::kAvx512) return TileAvx512<kStrided, kWidth>(a, rows);
  if (F32IsaUsesAvx2(isa)) return TileAvx2<kStrided, kWidth>(a, rows);
#endif
  TileScalar<kStrided, kWidth>(a, rows);
}

// Tile for a block of `width` output channels (kBlock, kHalfBlock or kWideBlock).
template <bool kStrided>
void TileOfWidth(const TileArgs& a, int64_t width, int rows, F32Isa isa) {
  if (width == kBlock)
    Tile<kStrided, kBlock>(a, rows, isa);
  else if (width == kHalfBlock)
    Tile<kStrided, kHalfBlock>(a, rows, isa);
  else
    Tile<kStrided, kWideBlock>(a, rows, isa);
}

struct RunContext {
  const ConvF32* conv;
  const float* x;
  float* y;
  int64_t rows, rowsPerTask, blocks, blocksPerTask;
  const float* residual;
};

void RunTask(void* context, size_t rowTask, size_t blockTask) {
  const auto* c = static_cast<const RunContext*>(context);
  const int64_t r0 = static_cast<int64_t>(rowTask) * c->rowsPerTask;
  const int64_t b0 = static_cast<int64_t>(blockTask) * c->blocksPerTask;
  c->conv->RunTile(c->x, c->y, r0, std::min(c->rowsPerTask, c->rows - r0), b0,
                   std::min(c->blocks, b0 + c->blocksPerTask), c->residual);
}

// Output pixels per task: a multiple of both register tiles, at least kMinRowsPerTask (the task's pixels are reused
// from cache for each block of output channels, whose packed weights are reused across the task's tiles) and
// enough for about kTaskMacs multiply-adds: a 1x1 convolution of 16 channels does 48 pixels in a quarter of a
// microsecond, about what a task costs to start. Block-major, at most kTaskOutFloats outputs: each block writes a
// part of every output pixel's cache lines, which must stay in L1 for the next block (16->96 channels at 180 pixels
// a task ran 1.12x the time of 48).
constexpr int64_t kMinRowsPerTask = 4 * kHalfTileRows;
constexpr int64_t kTaskMacs = int64_t{1} << 18;
constexpr int64_t kTaskOutFloats = 4096;
// Packed weights up to this size stay in L1 (32 KiB on Zen 3) across a tile's blocks: RunTile runs pixel-major.
constexpr size_t kPixelMajorWeightBytes = 16384;

}  // namespace

ConvF32::ConvF32(const ConvGeometry2D& geometry, const float* w, const float* bias, float outMin, float outMax,
                 F32Isa isa, int64_t groups)
    : g_(geometry),
      isa_(isa),
      groups_(groups),
      inStride_(geometry.inC),
      outStride_(geometry.outC),
      taps_(geometry.kernelH * geometry.kernelW),
      lo_(outMin),
      hi_(outMax) {
  if (groups < 1 || geometry.inC % groups != 0 || geometry.outC % groups != 0)
    throw std::logic_error("groups " + std::to_string(groups) + " do not divide the channels");
  g_.inC /= groups;
  g_.outC /= groups;
  const ConvGeometry2D& g = g_;
  blocks_ = (g.outC + kBlock - 1) / kBlock;
  pointwise_ = taps_ == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 && g.outH == g.inH &&
               g.outW == g.inW;
  if (!F32IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + F32IsaLabel(isa));
  // 8 or fewer channels past the last full block: a 16-wide block would compute a third or more zeros. With a full
  // block before them (24, 40, 72, 104 channels) both are one 24-wide block (4x24 register tile: 12 accumulators, 3
  // weight loads and 4 broadcasts per 12 FMAs, fewer loads than 6x16); alone (8 or fewer channels) an 8-wide one.
  if (g.outC % kBlock == 0 || g.outC % kBlock > kHalfBlock)
    lastWidth_ = kBlock;
  else
    lastWidth_ = g.outC > kBlock ? kWideBlock : kHalfBlock;
  if (lastWidth_ == kWideBlock) --blocks_;
  paddedC_ = (blocks_ - 1) * kBlock + lastWidth_;
  packed_.assign(static_cast<size_t>(groups * paddedC_ * taps_ * g.inC), 0.0f);
  bias_.assign(static_cast<size_t>(groups * paddedC_), 0.0f);
  // Few input channels (RGB stems): the kw taps of a kernel row, whose weights are adjacent in the packing, read kw
  // adjacent input pixels, so they are one tap of kw * inC channels (a 7x7 RGB kernel: 7 taps of 21, not 49 of 3).
  // Not with groups: a group's channels of adjacent pixels are not adjacent.
  rowTaps_ = groups == 1 && g.inC < 16 && g.kernelW > 1 && g.dilationW == 1;
  zeros_.assign(static_cast<size_t>(rowTaps_ ? g.kernelW * g.inC : inStride_), 0.0f);
  // Grouped, 8 output channels and a multiple of 4 input channels per group: the partial-sum tile (DotTileFma),
  // weights [taps][inC / 4][k = 0..3][8]: input channel c % 4 of output k in lane c % 4, of output k + 4 in lane
  // 4 + c % 4.
  dot_ = F32IsaUsesAvx2(isa) && groups > 1 && g.outC == kHalfBlock && g.inC % 4 == 0;
  for (int64_t gi = 0; dot_ && gi < groups; ++gi)
    for (int64_t o = 0; o < g.outC; ++o) {
      for (int64_t c = 0; c < g.inC; ++c)
        for (int64_t t = 0; t < taps_; ++t)
          packed_[static_cast<size_t>(gi * paddedC_ * taps_ * g.inC +
                                      ((t * g.inC + c / 4 * 4 + o % 4) * 2 + o / 4) * 4 + c % 4)] =
              w[((gi * g.outC + o) * g.inC + c) * taps_ + t];
      if (bias) bias_[static_cast<size_t>(gi * paddedC_ + o)] = bias[gi * g.outC + o];
    }
  for (int64_t gi = 0; !dot_ && gi < groups; ++gi)
    for (int64_t o = 0; o < g.outC; ++o) {
      const int64_t b = std::min(o / kBlock, blocks_ - 1), k = o - b * kBlock;
      const int64_t width = b + 1 == blocks_ ? lastWidth_ : kBlock;
      const int64_t og = gi * g.outC + o;
      for (int64_t c = 0; c < g.inC; ++c)
        for (int64_t t = 0; t < taps_; ++t)
          packed_[static_cast<size_t>((gi * paddedC_ + b * kBlock) * taps_ * g.inC + (t * g.inC + c) * width + k)] =
              w[(og * g.inC + c) * taps_ + t];
      if (bias) bias_[static_cast<size_t>(gi * paddedC_ + o)] = bias[og];
    }
  // Output columns whose taps all lie inside the input columns: ix0 = ox * sw - padLeft >= 0 and
  // ix0 + (kw - 1) * dw < inW.
  const int64_t last = g.inW - 1 - (g.kernelW - 1) * g.dilationW + g.padLeft;
  interiorBegin_ = (g.padLeft + g.strideW - 1) / g.strideW;
  interiorEnd_ = last < 0 ? 0 : std::min(g.outW, last / g.strideW + 1);
  pixelMajor_ = packed_.size() / static_cast<size_t>(groups) * sizeof(float) <= kPixelMajorWeightBytes;
}

void ConvF32::RunTile(const float* x, float* y, int64_t rowBegin, int64_t rows, int64_t blockBegin, int64_t blockEnd,
                      const float* residual) const {
  // The task's tiles are planned once per tile size and run for each block: runs of strided tiles with their tap
  // offsets and indices, single tiles with their tap pointers (and the patches of row taps that cross the
  // left/right padding). Per thread, grown to the largest task it has seen; one thread_local (each costs a TLS
  // lookup per call in a shared library).
  struct TileRun {
    int64_t first, size, count, taps;  // first pixel (of the task), pixels per tile, tiles; taps iterated
    bool strided;
    size_t data;  // strided: index in offsets of its tap offsets, then its tap indices; otherwise in pointers
  };
  struct Scratch {
    std::vector<const float*> pointers;
    std::vector<float> patches;
    std::vector<int64_t> offsets;
    std::vector<TileRun> plan;
  };
  thread_local Scratch scratch;
  const int64_t taps = rowTaps_ ? g_.kernelH : taps_, channels = rowTaps_ ? g_.kernelW * g_.inC : g_.inC;
  const auto need = static_cast<size_t>(rows * taps);
  if (scratch.pointers.size() < need) scratch.pointers.resize(need);
  if (rowTaps_ && scratch.patches.size() < need * static_cast<size_t>(channels))
    scratch.patches.resize(need * static_cast<size_t>(channels));
  if (scratch.offsets.size() < 2 * need) scratch.offsets.resize(2 * need);
  const int64_t pixels = g_.outH * g_.outW;

  // Fills the tap pointers of the task's pixels [i, i + n), which start at output column ox of output row oy of
  // image b (n may run into the next rows).
  auto pointers = [&](int64_t i, int64_t b, int64_t oy, int64_t ox, int64_t n) {
    for (const int64_t end = i + n; i < end; ++i, ++ox) {
      if (ox == g_.outW) {
        ox = 0;
        if (++oy == g_.outH) {
          oy = 0;
          ++b;
        }
      }
      const int64_t ix0 = ox * g_.strideW - g_.padLeft;
      for (int64_t ky = 0; ky < g_.kernelH; ++ky) {
        const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
        if (rowTaps_) {
          // Row taps: kw * inC contiguous floats of x, or, where the row crosses the left/right padding, a copy
          // with zeros.
          const float*& tap = scratch.pointers[static_cast<size_t>(i * taps + ky)];
          if (iy < 0 || iy >= g_.inH) {
            tap = zeros_.data();
          } else if (ix0 >= 0 && ix0 + g_.kernelW <= g_.inW) {
            tap = x + ((b * g_.inH + iy) * g_.inW + ix0) * inStride_;
          } else {
            float* patch = scratch.patches.data() + (i * taps + ky) * channels;
            for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
              const int64_t ix = ix0 + kx;
              const float* src =
                  ix >= 0 && ix < g_.inW ? x + ((b * g_.inH + iy) * g_.inW + ix) * inStride_ : zeros_.data();
              std::copy(src, src + g_.inC, patch + kx * g_.inC);
            }
            tap = patch;
          }
          continue;
        }
        for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
          const int64_t ix = ix0 + kx * g_.dilationW;
          const bool inside = iy >= 0 && iy < g_.inH && ix >= 0 && ix < g_.inW;
          scratch.pointers[static_cast<size_t>(i * taps + ky * g_.kernelW + kx)] =
              inside ? x + ((b * g_.inH + iy) * g_.inW + ix) * inStride_ : zeros_.data();
        }
      }
    }
  };
  // The taps of output pixel (b, oy, ox) that lie inside the input rows: their offsets in x and indices from
  // offsets[at]; returns their count.
  auto strided = [&](size_t at, int64_t b, int64_t oy, int64_t ox) {
    int64_t* tapOff = scratch.offsets.data() + at;
    int64_t* tapIdx = tapOff + taps;
    if (pointwise_) {
      tapOff[0] = ((b * g_.outH + oy) * g_.outW + ox) * inStride_;
      tapIdx[0] = 0;
      return int64_t{1};
    }
    const int64_t ix0 = ox * g_.strideW - g_.padLeft;
    int64_t n = 0;
    for (int64_t ky = 0; ky < g_.kernelH; ++ky) {
      const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
      if (iy < 0 || iy >= g_.inH) continue;
      const int64_t rowOff = ((b * g_.inH + iy) * g_.inW + ix0) * inStride_;
      for (int64_t kx = 0; kx < (rowTaps_ ? 1 : g_.kernelW); ++kx, ++n) {
        tapOff[n] = rowOff + kx * g_.dilationW * inStride_;
        tapIdx[n] = rowTaps_ ? ky : ky * g_.kernelW + kx;
      }
    }
    // Its indices follow the first n offsets.
    std::copy(tapIdx, tapIdx + n, tapOff + n);
    return n;
  };
  // Tiles of nearly equal size (25 pixels: 5 x 5, not 4 x 6 + 1): a tile of few pixels loads the weights for few
  // FMAs; the first rows % tiles ones have one pixel more. Strided runs: a 1x1 GEMM (pixels are adjacent across
  // rows too), or tiles of one output row that need no horizontal padding, with the following ones of the same size
  // that are so too.
  int64_t plannedRows = 0;
  auto plan = [&](int64_t tileRows) {
    scratch.plan.clear();
    plannedRows = tileRows;
    int64_t b = rowBegin / pixels, oy = rowBegin % pixels / g_.outW, ox = rowBegin % g_.outW;
    const int64_t tiles = (rows + tileRows - 1) / tileRows, small = rows / tiles, large = rows % tiles;
    size_t offAt = 0;
    for (int64_t t = 0, i = 0; t < tiles;) {
      const int64_t tile = small + (t < large ? 1 : 0);
      int64_t count = 0;
      while (t + count < tiles && (count == 0 || (t + count < large) == (t < large)) &&
             (pointwise_ || (ox >= interiorBegin_ && ox + (count + 1) * tile <= interiorEnd_)))
        ++count;
      if (count > 0) {
        scratch.plan.push_back({i, tile, count, strided(offAt, b, oy, ox), true, offAt});
        offAt += 2 * static_cast<size_t>(taps);
      } else {
        count = 1;
        pointers(i, b, oy, ox, tile);
        scratch.plan.push_back({i, tile, 1, taps, false, static_cast<size_t>(i * taps)});
      }
      t += count;
      i += count * tile;
      for (ox += count * tile; ox >= g_.outW;) {
        ox -= g_.outW;
        if (++oy == g_.outH) {
          oy = 0;
          ++b;
        }
      }
    }
  };

  // One block of output channels at a time over all the pixels, the block's weights staying in cache; or, when a
  // group's weights fit in L1 (few channels), every block of the group of a tile before the next tile, so that the
  // tile's outputs of the group are written whole, once. The plan serves every group: strided tiles read from the
  // group's first input channel, pointer tiles add it.
  for (int64_t gb = blockBegin; gb < blockEnd;) {
    const int64_t group = gb / blocks_, blk = gb % blocks_;
    const int64_t width = blk + 1 == blocks_ ? lastWidth_ : kBlock;
    // AVX-512 runs 16-channel blocks in pairs (Tile512), block-major too.
    int64_t sameWidth = 1;
    while ((pixelMajor_ || (isa_ == F32Isa::kAvx512 && sameWidth < 2)) && gb + sameWidth < blockEnd &&
           blk + sameWidth < blocks_ && (blk + sameWidth + 1 < blocks_ || lastWidth_ == kBlock))
      ++sameWidth;
    const int64_t tileRows =
        dot_ ? kDotTileRows : TileRowsOf(width, isa_, !pointwise_ && g_.outH * g_.outW <= kBigTileMaxPixels);
    if (plannedRows != tileRows) plan(tileRows);
    const int64_t inOff = group * g_.inC;
    TileArgs a{x + inOff,
               nullptr,
               nullptr,
               g_.strideW * inStride_,
               1,
               sameWidth,
               taps_ * g_.inC * kBlock,
               nullptr,
               inOff,
               taps,
               channels,
               g_.outC,
               packed_.data() + (group * paddedC_ + blk * kBlock) * taps_ * g_.inC,
               bias_.data() + group * paddedC_ + blk * kBlock,
               blk * kBlock,
               nullptr,
               outStride_,
               residual ? -std::numeric_limits<float>::infinity() : lo_,
               residual ? std::numeric_limits<float>::infinity() : hi_};
    for (const TileRun& run : scratch.plan) {
      a.y = y + (rowBegin + run.first) * outStride_ + group * g_.outC;
      a.taps = run.taps;
      a.tiles = run.count;
      const auto rowsOfTile = static_cast<int>(run.size);
      if (run.strided) {
        a.tapOff = scratch.offsets.data() + run.data;
        a.tapIdx = a.tapOff + run.taps;
      } else {
        a.tapPtrs = scratch.pointers.data() + run.data;
      }
#if defined(__x86_64__)
      if (dot_) {
        if (run.strided)
          WithRows<kDotTileRows>(rowsOfTile, [&](auto mr) { DotTileFma<decltype(mr)::value, true>(a); });
        else
          WithRows<kDotTileRows>(rowsOfTile, [&](auto mr) { DotTileFma<decltype(mr)::value, false>(a); });
        continue;
      }
#endif
      if (run.strided)
        TileOfWidth<true>(a, width, rowsOfTile, isa_);
      else
        TileOfWidth<false>(a, width, rowsOfTile, isa_);
    }
    gb += sameWidth;
  }
  // The task's channels of each group: blocks [blk, end) of the group.
  for (int64_t gb = blockBegin; residual && gb < blockEnd;) {
    const int64_t group = gb / blocks_, blk = gb % blocks_, end = std::min(blockEnd - group * blocks_, blocks_);
    const int64_t c0 = group * g_.outC + blk * kBlock;
    const int64_t n = (end == blocks_ ? g_.outC : end * kBlock) - blk * kBlock;
    for (int64_t r = rowBegin; r < rowBegin + rows; ++r)
      AddResidualRow(y + r * outStride_ + c0, residual + r * outStride_ + c0, n, lo_, hi_, isa_);
    gb = group * blocks_ + end;
  }
}

void ConvF32::Run(const float* x, float* y, pthreadpool_t pool, const float* residual) const {
  const int64_t rows = g_.batch * g_.outH * g_.outW;
  const int64_t threads = pool ? static_cast<int64_t>(pthreadpool_get_threads_count(pool)) : 1;
  const int64_t macsPerRow = std::max<int64_t>(1, groups_ * taps_ * g_.inC * g_.outC);
  // Pixel-major tasks write whole output lines (of a group): no cap on their outputs.
  const int64_t maxRows = pixelMajor_ ? rows : kTaskOutFloats / outStride_;
  int64_t rowsPerTask = std::max(kMinRowsPerTask, std::min((kTaskMacs + macsPerRow - 1) / macsPerRow, maxRows));
  // With several threads at least 4 tasks per thread where the pixels allow it.
  if (threads > 1) rowsPerTask = std::max(kMinRowsPerTask, std::min(rowsPerTask, rows / (4 * threads)));
  rowsPerTask = (rowsPerTask + kHalfTileRows - 1) / kHalfTileRows * kHalfTileRows;
  // Tasks of nearly equal pixel counts, at most rowsPerTask each.
  const int64_t rowTasks = (rows + rowsPerTask - 1) / rowsPerTask;
  const int64_t blocks = groups_ * blocks_;
  // Too few pixel tasks to keep every thread busy (late layers: 7x7 pixels): split the output channels (of all the
  // groups) too, so that there are about 4 tasks per thread.
  RunContext c{
      this,    x, y, rows, (rows + rowTasks - 1) / rowTasks, blocks, BlocksPerTask(threads, rowTasks, blocks, 4),
      residual};
  const auto blockTasks = static_cast<size_t>((blocks + c.blocksPerTask - 1) / c.blocksPerTask);
  pthreadpool_parallelize_2d(pool, &RunTask, &c, static_cast<size_t>(rowTasks), blockTasks, 0);
}

}  // namespace hostnn
