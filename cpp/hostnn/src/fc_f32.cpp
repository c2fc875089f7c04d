#include "fc_f32.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hostnn {
namespace {

constexpr int64_t kBlock = 16;  // outputs a packed block

// One block of 16 outputs for `rows` (1..kTileRows) rows, portable: y[r][0..width) of the block.
void BlockScalar(const float* x, int64_t k, int64_t rows, const float* w, const float* bias, float lo, float hi,
                 float* y, int64_t n, int64_t width) {
  for (int64_t r = 0; r < rows; ++r) {
    float acc[kBlock];
    std::memcpy(acc, bias, sizeof(acc));
    const float* xr = x + r * k;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < kBlock; ++j) acc[j] += xr[i] * w[i * kBlock + j];
    for (int64_t j = 0; j < width; ++j) y[r * n + j] = std::min(std::max(acc[j], lo), hi);
  }
}

#if defined(__x86_64__)
// R rows times S adjacent blocks (R * S * 2 accumulators). The S blocks' weights are S streams through memory at
// once: from DRAM one stream a core reached 15-18 GB/s, four 27-29 (a 1280 x 1024 micro-benchmark, cache flushed).
template <int R, int S>
__attribute__((target("avx2,fma"))) void BlockFma(const float* x, int64_t k, const float* w, const float* bias,
                                                  float lo, float hi, float* y, int64_t n, int64_t width) {
  __m256 acc[R][S][2];
  for (int r = 0; r < R; ++r)
    for (int s = 0; s < S; ++s) acc[r][s][0] = acc[r][s][1] = _mm256_setzero_ps();
  for (int64_t i = 0; i < k; ++i) {
    __m256 xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm256_broadcast_ss(x + r * k + i);
    for (int s = 0; s < S; ++s) {
      const float* wi = w + (s * k + i) * kBlock;
      const __m256 w0 = _mm256_loadu_ps(wi), w1 = _mm256_loadu_ps(wi + 8);
      for (int r = 0; r < R; ++r) {
        acc[r][s][0] = _mm256_fmadd_ps(xv[r], w0, acc[r][s][0]);
        acc[r][s][1] = _mm256_fmadd_ps(xv[r], w1, acc[r][s][1]);
      }
    }
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  for (int s = 0; s < S; ++s) {
    const __m256 b0 = _mm256_loadu_ps(bias + s * kBlock), b1 = _mm256_loadu_ps(bias + s * kBlock + 8);
    // Only the last block of the last group can be narrower than 16.
    const int64_t cols = s == S - 1 ? width : kBlock;
    for (int r = 0; r < R; ++r) {
      const __m256 s0 = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[r][s][0], b0), vlo), vhi);
      const __m256 s1 = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[r][s][1], b1), vlo), vhi);
      float* yr = y + r * n + s * kBlock;
      if (cols == kBlock) {
        _mm256_storeu_ps(yr, s0);
        _mm256_storeu_ps(yr + 8, s1);
      } else {
        alignas(32) float tmp[kBlock];
        _mm256_store_ps(tmp, s0);
        _mm256_store_ps(tmp + 8, s1);
        std::memcpy(yr, tmp, static_cast<size_t>(cols) * sizeof(float));
      }
    }
  }
}

// Blocks [b, b + count) for r (1..kTileRows) rows: groups of 4 blocks for one row, 2 for two, 1 for three or four.
__attribute__((target("avx2,fma"))) void BlocksFma(const float* x, int64_t k, int64_t r, const float* w,
                                                   const float* bias, float lo, float hi, float* y, int64_t n,
                                                   int64_t b, int64_t count) {
  const int64_t per = r == 1 ? 4 : r == 2 ? 2 : 1;
  for (int64_t done = 0; done < count;) {
    const int64_t s = std::min(per, count - done), first = b + done;
    const int64_t width = std::min(kBlock, n - (first + s - 1) * kBlock);  // of the group's last block
    const float* wb = w + first * k * kBlock;
    const float* bb = bias + first * kBlock;
    float* yb = y + first * kBlock;
    switch (r * 8 + s) {
      case 8 + 1: BlockFma<1, 1>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 8 + 2: BlockFma<1, 2>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 8 + 3: BlockFma<1, 3>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 8 + 4: BlockFma<1, 4>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 16 + 1: BlockFma<2, 1>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 16 + 2: BlockFma<2, 2>(x, k, wb, bb, lo, hi, yb, n, width); break;
      case 24 + 1: BlockFma<3, 1>(x, k, wb, bb, lo, hi, yb, n, width); break;
      default: BlockFma<4, 1>(x, k, wb, bb, lo, hi, yb, n, width); break;
    }
    done += s;
  }
}
#endif

struct FcTask {
  const FcF32* fc;
  const float* x;
  float* y;
  int64_t rows, chunkBlocks;
};

void RunFcTask(void* context, size_t chunk) {
  const auto* t = static_cast<const FcTask*>(context);
  const int64_t begin = static_cast<int64_t>(chunk) * t->chunkBlocks;
  t->fc->RunBlocks(t->x, t->y, t->rows, begin, std::min(begin + t->chunkBlocks, t->fc->blocks()));
}

}  // namespace

FcF32::FcF32(int64_t k, int64_t n, const float* w, const float* bias, float outMin, float outMax, F32Isa isa)
    : k_(k), n_(n), blocks_((n + kBlock - 1) / kBlock), isa_(isa), lo_(outMin), hi_(outMax) {
  packed_.assign(static_cast<size_t>(blocks_ * k_ * kBlock), 0.f);
  bias_.assign(static_cast<size_t>(blocks_ * kBlock), 0.f);
  for (int64_t o = 0; o < n_; ++o) {
    const int64_t b = o / kBlock, j = o % kBlock;
    for (int64_t i = 0; i < k_; ++i) packed_[static_cast<size_t>((b * k_ + i) * kBlock + j)] = w[o * k_ + i];
    if (bias) bias_[static_cast<size_t>(o)] = bias[o];
  }
}

void FcF32::RunBlocks(const float* x, float* y, int64_t rows, int64_t blockBegin, int64_t blockEnd) const {
  for (int64_t r0 = 0; r0 < rows; r0 += kTileRows) {
    const int64_t r = std::min(kTileRows, rows - r0);
    const float* xr = x + r0 * k_;
    float* yr = y + r0 * n_;
#if defined(__x86_64__)
    if (F32IsaUsesAvx2(isa_)) {
      BlocksFma(xr, k_, r, packed_.data(), bias_.data(), lo_, hi_, yr, n_, blockBegin, blockEnd - blockBegin);
      continue;
    }
#endif
    for (int64_t b = blockBegin; b < blockEnd; ++b)
      BlockScalar(xr, k_, r, packed_.data() + b * k_ * kBlock, bias_.data() + b * kBlock, lo_, hi_, yr + b * kBlock, n_,
                  std::min(kBlock, n_ - b * kBlock));
  }
}

void FcF32::Run(const float* x, float* y, int64_t rows, pthreadpool_t pool) const {
  const int64_t threads = pool ? static_cast<int64_t>(pthreadpool_get_threads_count(pool)) : 1;
  if (threads <= 1 || blocks_ < 2) {
    RunBlocks(x, y, rows, 0, blocks_);
    return;
  }
  // One contiguous range of blocks a thread: each streams its share of the weights.
  const int64_t chunks = std::min(blocks_, threads);
  FcTask task{this, x, y, rows, (blocks_ + chunks - 1) / chunks};
  pthreadpool_parallelize_1d(pool, &RunFcTask, &task,
                             static_cast<size_t>((blocks_ + task.chunkBlocks - 1) / task.chunkBlocks), 0);
}

}  // namespace hostnn
