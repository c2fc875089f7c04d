#include "core/stats.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace npulens {
namespace {

TEST(StatsTest, PercentilesInterpolateBetweenClosestRanks) {
  // numpy.percentile([1..10], [50, 90, 99]) = 5.5, 9.1, 9.91
  std::vector<double> v = {7, 3, 1, 10, 2, 9, 4, 8, 6, 5};
  Result<LatencyStats> r = ComputeLatencyStats(v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, 10u);
  EXPECT_DOUBLE_EQ(r->minMs, 1);
  EXPECT_DOUBLE_EQ(r->maxMs, 10);
  EXPECT_DOUBLE_EQ(r->meanMs, 5.5);
  EXPECT_NEAR(r->stdMs, 3.0276503540974917, 1e-12);  // sample std (n − 1)
  EXPECT_NEAR(r->p50Ms, 5.5, 1e-12);
  EXPECT_NEAR(r->p90Ms, 9.1, 1e-12);
  EXPECT_NEAR(r->p99Ms, 9.91, 1e-12);
  EXPECT_NEAR(r->throughputPerSec, 1000 / 5.5, 1e-9);
}

TEST(StatsTest, SingleSampleAndWallClockThroughput) {
  Result<LatencyStats> r = ComputeLatencyStats({4.0}, 2.0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdMs, 0);
  EXPECT_EQ(r->p99Ms, 4.0);
  EXPECT_DOUBLE_EQ(r->throughputPerSec, 0.5);
}

TEST(StatsTest, PercentileEdgesAndErrors) {
  const std::vector<double> sorted = {10, 20, 30};
  EXPECT_DOUBLE_EQ(Percentile(sorted, 0).value(), 10);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 100).value(), 30);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 25).value(), 15);
  EXPECT_EQ(Percentile(sorted, 101).status().code(), code::kOutOfRange);
  EXPECT_EQ(Percentile({}, 50).status().code(), code::kInvalidArgument);
  EXPECT_EQ(ComputeLatencyStats({}).status().code(), code::kInvalidArgument);
  EXPECT_EQ(ComputeLatencyStats({1.0, -1.0}).status().ToString(),
            "stats: NPULENS_OUT_OF_RANGE (1001): sample 1 is not a finite value ≥ 0");
  EXPECT_EQ(ComputeLatencyStats({std::numeric_limits<double>::quiet_NaN()}).status().code(), code::kOutOfRange);
}

TEST(StatsTest, WindowMediansAreTheP50OfConsecutiveSlices) {
  // 7 samples in 3 windows: [0, 2), [2, 4), [4, 7).
  const std::vector<double> v = {4, 2, 10, 20, 1, 3, 2};
  Result<std::vector<double>> m = WindowMedians(v, 3);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value(), (std::vector<double>{3, 15, 2}));
  EXPECT_DOUBLE_EQ(DriftRatio(m.value()), 2.0 / 3);
  EXPECT_EQ(WindowMedians({5, 6}, 10).value(), (std::vector<double>{5, 6}));  // fewer samples than windows
  EXPECT_TRUE(WindowMedians({}, 10).value().empty());
  EXPECT_DOUBLE_EQ(DriftRatio({5}), 1);
  EXPECT_DOUBLE_EQ(DriftRatio({0, 5}), 1);
}

TEST(StatsTest, BadCallWindowCountBelowOne) {
  SCOPED_TRACE("BAD CALL - zero windows");
  EXPECT_EQ(WindowMedians({1, 2}, 0).status().ToString(),
            "stats: NPULENS_OUT_OF_RANGE (1001): windows must be ≥ 1 (got 0)");
}

}  // namespace
}  // namespace npulens
