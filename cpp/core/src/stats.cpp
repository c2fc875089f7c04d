#include "core/stats.h"

#include <algorithm>
#include <cmath>

namespace npulens {

Result<double> Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return Status("stats", code::kInvalidArgument, "no samples");
  if (!(p >= 0 && p <= 100)) {
    return Status("stats", code::kOutOfRange, "percentile must be in [0, 100] (got " + std::to_string(p) + ")");
  }
  const double h = (static_cast<double>(sorted.size()) - 1) * p / 100.0;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Result<LatencyStats> ComputeLatencyStats(std::vector<double> samples, double wallSeconds) {
  if (samples.empty()) return Status("stats", code::kInvalidArgument, "no samples");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!std::isfinite(samples[i]) || samples[i] < 0) {
      return Status("stats", code::kOutOfRange, "sample " + std::to_string(i) + " is not a finite value ≥ 0");
    }
  }
  std::sort(samples.begin(), samples.end());
  LatencyStats s;
  s.count = samples.size();
  s.minMs = samples.front();
  s.maxMs = samples.back();
  double sum = 0;
  for (double v : samples) sum += v;
  s.meanMs = sum / static_cast<double>(s.count);
  if (s.count > 1) {
    double sq = 0;
    for (double v : samples) sq += (v - s.meanMs) * (v - s.meanMs);
    s.stdMs = std::sqrt(sq / static_cast<double>(s.count - 1));
  }
  s.p50Ms = Percentile(samples, 50).value();
  s.p90Ms = Percentile(samples, 90).value();
  s.p99Ms = Percentile(samples, 99).value();
  if (wallSeconds > 0) {
    s.throughputPerSec = static_cast<double>(s.count) / wallSeconds;
  } else if (s.meanMs > 0) {
    s.throughputPerSec = 1000.0 / s.meanMs;
  }
  return s;
}

Result<std::vector<double>> WindowMedians(const std::vector<double>& samples, int64_t windows) {
  if (windows < 1) {
    return Status("stats", code::kOutOfRange, "windows must be ≥ 1 (got " + std::to_string(windows) + ")");
  }
  const size_t n = std::min(static_cast<size_t>(windows), samples.size());
  std::vector<double> out;
  out.reserve(n);
  for (size_t w = 0; w < n; ++w) {
    std::vector<double> slice(samples.begin() + static_cast<std::ptrdiff_t>(w * samples.size() / n),
                              samples.begin() + static_cast<std::ptrdiff_t>((w + 1) * samples.size() / n));
    std::sort(slice.begin(), slice.end());
    Result<double> p50 = Percentile(slice, 50);
    if (!p50.ok()) return p50.status();
    out.push_back(p50.value());
  }
  return out;
}

double DriftRatio(const std::vector<double>& windowMedians) {
  if (windowMedians.size() < 2 || !(windowMedians.front() > 0)) return 1;
  return windowMedians.back() / windowMedians.front();
}

}  // namespace npulens
