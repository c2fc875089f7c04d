// What the kernel micro-benchmarks (npulens_conv_f32_bench, npulens_qconv_int8_bench) share: their common flags, the
// thread pool they run on, and the timing of kernel calls by the one benchmark runner in interleaved rounds.
#pragma once

#include <pthreadpool.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/benchmark_runner.h"

namespace kernel_bench {

// The value after `flag` on the command line, or `fallback`.
inline long FlagValue(int argc, char** argv, const char* flag, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], flag) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

// --threads, --rounds, --iterations, --peak (GMAC/s of one core) and --filter (a text the shape names contain).
struct Flags {
  long threads, rounds, iterations;
  double peak;
  std::string filter;

  Flags(int argc, char** argv, double defaultPeak)
      : threads(FlagValue(argc, argv, "--threads", 1)),
        rounds(FlagValue(argc, argv, "--rounds", 3)),
        iterations(FlagValue(argc, argv, "--iterations", 20)),
        peak(defaultPeak) {
    for (int i = 1; i + 1 < argc; ++i) {
      if (std::strcmp(argv[i], "--peak") == 0) peak = std::strtod(argv[i + 1], nullptr);
      if (std::strcmp(argv[i], "--filter") == 0) filter = argv[i + 1];
    }
  }
  bool Valid() const { return threads >= 1 && threads <= 256 && rounds >= 1 && iterations >= 1 && peak > 0; }
  bool Skips(const char* name) const { return !filter.empty() && std::string(name).find(filter) == std::string::npos; }
};

// Prints the usage line (the common flags, then `moreFlags`) to stderr; returns main's exit code for bad flags.
inline int Usage(const char* program, const char* moreFlags) {
  std::fprintf(stderr,
               "usage: %s [--threads 1..256] [--rounds N>=1] [--iterations N>=1] [--peak GMACS>0] [--filter TEXT]%s\n",
               program, moreFlags);
  return 2;
}

using Pool = std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)>;

// No pool at 1 thread: the kernels then run on the calling thread.
inline Pool MakePool(long threads) {
  return Pool(threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr, &pthreadpool_destroy);
}

struct Timing {
  double p50Ms = 1e30, minMs = 1e30;
};

// p50 and min of the timed runs of `fn`, by `clock`; exits on a runner error (a bench has nothing to go on without).
inline Timing Time(const std::function<void()>& fn, int64_t iterations, double (*clock)()) {
  npulens::BenchmarkParams params;
  params.warmupRuns = 2;
  params.iterations = iterations;
  auto result = npulens::RunBenchmark(
      params,
      [&]() -> npulens::Result<double> {
        const double t0 = clock();
        fn();
        return clock() - t0;
      },
      nullptr);
  if (!result.ok()) {
    std::fprintf(stderr, "benchmark failed: %s\n", result.status().message().c_str());
    std::exit(1);
  }
  return {result->latency.p50Ms, result->latency.minMs};
}

// Per function, the lowest p50 and the fastest run over `rounds` rounds that each time every function in turn (so
// a load that comes and goes hits them alike).
inline std::vector<Timing> TimeRounds(const std::vector<std::function<void()>>& fns, long rounds, int64_t iterations,
                                      double (*clock)()) {
  std::vector<Timing> best(fns.size());
  for (long r = 0; r < rounds; ++r)
    for (size_t i = 0; i < fns.size(); ++i) {
      const Timing t = Time(fns[i], iterations, clock);
      best[i].p50Ms = std::min(best[i].p50Ms, t.p50Ms);
      best[i].minMs = std::min(best[i].minMs, t.minMs);
    }
  return best;
}

}  // namespace kernel_bench
