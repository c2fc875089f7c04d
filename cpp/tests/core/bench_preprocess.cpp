// Pre-processing benchmark (not a test): p50 wall time of many runs on one thread (the one benchmark runner,
// core/benchmark_runner.h: a first run, then the timed runs) for the reference cases, printed with the ratio to the
// target (ratio < 1 = faster than the target).
//   224×224 RGBA → 1×3×224×224 float32 (identity resize)      target 0.1 ms
//   4032×3024 RGBA → 1×3×224×224 float32 (area shrink, 18×)   target 8 ms
//   640×480 RGBA, centre crop 0.875 → 1×3×224×224 float32 (bilinear, 1.875×): the sample photo through the
//     MobileNetV2 manifest entry; target 0.12 ms keeps classify overhead ≤ 3% of a 5.1 ms inference
//   224×224 RGBA, centre crop 0.875 → 1×3×224×224 float32 (bilinear upscale): a photo already at input size
//   the 640×480 case again with every cache flushed before each run (a 256 MiB sweep; this machine's L3 is
//     shared and large): in bench:peer the photo waits out two inferences, so that is closer to what it sees
//   1920×1080 camera frame, NV21 beside the same picture in RGBA (→ 224×224 f32, whole frame and centre crop
//     0.875): the YUV path resizes the Y and chroma planes (1.5 bytes a pixel) and converts per output pixel; the
//     frame comes from core/yuv.h's encoder (random RGBA → NV21)
// Peer figure in the same run: a plain memcpy of the source image (reads and writes every source byte once);
// the large case reads the whole photo, so on a busy machine it is bound by memory bandwidth like the memcpy.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "core/benchmark_runner.h"
#include "core/preprocess.h"
#include "core/yuv.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  double p50Ms, minMs;
};

// Untimed before each run when `flush`: writes a buffer far larger than the caches.
void FlushCaches(bool flush) {
  static std::vector<uint8_t> sweep;
  if (!flush) return;
  if (sweep.empty()) sweep.assign(size_t{256} << 20, 0);
  for (size_t i = 0; i < sweep.size(); i += 64) ++sweep[i];
}

// `runs` timed runs of f (the cache flush before each is not timed), after the runner's untimed first run.
template <typename F>
Timing Measure(int runs, bool flush, F&& f) {
  npulens::BenchmarkParams params;
  params.warmupRuns = 0;
  params.iterations = runs;
  const npulens::BenchmarkStep step = [&]() -> npulens::Result<double> {
    FlushCaches(flush);
    const auto start = Clock::now();
    f();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  npulens::Result<npulens::BenchmarkResult> r = npulens::RunBenchmark(params, step, nullptr);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return {r->latency.p50Ms, r->latency.minMs};
}

// targetMs ≤ 0: informational line without a target.
int Bench(const char* name, int srcW, int srcH, int runs, double targetMs,
          npulens::DType dtype = npulens::DType::kFloat32, npulens::Layout layout = npulens::Layout::kNCHW,
          float centerCrop = 1.0f, bool flushCaches = false,
          npulens::PixelFormat format = npulens::PixelFormat::kRGBA8) {
  std::vector<uint8_t> pixels(static_cast<size_t>(srcW) * srcH * 4);
  std::mt19937 rng(1);
  for (auto& p : pixels) p = static_cast<uint8_t>(rng());
  npulens::ImageView view{
      pixels.data(), pixels.size(), srcW, srcH, static_cast<size_t>(srcW) * 4, npulens::PixelFormat::kRGBA8};
  if (npulens::IsYuv420sp(format)) {
    npulens::Result<std::vector<uint8_t>> frame = npulens::EncodeYuv420sp(view, format, static_cast<size_t>(srcW));
    if (!frame.ok()) {
      std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
      return 1;
    }
    pixels = std::move(frame.value());
    view = {pixels.data(), pixels.size(), srcW, srcH, static_cast<size_t>(srcW), format};
  }
  npulens::InputSpec spec;
  spec.width = spec.height = 224;
  spec.mean[0] = 123.675f, spec.mean[1] = 116.28f, spec.mean[2] = 103.53f;
  spec.std[0] = 58.395f, spec.std[1] = 57.12f, spec.std[2] = 57.375f;
  spec.dtype = dtype;
  spec.layout = layout;
  spec.centerCrop = centerCrop;
  if (dtype == npulens::DType::kUint8) spec.quant = npulens::QuantParams{0.0187f, 114};
  auto pre = npulens::Preprocessor::Create(spec);
  if (!pre.ok()) {
    std::fprintf(stderr, "%s\n", pre.status().ToString().c_str());
    return 1;
  }
  std::vector<uint8_t> out(pre->OutputBytes());
  npulens::Status status;
  const Timing t = Measure(runs, flushCaches, [&] { status = pre->Run(view, out.data(), out.size()); });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  std::vector<uint8_t> copy(pixels.size());
  const Timing copyT = Measure(runs, flushCaches, [&] { std::memcpy(copy.data(), pixels.data(), pixels.size()); });
  std::printf("%-42s p50 %8.4f ms (min %8.4f)", name, t.p50Ms, t.minMs);
  if (targetMs > 0) {
    std::printf("  target %5.2f ms  ratio %.2f", targetMs, t.p50Ms / targetMs);
  } else {
    std::printf("  %-25s", "(no target)");
  }
  std::printf("  | memcpy of the source (%zu bytes) %.4f ms: %.2fx\n", pixels.size(), copyT.p50Ms,
              t.p50Ms / copyT.p50Ms);
  return 0;
}

}  // namespace

int main() {
  std::printf("pre-processing, one thread, p50 of N runs\n");
  int rc = Bench("224x224 RGBA -> 1x3x224x224 f32", 224, 224, 2001, 0.1);
  rc |= Bench("4032x3024 RGBA -> 1x3x224x224 f32", 4032, 3024, 41, 8.0);
  rc |= Bench("640x480 RGBA crop .875 -> 1x3x224x224 f32", 640, 480, 2001, 0.12, npulens::DType::kFloat32,
              npulens::Layout::kNCHW, 0.875f);
  rc |= Bench("224x224 RGBA crop .875 -> 1x3x224x224 f32", 224, 224, 2001, 0.12, npulens::DType::kFloat32,
              npulens::Layout::kNCHW, 0.875f);
  rc |= Bench("640x480 ... f32, caches flushed", 640, 480, 41, 0, npulens::DType::kFloat32, npulens::Layout::kNCHW,
              0.875f, true);
  rc |= Bench("4032x3024 RGBA -> 1x224x224x3 u8", 4032, 3024, 41, 0, npulens::DType::kUint8, npulens::Layout::kNHWC);
  for (npulens::PixelFormat format : {npulens::PixelFormat::kRGBA8, npulens::PixelFormat::kNV21}) {
    const bool nv21 = format == npulens::PixelFormat::kNV21;
    rc |= Bench(nv21 ? "1920x1080 NV21 -> 1x3x224x224 f32" : "1920x1080 RGBA -> 1x3x224x224 f32", 1920, 1080, 201, 0,
                npulens::DType::kFloat32, npulens::Layout::kNCHW, 1.0f, false, format);
    rc |= Bench(nv21 ? "1920x1080 NV21 crop .875 -> 1x3x224x224 f32" : "1920x1080 RGBA crop .875 -> 1x3x224x224 f32",
                1920, 1080, 201, 0, npulens::DType::kFloat32, npulens::Layout::kNCHW, 0.875f, false, format);
  }
  rc |= Bench("1920x1080 NV21 -> 1x224x224x3 u8", 1920, 1080, 201, 0, npulens::DType::kUint8, npulens::Layout::kNHWC,
              1.0f, false, npulens::PixelFormat::kNV21);
  rc |= Bench("224x224 NV21 crop .875 -> 1x3x224x224 f32", 224, 224, 2001, 0, npulens::DType::kFloat32,
              npulens::Layout::kNCHW, 0.875f, false, npulens::PixelFormat::kNV21);
  return rc;
}
