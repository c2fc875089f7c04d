// The plan's tensor arena (arena.h): tensors alive together never share a byte, offsets keep the alignment, tensors
// that are never alive together do share (the arena is smaller than the tensors apart), and a plan describes the
// arena it built.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "arena.h"
#include "synthetic_models.h"
#include "test_util.h"

using hostnn::BufferLife;
using hostnn::PlaceBuffers;

namespace {

void ExpectNoLiveOverlap(const std::vector<BufferLife>& b, const std::vector<size_t>& offsets, size_t arena,
                         size_t alignment) {
  ASSERT_EQ(offsets.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(offsets[i] % alignment, 0u) << "tensor " << i;
    EXPECT_LE(offsets[i] + b[i].bytes, arena) << "tensor " << i;
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool together = b[i].first <= b[j].last && b[j].first <= b[i].last;
      const bool apart = offsets[i] + b[i].bytes <= offsets[j] || offsets[j] + b[j].bytes <= offsets[i];
      EXPECT_TRUE(!together || apart) << "tensors " << i << " [" << b[i].first << ", " << b[i].last << "] at "
                                      << offsets[i] << " and " << j << " [" << b[j].first << ", " << b[j].last
                                      << "] at " << offsets[j] << " share bytes while both are alive";
    }
  }
}

TEST(ArenaTest, TensorsAliveTogetherNeverShareAByte) {
  std::mt19937 g(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(g() % 60);
    std::vector<BufferLife> b;
    for (int i = 0; i < n; ++i) {
      const int64_t first = static_cast<int64_t>(g() % 40) - 1, length = static_cast<int64_t>(g() % 8);
      b.push_back({1 + g() % 5000, first, first + length});
    }
    size_t arena = 0;
    const std::vector<size_t> offsets = PlaceBuffers(b, 64, &arena);
    ExpectNoLiveOverlap(b, offsets, arena, 64);
    if (HasFailure()) return;
  }
}

TEST(ArenaTest, AChainOfLayersTakesTwoTensorsOfBytes) {
  // Layer i reads tensor i - 1 and writes tensor i: two are alive at a time.
  std::vector<BufferLife> b;
  for (int64_t i = 0; i < 50; ++i) b.push_back({1000, i - 1, i});
  size_t arena = 0;
  const std::vector<size_t> offsets = PlaceBuffers(b, 64, &arena);
  ExpectNoLiveOverlap(b, offsets, arena, 64);
  EXPECT_EQ(arena, 2 * 1024u);
}

TEST(ArenaTest, NoTensorsTakeNoBytes) {
  size_t arena = 99;
  EXPECT_TRUE(PlaceBuffers({}, 64, &arena).empty());
  EXPECT_EQ(arena, 0u);
}

// MobileNetV2's activations, each alive from its layer to its last reader: a fraction of their bytes apart.
TEST(ArenaTest, APlanKeepsMobileNetV2sTensorsInAFractionOfTheirBytes) {
  for (bool int8 : {false, true}) {
    hostnn_test::Executor e;
    std::string err;
    ASSERT_EQ(hostnn_test::BuildModel(hostnn_test::MobileNetV2Onnx(int8), &e, &err), OH_NN_SUCCESS) << err;
    const std::string describe = HostNN_DescribeExecutor(e.get());
    double arena = 0, apart = 0;
    const size_t at = describe.find("\ntensors: ");
    ASSERT_NE(at, std::string::npos) << describe;
    ASSERT_EQ(
        std::sscanf(describe.c_str() + at, "\ntensors: %lf MiB in one arena (%lf MiB each apart)", &arena, &apart), 2)
        << describe;
    EXPECT_GT(arena, 0) << describe;
    EXPECT_LT(arena, apart / 4) << describe;
  }
}

}  // namespace
