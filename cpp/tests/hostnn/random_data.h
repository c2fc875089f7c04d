// Deterministic random test data (seeded std::mt19937), on its own so that the kernel tests that are also
// cross-built for aarch64 (qconv_int8_test.cpp) need nothing of the runtime's API.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace hostnn_test {

inline std::vector<float> RandomF(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}
inline std::vector<int8_t> RandomI8(size_t n, uint32_t seed, int lo = -127, int hi = 127) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(g));
  return v;
}

}  // namespace hostnn_test
