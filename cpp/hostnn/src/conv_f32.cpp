#include "conv_f32.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hostnn {

bool F32IsaSupported(F32Isa isa) {
  switch (isa) {
    case F32Isa::kScalar: return true;
#if defined(__x86_64__)
    case F32Isa::kAvx2Fma: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    case F32Isa::kAvx2Fma: return false;
#endif
  }
  return false;
}

const char* F32IsaLabel(F32Isa isa) { return isa == F32Isa::kAvx2Fma ? "AVX2" : "scalar"; }

F32Isa SelectF32Isa() {
  const char* env = std::getenv("NPULENS_HOSTNN_ISA");
  const std::string name = env ? env : "";
  if (name == "scalar") return F32Isa::kScalar;
  if (name == "avx2" && !F32IsaSupported(F32Isa::kAvx2Fma))
    throw std::runtime_error("NPULENS_HOSTNN_ISA=avx2: this CPU has no AVX2+FMA");
  return F32IsaSupported(F32Isa::kAvx2Fma) ? F32Isa::kAvx2Fma : F32Isa::kScalar;
}

namespace {

constexpr int64_t kBlock = 16;  // output channels per packed block
constexpr int kTileRows = 6;    // output pixels per AVX2 register tile

struct TileArgs {
  const float* const* tapPtrs;  // [rows][taps] the input pixel (or the zero row) of each tap of each output pixel
  int64_t taps, inC, outC;
  const float* packed;  // the block of 16 output channels: [taps][inC][16]
  const float* bias;    // its 16 biases
  int64_t o0;           // its first output channel
  float* y;             // output of the tile's first pixel
  float lo, hi;
};

void TileScalar(const TileArgs& a, int rows) {
  const int64_t n = std::min(kBlock, a.outC - a.o0);
  for (int r = 0; r < rows; ++r) {
    float acc[kBlock];
    std::memcpy(acc, a.bias, sizeof(acc));
    const float* wp = a.packed;
    for (int64_t t = 0; t < a.taps; ++t) {
      const float* px = a.tapPtrs[r * a.taps + t];
      for (int64_t c = 0; c < a.inC; ++c, wp += kBlock)
        for (int64_t k = 0; k < kBlock; ++k) acc[k] += px[c] * wp[k];
    }
    float* out = a.y + r * a.outC + a.o0;
    for (int64_t k = 0; k < n; ++k) out[k] = std::min(std::max(acc[k], a.lo), a.hi);  // NaN stays NaN
  }
}

#if defined(__x86_64__)

// MR output pixels x 16 output channels in 2 * MR ymm accumulators; per input channel 2 weight loads, MR broadcasts,
// 2 * MR FMAs. At MR = 6 that is 15 of the 16 ymm registers, none spilled. The row loops are unrolled explicitly:
// otherwise GCC at -O2 keeps the accumulator arrays in memory (an FMA chain through the stack, XNNPACK's problem).
template <int MR>
__attribute__((target("avx2,fma"))) void TileFma(const TileArgs& a) {
  __m256 acc0[MR], acc1[MR];
  const __m256 b0 = _mm256_loadu_ps(a.bias), b1 = _mm256_loadu_ps(a.bias + 8);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    acc0[r] = b0;
    acc1[r] = b1;
  }
  const float* wp = a.packed;
  for (int64_t t = 0; t < a.taps; ++t) {
    const float* px[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) px[r] = a.tapPtrs[r * a.taps + t];
    for (int64_t c = 0; c < a.inC; ++c, wp += kBlock) {
      const __m256 w0 = _mm256_loadu_ps(wp), w1 = _mm256_loadu_ps(wp + 8);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m256 xv = _mm256_broadcast_ss(px[r] + c);
        acc0[r] = _mm256_fmadd_ps(xv, w0, acc0[r]);
        acc1[r] = _mm256_fmadd_ps(xv, w1, acc1[r]);
      }
    }
  }
  const __m256 vlo = _mm256_set1_ps(a.lo), vhi = _mm256_set1_ps(a.hi);
  const int64_t n = std::min(kBlock, a.outC - a.o0);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    // max/min return their second operand when one is NaN: a NaN sum stays NaN, as in the portable variant.
    const __m256 v0 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc0[r]));
    const __m256 v1 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc1[r]));
    float* out = a.y + r * a.outC + a.o0;
    if (n == kBlock) {
      _mm256_storeu_ps(out, v0);
      _mm256_storeu_ps(out + 8, v1);
    } else {
      alignas(32) float tmp[kBlock];
      _mm256_store_ps(tmp, v0);
      _mm256_store_ps(tmp + 8, v1);
      std::memcpy(out, tmp, static_cast<size_t>(n) * sizeof(float));
    }
  }
}

void TileAvx2(const TileArgs& a, int rows) {
  switch (rows) {
    case 6: return TileFma<6>(a);
    case 5: return TileFma<5>(a);
    case 4: return TileFma<4>(a);
    case 3: return TileFma<3>(a);
    case 2: return TileFma<2>(a);
    default: return TileFma<1>(a);
  }
}

#endif  // __x86_64__

struct RunContext {
  const ConvF32* conv;
  const float* x;
  float* y;
  int64_t rows, rowsPerTask, blocks, blocksPerTask;
};

void RunTask(void* context, size_t rowTask, size_t blockTask) {
  const auto* c = static_cast<const RunContext*>(context);
  const int64_t r0 = static_cast<int64_t>(rowTask) * c->rowsPerTask;
  const int64_t b0 = static_cast<int64_t>(blockTask) * c->blocksPerTask;
  c->conv->RunTile(c->x, c->y, r0, std::min(c->rowsPerTask, c->rows - r0), b0,
                   std::min(c->blocks, b0 + c->blocksPerTask));
}

// Output pixels per task: a multiple of the register tile; the task's pixels are reused from cache for each block
// of output channels, whose packed weights are reused across the task's tiles.
constexpr int64_t kRowsPerTask = 8 * kTileRows;

}  // namespace

ConvF32::ConvF32(const ConvGeometry2D& g, const float* w, const float* bias, float outMin, float outMax, F32Isa isa)
    : g_(g),
      isa_(isa),
      taps_(g.kernelH * g.kernelW),
      blocks_((g.outC + kBlock - 1) / kBlock),
      lo_(outMin),
      hi_(outMax) {
  pointwise_ = taps_ == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 && g.outH == g.inH &&
               g.outW == g.inW;
  if (!F32IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + F32IsaLabel(isa));
  packed_.assign(static_cast<size_t>(blocks_ * taps_ * g.inC * kBlock), 0.0f);
  bias_.assign(static_cast<size_t>(blocks_ * kBlock), 0.0f);
  // Few input channels (RGB stems): the kw taps of a kernel row, whose weights are adjacent in the packing, read kw
  // adjacent input pixels, so they are one tap of kw * inC channels (a 7x7 RGB kernel: 7 taps of 21, not 49 of 3).
  rowTaps_ = g.inC < 16 && g.kernelW > 1 && g.dilationW == 1;
  zeros_.assign(static_cast<size_t>(rowTaps_ ? g.kernelW * g.inC : g.inC), 0.0f);
  for (int64_t o = 0; o < g.outC; ++o) {
    const int64_t b = o / kBlock, k = o % kBlock;
    for (int64_t c = 0; c < g.inC; ++c)
      for (int64_t t = 0; t < taps_; ++t)
        packed_[static_cast<size_t>(((b * taps_ + t) * g.inC + c) * kBlock + k)] = w[(o * g.inC + c) * taps_ + t];
    if (bias) bias_[static_cast<size_t>(o)] = bias[o];
  }
}

void ConvF32::RunTile(const float* x, float* y, int64_t rowBegin, int64_t rows, int64_t blockBegin,
                      int64_t blockEnd) const {
  // Tap pointers of the tile's pixels; one buffer per thread, grown to the largest tile it has seen.
  thread_local std::vector<const float*> tapBuffer;
  if (tapBuffer.size() < static_cast<size_t>(rows * taps_)) tapBuffer.resize(static_cast<size_t>(rows * taps_));
  const int64_t pixels = g_.outH * g_.outW;
  int64_t taps = taps_, channels = g_.inC;
  if (rowTaps_) {
    // Row taps: kw * inC contiguous floats of x, or, where the row crosses the left/right padding, a copy with zeros.
    taps = g_.kernelH;
    channels = g_.kernelW * g_.inC;
    thread_local std::vector<float> patchBuffer;
    if (patchBuffer.size() < static_cast<size_t>(rows * taps * channels))
      patchBuffer.resize(static_cast<size_t>(rows * taps * channels));
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t row = rowBegin + i, b = row / pixels, oy = (row % pixels) / g_.outW, ox = row % g_.outW;
      const int64_t ix0 = ox * g_.strideW - g_.padLeft;
      for (int64_t ky = 0; ky < g_.kernelH; ++ky) {
        const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
        const float*& tap = tapBuffer[static_cast<size_t>(i * taps + ky)];
        if (iy < 0 || iy >= g_.inH) {
          tap = zeros_.data();
        } else if (ix0 >= 0 && ix0 + g_.kernelW <= g_.inW) {
          tap = x + ((b * g_.inH + iy) * g_.inW + ix0) * g_.inC;
        } else {
          float* patch = patchBuffer.data() + (i * taps + ky) * channels;
          for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
            const int64_t ix = ix0 + kx;
            const float* src = ix >= 0 && ix < g_.inW ? x + ((b * g_.inH + iy) * g_.inW + ix) * g_.inC : zeros_.data();
            std::copy(src, src + g_.inC, patch + kx * g_.inC);
          }
          tap = patch;
        }
      }
    }
  }
  for (int64_t i = 0; pointwise_ && i < rows; ++i) tapBuffer[static_cast<size_t>(i)] = x + (rowBegin + i) * g_.inC;
  for (int64_t i = 0; !pointwise_ && !rowTaps_ && i < rows; ++i) {
    const int64_t row = rowBegin + i, b = row / pixels, oy = (row % pixels) / g_.outW, ox = row % g_.outW;
    for (int64_t ky = 0; ky < g_.kernelH; ++ky)
      for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
        const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
        const int64_t ix = ox * g_.strideW - g_.padLeft + kx * g_.dilationW;
        const bool inside = iy >= 0 && iy < g_.inH && ix >= 0 && ix < g_.inW;
        tapBuffer[static_cast<size_t>(i * taps_ + ky * g_.kernelW + kx)] =
            inside ? x + ((b * g_.inH + iy) * g_.inW + ix) * g_.inC : zeros_.data();
      }
  }
  // One block of output channels at a time over all the pixels: the block's weights stay in cache.
  for (int64_t blk = blockBegin; blk < blockEnd; ++blk) {
    TileArgs a{nullptr,
               taps,
               channels,
               g_.outC,
               packed_.data() + blk * taps_ * g_.inC * kBlock,
               bias_.data() + blk * kBlock,
               blk * kBlock,
               nullptr,
               lo_,
               hi_};
    // Tiles of nearly equal size (25 pixels: 5 x 5, not 4 x 6 + 1): a tile of few pixels loads the weights
    // for few FMAs.
    const int64_t tiles = (rows + kTileRows - 1) / kTileRows;
    for (int64_t t = 0, i = 0; t < tiles; ++t) {
      const int tile = static_cast<int>(rows / tiles + (t < rows % tiles ? 1 : 0));
      a.tapPtrs = tapBuffer.data() + i * taps;
      a.y = y + (rowBegin + i) * g_.outC;
#if defined(__x86_64__)
      if (isa_ == F32Isa::kAvx2Fma)
        TileAvx2(a, tile);
      else
#endif
        TileScalar(a, tile);
      i += tile;
    }
  }
}

void ConvF32::Run(const float* x, float* y, pthreadpool_t pool) const {
  const int64_t rows = g_.batch * g_.outH * g_.outW;
  const int64_t threads = pool ? static_cast<int64_t>(pthreadpool_get_threads_count(pool)) : 1;
  // Tasks of nearly equal pixel counts, at most kRowsPerTask each.
  const int64_t rowTasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  RunContext c{this, x, y, rows, (rows + rowTasks - 1) / rowTasks, blocks_, blocks_};
  // Too few pixel tasks to keep every thread busy (late layers: 7x7 pixels): split the output channels too, so that
  // there are about 4 tasks per thread.
  if (threads > 1 && rowTasks < 4 * threads) {
    const int64_t blockTasks = std::min(blocks_, (4 * threads + rowTasks - 1) / rowTasks);
    c.blocksPerTask = (blocks_ + blockTasks - 1) / blockTasks;
  }
  const auto blockTasks = static_cast<size_t>((blocks_ + c.blocksPerTask - 1) / c.blocksPerTask);
  if (pool) {
    pthreadpool_parallelize_2d(pool, &RunTask, &c, static_cast<size_t>(rowTasks), blockTasks, 0);
  } else {
    for (size_t r = 0; r < static_cast<size_t>(rowTasks); ++r)
      for (size_t b = 0; b < blockTasks; ++b) RunTask(&c, r, b);
  }
}

}  // namespace hostnn
