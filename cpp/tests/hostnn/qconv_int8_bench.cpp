// npulens_qconv_int8_bench: the int8 groups = 1 convolutions of the benchmark set's int8 networks (ResNet18/50,
// GoogLeNet, DenseNet121, SqueezeNet; their top convolutions by time, and the classifier) timed in our kernel
// (qconv_int8.h) in the variant SelectInt8Isa picks (NPULENS_HOSTNN_ISA names another), by the one benchmark runner.
// Prints per shape the p50 and fastest run in ms, GMAC/s and the share of the one-core int8 peak (--peak:
// npulens_peak's int8 figure), and a checksum of the output so two builds can be checked to compute the same bits
// (qconv_int8_test.cpp is the correctness test). Not a test: timings; to compare two builds, alternate their runs.
// A shape the exact Winograd kernel (wino_int8.h) handles gets a second line, "  winograd", timed in the same
// rounds alternating with the direct kernel: its GMAC/s count the direct kernel's multiply-accumulates (effective),
// and its checksum must equal the direct kernel's.
// usage: npulens_qconv_int8_bench [--threads N] [--rounds N] [--iterations N] [--peak GMACS] [--filter TEXT]
//                                 [--shape HW,IN_C,OUT_C,K,STRIDE,PAD] (that one convolution instead of the list)
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "core/benchmark_runner.h"
#include "kernel_bench.h"
#include "qconv_int8.h"
#include "wino_int8.h"

namespace {

struct Shape {
  const char* name;
  int64_t inHW, inC, outC, k, stride, pad;
};

const Shape kShapes[] = {
    {"resnet conv1 7x7/2 3->64 @224", 224, 3, 64, 7, 2, 3},
    {"resnet18 3x3 64->64 @56", 56, 64, 64, 3, 1, 1},
    {"resnet18 3x3/2 64->128 @56", 56, 64, 128, 3, 2, 1},
    {"resnet18 3x3 128->128 @28", 28, 128, 128, 3, 1, 1},
    {"resnet18 1x1/2 64->128 @56", 56, 64, 128, 1, 2, 0},
    {"resnet18 3x3 256->256 @14", 14, 256, 256, 3, 1, 1},
    {"resnet18 3x3/2 256->512 @14", 14, 256, 512, 3, 2, 1},
    {"resnet18 3x3 512->512 @7", 7, 512, 512, 3, 1, 1},
    {"resnet50 1x1 64->256 @56", 56, 64, 256, 1, 1, 0},
    {"resnet50 1x1 256->128 @56", 56, 256, 128, 1, 1, 0},
    {"resnet50 1x1/2 256->512 @56", 56, 256, 512, 1, 2, 0},
    {"resnet50 1x1 512->256 @28", 28, 512, 256, 1, 1, 0},
    {"resnet50 1x1 1024->512 @14", 14, 1024, 512, 1, 1, 0},
    {"resnet50 1x1/2 1024->2048 @14", 14, 1024, 2048, 1, 2, 0},
    {"resnet50 1x1 2048->512 @7", 7, 2048, 512, 1, 1, 0},
    {"googlenet 1x1 64->64 @56", 56, 64, 64, 1, 1, 0},
    {"googlenet 3x3 64->192 @56", 56, 64, 192, 3, 1, 1},
    {"googlenet 3x3 128->192 @28", 28, 128, 192, 3, 1, 1},
    {"googlenet 5x5 32->96 @28", 28, 32, 96, 5, 1, 2},
    {"googlenet 3x3 192->384 @7", 7, 192, 384, 3, 1, 1},
    {"googlenet 1x1 832->384 @7", 7, 832, 384, 1, 1, 0},
    {"densenet 3x3 128->32 @56", 56, 128, 32, 3, 1, 1},
    {"densenet 1x1 256->128 @56", 56, 256, 128, 1, 1, 0},
    {"densenet 1x1 64->128 @56", 56, 64, 128, 1, 1, 0},
    {"squeezenet conv1 3x3/2 3->64 @224", 224, 3, 64, 3, 2, 0},
    {"squeezenet 1x1 64->16 @55", 55, 64, 16, 1, 1, 0},
    {"squeezenet 1x1 16->64 @55", 55, 16, 64, 1, 1, 0},
    {"squeezenet 3x3 16->64 @55", 55, 16, 64, 3, 1, 1},
    {"squeezenet 1x1 128->16 @55", 55, 128, 16, 1, 1, 0},
    {"squeezenet 3x3 64->256 @13", 13, 64, 256, 3, 1, 1},
    {"squeezenet 1x1 512->1000 @13", 13, 512, 1000, 1, 1, 0},
    {"classifier FC 512->1000", 1, 512, 1000, 1, 1, 0},
    {"classifier FC 2048->1000", 1, 2048, 1000, 1, 1, 0},
};

// This thread's CPU time in ms: at 1 thread the whole convolution runs on the calling thread, and on a machine
// shared with other jobs its CPU time leaves out the time the scheduler gave to them (wall time does not).
double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const kernel_bench::Flags flags(argc, argv, 90.4);
  std::vector<Shape> shapes(std::begin(kShapes), std::end(kShapes));
  bool badShape = false;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--shape") == 0) {
      Shape s{argv[i + 1], 0, 0, 0, 0, 0, 0};
      badShape = std::sscanf(argv[i + 1], "%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64,
                             &s.inHW, &s.inC, &s.outC, &s.k, &s.stride, &s.pad) != 6 ||
                 s.inHW < 1 || s.inC < 1 || s.outC < 1 || s.k < 1 || s.stride < 1 || s.pad < 0 ||
                 s.inHW + 2 * s.pad < s.k;
      shapes.assign(1, s);
    }
  }
  if (!flags.Valid() || badShape)
    return kernel_bench::Usage("npulens_qconv_int8_bench", " [--shape HW,IN_C,OUT_C,K,STRIDE,PAD]");
  const kernel_bench::Pool pool = kernel_bench::MakePool(flags.threads);
  const hostnn::Int8Isa isa = hostnn::SelectInt8Isa();
  double (*clock)() = flags.threads == 1 ? &ThreadCpuMs : &npulens::SteadyClockMs;
  std::printf("threads %ld, %s, p50 of %ld runs (lowest of %ld rounds) of %s, peak %.1f GMAC/s per core\n",
              flags.threads, hostnn::Int8IsaLabel(isa), flags.iterations, flags.rounds,
              flags.threads == 1 ? "thread CPU time" : "wall time", flags.peak);
  std::printf("%-36s %7s %8s %7s %6s %8s %7s %6s %10s\n", "conv", "GMAC", "p50 ms", "GMAC/s", "peak%", "min ms",
              "GMAC/s", "peak%", "checksum");
  std::mt19937 rng(7);
  double sumMs = 0;
  for (const Shape& s : shapes) {
    if (flags.Skips(s.name)) continue;
    const int64_t out = (s.inHW + 2 * s.pad - s.k) / s.stride + 1;
    const hostnn::ConvGeometry2D g{1,   s.inHW,   s.inHW,   s.inC, out, out,   s.outC, s.k,
                                   s.k, s.stride, s.stride, 1,     1,   s.pad, s.pad};
    std::vector<int8_t> x(static_cast<size_t>(s.inHW * s.inHW * s.inC + 3)),
        w(static_cast<size_t>(s.outC * s.inC * s.k * s.k));
    std::vector<int32_t> bias(static_cast<size_t>(s.outC));
    std::vector<float> wScale(static_cast<size_t>(s.outC));
    for (int8_t& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    for (size_t o = 0; o < bias.size(); ++o) {
      bias[o] = static_cast<int32_t>(rng() % 20001) - 10000;
      wScale[o] = 0.001f + 0.0001f * static_cast<float>(o % 13);
    }
    hostnn::QConvInt8 conv(g, w.data(), bias.data(), wScale.data(), 0.02f, -3, 0.5f, -128, -128, 127, isa);
    std::vector<int8_t> y(static_cast<size_t>(out * out * s.outC));
    std::vector<int16_t> scratch;
    std::vector<std::function<void()>> fns{[&] { conv.Run(x.data(), y.data(), pool.get(), &scratch); }};
    std::unique_ptr<hostnn::QWinogradInt8> wino;
    std::vector<int8_t> yWino(y.size());
    if (hostnn::QWinogradInt8::Handles(g, isa)) {
      wino = std::make_unique<hostnn::QWinogradInt8>(g, w.data(), bias.data(), wScale.data(), 0.02f, -3, 0.5f, -128,
                                                     -128, 127);
      fns.emplace_back([&] { wino->Run(x.data(), yWino.data(), pool.get(), &scratch); });
    }
    const std::vector<kernel_bench::Timing> times =
        kernel_bench::TimeRounds(fns, flags.rounds, flags.iterations, clock);
    const double gmac = static_cast<double>(out * out * s.outC * s.inC * s.k * s.k) / 1e9;
    const double cores = flags.peak * static_cast<double>(flags.threads);
    for (size_t i = 0; i < times.size(); ++i) {
      const kernel_bench::Timing& t = times[i];
      uint32_t checksum = 2166136261u;  // FNV-1a over the output
      for (int8_t v : i == 0 ? y : yWino) checksum = (checksum ^ static_cast<uint8_t>(v)) * 16777619u;
      std::printf("%-36s %7.4f %8.3f %7.1f %5.0f%% %8.3f %7.1f %5.0f%% %08x\n", i == 0 ? s.name : "  winograd", gmac,
                  t.p50Ms, gmac / t.p50Ms * 1e3, 100 * gmac / (t.p50Ms / 1e3) / cores, t.minMs, gmac / t.minMs * 1e3,
                  100 * gmac / (t.minMs / 1e3) / cores, checksum);
    }
    sumMs += times[0].p50Ms;
  }
  std::printf("sum of p50 %.3f ms\n", sumMs);
  return 0;
}
