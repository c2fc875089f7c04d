// Benchmark statistics over per-run latencies.
//
// Percentiles use linear interpolation between closest ranks (the NIST "R-7" / numpy.percentile default):
// for sorted samples x[0..n−1] and p in [0, 100], h = (n − 1)·p/100, and the result is
// x[floor(h)] + (h − floor(h))·(x[floor(h)+1] − x[floor(h)]). std is the sample standard deviation (n − 1 in the
// denominator; 0 when n == 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace npulens {

struct LatencyStats {
  size_t count = 0;
  double minMs = 0, maxMs = 0, meanMs = 0, stdMs = 0;
  double p50Ms = 0, p90Ms = 0, p99Ms = 0;
  double throughputPerSec = 0;  // count / wallSeconds, or 1000 / meanMs when no wall time is given
};

// p in [0, 100]; `sorted` ascending and non-empty (NPULENS_OUT_OF_RANGE / NPULENS_INVALID_ARGUMENT otherwise).
Result<double> Percentile(const std::vector<double>& sorted, double p);

// samplesMs non-empty, every value finite and ≥ 0. wallSeconds ≤ 0 means "use the mean".
Result<LatencyStats> ComputeLatencyStats(std::vector<double> samplesMs, double wallSeconds = 0);

// p50 of each of `windows` consecutive slices of the run (slice w is [w·n/windows, (w+1)·n/windows)); fewer
// windows when there are fewer samples; empty for no samples. windows ≥ 1 (NPULENS_OUT_OF_RANGE otherwise).
Result<std::vector<double>> WindowMedians(const std::vector<double>& samplesMs, int64_t windows);

// Last window over first: 1 = no drift, > 1 = slower at the end. 1 with fewer than two windows or a first ≤ 0.
double DriftRatio(const std::vector<double>& windowMedians);

}  // namespace npulens
