// npulens_conv_f32_bench: the fp32 convolutions of ResNet18 and MobileNetV2 at 224x224, the
// small-channel ones of MobileNetV3-Large, ShuffleNetV2 and RegNetY-400MF (stems, 1x1 at high resolution) and
// RegNetY-400MF's grouped 3x3 ones (8 channels a group), each timed
// in our kernel (conv_f32.h) and in XNNPACK's same convolution (operator API, what the subgraph runtime runs), in
// the same run and interleaved (rounds alternate the two), by the one benchmark runner (p50). Prints per shape ms,
// GMAC/s and the share of the one-core fp32 peak (npulens_peak's vfmadd231ps ymm figure, --peak), and the largest
// difference between the two outputs (a sanity check; conv_f32_test.cpp is the correctness test). 3x3 stride-1
// convolutions also run in the Winograd kernel (wino_f32.h) in the same rounds: its p50, its time over ours and its
// effective GMAC/s (the direct convolution's multiply-adds over its time) as a share of the peak.
// usage: npulens_conv_f32_bench [--threads N] [--rounds N] [--iterations N] [--peak GMACS] [--filter TEXT]
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "conv_f32.h"
#include "core/benchmark_runner.h"
#include "kernel_bench.h"
#include "wino_f32.h"

namespace {

struct Shape {
  const char* name;
  int64_t inHW, inC, outC, k, stride, groups = 1;
  int64_t pad = -1;  // on every side; -1: k / 2
};

// ResNet18 (every distinct conv), ResNet50's 1x1 ones, MobileNetV2 (its full convolutions: the stem and the 1x1
// expand/project ones), and the stems and few-channel 1x1 convolutions of MobileNetV3-Large, ShuffleNetV2 and
// RegNetY-400MF (the layers where the 16-channel tile and per-pixel overheads showed, npulens_bench --profile),
// RegNetY-400MF's grouped 3x3 ones (8 channels a group) and one of 16 a group, the 3x3 stride-1 ones of the other
// networks (Winograd's candidates), and SqueezeNet 1.1's classifier (a 1x1 convolution to 1000 channels, a fifth of
// its time) and stem.
const Shape kShapes[] = {
    {"resnet18 conv1 7x7/2 3->64 @224", 224, 3, 64, 7, 2},
    {"resnet18 l1 3x3 64->64 @56", 56, 64, 64, 3, 1},
    {"resnet18 l2 3x3/2 64->128 @56", 56, 64, 128, 3, 2},
    {"resnet18 l2 3x3 128->128 @28", 28, 128, 128, 3, 1},
    {"resnet18 l2 ds 1x1/2 64->128 @56", 56, 64, 128, 1, 2},
    {"resnet18 l3 3x3/2 128->256 @28", 28, 128, 256, 3, 2},
    {"resnet18 l3 3x3 256->256 @14", 14, 256, 256, 3, 1},
    {"resnet18 l3 ds 1x1/2 128->256 @28", 28, 128, 256, 1, 2},
    {"resnet18 l4 3x3/2 256->512 @14", 14, 256, 512, 3, 2},
    {"resnet18 l4 3x3 512->512 @7", 7, 512, 512, 3, 1},
    {"resnet18 l4 ds 1x1/2 256->512 @14", 14, 256, 512, 1, 2},
    {"mobilenetv2 stem 3x3/2 3->32 @224", 224, 3, 32, 3, 2},
    {"mobilenetv2 1x1 32->16 @112", 112, 32, 16, 1, 1},
    {"mobilenetv2 1x1 16->96 @112", 112, 16, 96, 1, 1},
    {"mobilenetv2 1x1 96->24 @56", 56, 96, 24, 1, 1},
    {"mobilenetv2 1x1 24->144 @56", 56, 24, 144, 1, 1},
    {"mobilenetv2 1x1 144->24 @56", 56, 144, 24, 1, 1},
    {"mobilenetv2 1x1 144->32 @28", 28, 144, 32, 1, 1},
    {"mobilenetv2 1x1 32->192 @28", 28, 32, 192, 1, 1},
    {"mobilenetv2 1x1 192->32 @28", 28, 192, 32, 1, 1},
    {"mobilenetv2 1x1 192->64 @14", 14, 192, 64, 1, 1},
    {"mobilenetv2 1x1 64->384 @14", 14, 64, 384, 1, 1},
    {"mobilenetv2 1x1 384->64 @14", 14, 384, 64, 1, 1},
    {"mobilenetv2 1x1 384->96 @14", 14, 384, 96, 1, 1},
    {"mobilenetv2 1x1 96->576 @14", 14, 96, 576, 1, 1},
    {"mobilenetv2 1x1 576->96 @14", 14, 576, 96, 1, 1},
    {"mobilenetv2 1x1 576->160 @7", 7, 576, 160, 1, 1},
    {"mobilenetv2 1x1 160->960 @7", 7, 160, 960, 1, 1},
    {"mobilenetv2 1x1 960->160 @7", 7, 960, 160, 1, 1},
    {"mobilenetv2 1x1 960->320 @7", 7, 960, 320, 1, 1},
    {"mobilenetv2 1x1 320->1280 @7", 7, 320, 1280, 1, 1},
    {"mobilenetv3l stem 3x3/2 3->16 @224", 224, 3, 16, 3, 2},
    {"mobilenetv3l 1x1 16->16 @112", 112, 16, 16, 1, 1},
    {"mobilenetv3l 1x1 16->64 @112", 112, 16, 64, 1, 1},
    {"mobilenetv3l 1x1 64->24 @56", 56, 64, 24, 1, 1},
    {"mobilenetv3l 1x1 24->72 @56", 56, 24, 72, 1, 1},
    {"mobilenetv3l 1x1 72->24 @56", 56, 72, 24, 1, 1},
    {"mobilenetv3l 1x1 72->40 @28", 28, 72, 40, 1, 1},
    {"mobilenetv3l 1x1 40->120 @28", 28, 40, 120, 1, 1},
    {"shufflenetv2 stem 3x3/2 3->24 @224", 224, 3, 24, 3, 2},
    {"shufflenetv2 1x1 24->58 @56", 56, 24, 58, 1, 1},
    {"shufflenetv2 1x1 24->58 @28", 28, 24, 58, 1, 1},
    {"shufflenetv2 1x1 58->58 @28", 28, 58, 58, 1, 1},
    {"regnety400mf stem 3x3/2 3->32 @224", 224, 3, 32, 3, 2},
    {"regnety400mf 1x1 32->48 @112", 112, 32, 48, 1, 1},
    {"regnety400mf 1x1/2 32->48 @112", 112, 32, 48, 1, 2},
    {"regnety400mf 1x1 48->104 @28", 28, 48, 104, 1, 1},
    {"regnety400mf g8 3x3/2 48 @112", 112, 48, 48, 3, 2, 6},
    {"regnety400mf g8 3x3/2 104 @56", 56, 104, 104, 3, 2, 13},
    {"regnety400mf g8 3x3 104 @28", 28, 104, 104, 3, 1, 13},
    {"regnety400mf g8 3x3/2 208 @28", 28, 208, 208, 3, 2, 26},
    {"regnety400mf g8 3x3 208 @14", 14, 208, 208, 3, 1, 26},
    {"regnety400mf g8 3x3/2 440 @14", 14, 440, 440, 3, 2, 55},
    {"regnety400mf g8 3x3 440 @7", 7, 440, 440, 3, 1, 55},
    {"grouped 16/g 3x3 256 @14", 14, 256, 256, 3, 1, 16},
    // ResNet50's 1x1 convolutions (its largest fp32 class: bottleneck reduce/expand and the stride-2 projections).
    {"resnet50 1x1 64->256 @56", 56, 64, 256, 1, 1},
    {"resnet50 1x1 256->64 @56", 56, 256, 64, 1, 1},
    {"resnet50 1x1 256->128 @56", 56, 256, 128, 1, 1},
    {"resnet50 1x1/2 256->512 @56", 56, 256, 512, 1, 2},
    {"resnet50 1x1 128->512 @28", 28, 128, 512, 1, 1},
    {"resnet50 1x1 512->128 @28", 28, 512, 128, 1, 1},
    {"resnet50 1x1 256->1024 @14", 14, 256, 1024, 1, 1},
    {"resnet50 1x1 1024->256 @14", 14, 1024, 256, 1, 1},
    {"resnet50 1x1 512->2048 @7", 7, 512, 2048, 1, 1},
    {"resnet50 1x1 2048->512 @7", 7, 2048, 512, 1, 1},
    // 3x3 stride-1 convolutions of the other fp32 networks (the Winograd kernel's candidates).
    {"resnet50 3x3 64->64 @56", 56, 64, 64, 3, 1},
    {"resnet50 3x3 128->128 @28", 28, 128, 128, 3, 1},
    {"resnet50 3x3 256->256 @14", 14, 256, 256, 3, 1},
    {"resnet50 3x3 512->512 @7", 7, 512, 512, 3, 1},
    {"densenet121 3x3 128->32 @56", 56, 128, 32, 3, 1},
    {"densenet121 3x3 128->32 @28", 28, 128, 32, 3, 1},
    {"densenet121 3x3 128->32 @14", 14, 128, 32, 3, 1},
    {"densenet121 3x3 128->32 @7", 7, 128, 32, 3, 1},
    {"googlenet 3x3 64->192 @56", 56, 64, 192, 3, 1},
    {"googlenet 3x3 96->128 @28", 28, 96, 128, 3, 1},
    {"googlenet 3x3 16->32 @28", 28, 16, 32, 3, 1},
    {"googlenet 3x3 128->192 @28", 28, 128, 192, 3, 1},
    {"googlenet 3x3 32->96 @28", 28, 32, 96, 3, 1},
    {"googlenet 3x3 96->208 @14", 14, 96, 208, 3, 1},
    {"googlenet 3x3 16->48 @14", 14, 16, 48, 3, 1},
    {"googlenet 3x3 112->224 @14", 14, 112, 224, 3, 1},
    {"googlenet 3x3 160->320 @7", 7, 160, 320, 3, 1},
    {"googlenet 3x3 192->384 @7", 7, 192, 384, 3, 1},
    {"squeezenet11 3x3 16->64 @55", 55, 16, 64, 3, 1},
    {"squeezenet11 3x3 32->128 @27", 27, 32, 128, 3, 1},
    {"squeezenet11 3x3 48->192 @13", 13, 48, 192, 3, 1},
    {"squeezenet11 3x3 64->256 @13", 13, 64, 256, 3, 1},
    {"squeezenet11 1x1 512->1000 @13 (classifier)", 13, 512, 1000, 1, 1},
    {"squeezenet11 stem 3x3/2 pad 0 3->64 @224", 224, 3, 64, 3, 2, 1, 0},
};

}  // namespace

int main(int argc, char** argv) {
  const kernel_bench::Flags flags(argc, argv, 49.9);
  if (!flags.Valid()) return kernel_bench::Usage("npulens_conv_f32_bench", "");
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "XNNPACK initialization failed\n");
    return 1;
  }
  const kernel_bench::Pool pool = kernel_bench::MakePool(flags.threads);
  const hostnn::F32Isa isa = hostnn::SelectF32Isa();
  std::printf("threads %ld, ours %s, p50 of %ld runs, best of %ld interleaved rounds, peak %.1f GMAC/s per core\n",
              flags.threads, hostnn::F32IsaLabel(isa), flags.iterations, flags.rounds, flags.peak);
  // p50: the lowest p50 of the rounds; min: the fastest run (under load, runs longer than a scheduler slice are rarely
  // spared, so their p50 says more about the load than about the kernel).
  std::printf("%-36s %7s %8s %8s %6s %6s %6s %8s %8s %6s %6s %9s %8s %6s %6s\n", "conv", "GMAC", "ours p50", "xnn p50",
              "ours/x", "ours%", "xnn%", "ours min", "xnn min", "ours%", "xnn%", "max|diff|", "wino p50", "w/ours",
              "wino%");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  double logSum = 0;
  int counted = 0;
  for (const Shape& s : kShapes) {
    if (flags.Skips(s.name)) continue;
    const int64_t pad = s.pad >= 0 ? s.pad : s.k / 2, out = (s.inHW + 2 * pad - s.k) / s.stride + 1;
    const hostnn::ConvGeometry2D g{1,   s.inHW,   s.inHW,   s.inC, out, out, s.outC, s.k,
                                   s.k, s.stride, s.stride, 1,     1,   pad, pad};
    const int64_t icg = s.inC / s.groups;  // input channels per group
    std::vector<float> x(static_cast<size_t>(s.inHW * s.inHW * s.inC)),
        w(static_cast<size_t>(s.outC * icg * s.k * s.k));
    std::vector<float> bias(static_cast<size_t>(s.outC)), ohwi(w.size());
    for (float& v : x) v = dist(rng);
    for (float& v : w) v = dist(rng) * 0.1f;
    for (float& v : bias) v = dist(rng);
    for (int64_t o = 0; o < s.outC; ++o)
      for (int64_t c = 0; c < icg; ++c)
        for (int64_t t = 0; t < s.k * s.k; ++t)
          ohwi[static_cast<size_t>((o * s.k * s.k + t) * icg + c)] =
              w[static_cast<size_t>((o * icg + c) * s.k * s.k + t)];
    std::vector<float> yOurs(static_cast<size_t>(out * out * s.outC)), yXnn(yOurs.size());
    // XNNPACK reads up to XNN_EXTRA_BYTES past its input.
    x.resize(x.size() + XNN_EXTRA_BYTES / sizeof(float));
    hostnn::ConvF32 ours(g, w.data(), bias.data(), 0.0f, 6.0f, isa, s.groups);
    xnn_operator_t op = nullptr;
    const auto p = static_cast<uint32_t>(pad), k = static_cast<uint32_t>(s.k), st = static_cast<uint32_t>(s.stride);
    if (xnn_create_convolution2d_nhwc_f32(p, p, p, p, k, k, st, st, 1, 1, static_cast<uint32_t>(s.groups),
                                          static_cast<size_t>(icg), static_cast<size_t>(s.outC / s.groups),
                                          static_cast<size_t>(s.inC), static_cast<size_t>(s.outC), ohwi.data(),
                                          bias.data(), 0.0f, 6.0f, 0, &op) != xnn_status_success ||
        xnn_setup_convolution2d_nhwc_f32(op, 1, static_cast<size_t>(s.inHW), static_cast<size_t>(s.inHW), x.data(),
                                         yXnn.data(), pool.get()) != xnn_status_success) {
      std::fprintf(stderr, "XNNPACK rejected %s\n", s.name);
      return 1;
    }
    std::unique_ptr<xnn_operator, decltype(&xnn_delete_operator)> opGuard(op, &xnn_delete_operator);
    std::vector<std::function<void()>> runs = {[&] { ours.Run(x.data(), yOurs.data(), pool.get()); },
                                               [&] { xnn_run_operator(op, pool.get()); }};
    std::unique_ptr<hostnn::WinogradF32> wino;
    std::vector<float> yWino(yOurs.size());
    if (s.groups == 1 && hostnn::WinogradF32::Supports(g)) {
      wino = std::make_unique<hostnn::WinogradF32>(g, w.data(), bias.data(), 0.0f, 6.0f, isa);
      runs.push_back([&] { wino->Run(x.data(), yWino.data(), pool.get()); });
    }
    const std::vector<kernel_bench::Timing> t =
        kernel_bench::TimeRounds(runs, flags.rounds, flags.iterations, &npulens::SteadyClockMs);
    const double bestOurs = t[0].p50Ms, bestXnn = t[1].p50Ms, minOurs = t[0].minMs, minXnn = t[1].minMs;
    float maxDiff = 0;
    for (size_t i = 0; i < yOurs.size(); ++i) maxDiff = std::max(maxDiff, std::fabs(yOurs[i] - yXnn[i]));
    const double gmac = static_cast<double>(out * out * s.outC * icg * s.k * s.k) / 1e9;
    const double cores = flags.peak * static_cast<double>(flags.threads);
    std::printf("%-36s %7.4f %8.3f %8.3f %6.2f %5.0f%% %5.0f%% %8.3f %8.3f %5.0f%% %5.0f%% %9.2g", s.name, gmac,
                bestOurs, bestXnn, bestOurs / bestXnn, 100 * gmac / (bestOurs / 1e3) / cores,
                100 * gmac / (bestXnn / 1e3) / cores, minOurs, minXnn, 100 * gmac / (minOurs / 1e3) / cores,
                100 * gmac / (minXnn / 1e3) / cores, maxDiff);
    if (wino) {
      float winoDiff = 0;
      for (size_t i = 0; i < yOurs.size(); ++i) winoDiff = std::max(winoDiff, std::fabs(yOurs[i] - yWino[i]));
      std::printf(" %8.3f %6.2f %5.0f%% (max|diff| %.2g)", t[2].p50Ms, t[2].p50Ms / bestOurs,
                  100 * gmac / (t[2].p50Ms / 1e3) / cores, winoDiff);
    }
    std::printf("\n");
    logSum += std::log(bestOurs / bestXnn);
    ++counted;
  }
  if (counted) std::printf("geometric mean ours/xnn %.3f over %d convolutions\n", std::exp(logSum / counted), counted);
  return 0;
}
