// The fp32 fully connected kernel (fc_f32.h): every variant this CPU supports against a naive reference accumulated in
// double, over output counts with and without a tail of the 16-output block, block counts with and without a tail of
// the kernel's 4-block group of one row, 1 to 9 rows (the 4-row tile and its remainders), with and without bias and
// clamp, 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "f32_isas.h"
#include "fc_f32.h"
#include "random_data.h"

using hostnn::F32Isa;
using hostnn::FcF32;
using hostnn_test::RandomF;
using hostnn_test::SupportedF32Isas;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// y[r][o] = clamp(sum_i x[r][i] * w[o][i] + bias[o]) in double.
std::vector<float> Naive(const std::vector<float>& x, const std::vector<float>& w, const float* bias, int64_t rows,
                         int64_t k, int64_t n, float lo, float hi) {
  std::vector<float> y(static_cast<size_t>(rows * n));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < n; ++o) {
      double acc = bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < k; ++i) acc += static_cast<double>(x[r * k + i]) * w[o * k + i];
      y[r * n + o] = std::min(std::max(static_cast<float>(acc), lo), hi);
    }
  return y;
}

TEST(FcF32Test, MatchesNaiveReferenceOverShapesRowsThreadsAndVariants) {
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(pthreadpool_create(2), &pthreadpool_destroy);
  struct Shape {
    int64_t k, n;
  };
  // n: 1 to 7 blocks (a group of 4 and its remainders), block tails of 1 to 15, 63 blocks (odd: the threads' shares
  // differ); k: 1, short, odd, a classifier's length.
  const Shape shapes[] = {{1, 1},   {3, 16}, {4, 17},   {5, 31},   {7, 47},
                          {33, 64}, {2, 80}, {64, 100}, {129, 33}, {960, 1000}};
  int cases = 0;
  for (F32Isa isa : SupportedF32Isas())
    for (const Shape& s : shapes)
      for (int64_t rows : {1, 2, 3, 4, 5, 9})
        for (int withBias = 0; withBias < 2; ++withBias)
          for (int clamp = 0; clamp < 2; ++clamp) {
            const float lo = clamp ? -0.25f : -kInf, hi = clamp ? 0.5f : kInf;
            const uint32_t seed = static_cast<uint32_t>(s.k * 131 + s.n * 7 + rows);
            const auto x = RandomF(static_cast<size_t>(rows * s.k), seed);
            const auto w = RandomF(static_cast<size_t>(s.n * s.k), seed + 1);
            const auto bias = RandomF(static_cast<size_t>(s.n), seed + 2);
            const float* b = withBias ? bias.data() : nullptr;
            const auto want = Naive(x, w, b, rows, s.k, s.n, lo, hi);
            FcF32 fc(s.k, s.n, w.data(), b, lo, hi, isa);
            for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
              SCOPED_TRACE("isa " + std::string(hostnn::F32IsaLabel(isa)) + " k " + std::to_string(s.k) + " n " +
                           std::to_string(s.n) + " rows " + std::to_string(rows) + " bias " + std::to_string(withBias) +
                           " clamp " + std::to_string(clamp) + " threads " + std::to_string(p ? 2 : 1));
              std::vector<float> y(static_cast<size_t>(rows * s.n + 1), 1234.f);  // +1: nothing written past y
              fc.Run(x.data(), y.data(), rows, p);
              const float tol = 1e-5f * static_cast<float>(s.k);
              int bad = 0;
              for (size_t i = 0; i < want.size(); ++i)
                if (!(std::fabs(y[i] - want[i]) <= tol) && ++bad <= 3)
                  ADD_FAILURE() << "output " << i << ": " << y[i] << " want " << want[i];
              EXPECT_EQ(y.back(), 1234.f);
              ++cases;
            }
          }
  EXPECT_GT(cases, 0);
}

}  // namespace
