#include "nnrt/session_benchmark.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "core/limits.h"
#include "core/preprocess.h"
#include "core/yuv.h"

namespace npulens {

namespace {

constexpr char kSourceStep[] = "benchmark.source";

// The median of `values` (core/stats.h's percentile definition); 0 for none.
double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  Result<double> p = Percentile(values, 50);
  return p.ok() ? p.value() : 0;
}

// A memfd holding `bytes`, sealed against shrinking (what ClassifyFd may wrap without a copy; a mapping of it can
// never fault). The caller owns the fd.
Result<int> SealedMemfd(const std::vector<uint8_t>& bytes) {
  UniqueFd fd(memfd_create("npulens-benchmark-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  const auto fail = [](const char* what) {
    return Status(kSourceStep, code::kIo, std::string(what) + " for the fd-backed frame: " + std::strerror(errno));
  };
  if (fd.get() < 0) return fail("memfd_create");
  if (ftruncate(fd.get(), static_cast<off_t>(bytes.size())) != 0) return fail("ftruncate");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pwrite(fd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("pwrite");
    done += static_cast<size_t>(n);
  }
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) return fail("F_ADD_SEALS");
  return fd.Release();
}

}  // namespace

Result<BenchmarkResult> BenchmarkSession(InferenceSession& session, const InputSpec& input,
                                         const BenchmarkParams& params, IoMode mode, BenchmarkListener* listener,
                                         BenchmarkClock clock) {
  // Bad parameters are reported before the input is touched.
  Status st = CheckBenchmarkParams(params);
  if (!st.ok()) return st;
  const size_t rowBytes = static_cast<size_t>(input.width) * 3;
  std::vector<uint8_t> grey(rowBytes * static_cast<size_t>(input.height), 128);
  const ImageView image{grey.data(), grey.size(), input.width, input.height, rowBytes, PixelFormat::kRGB8};
  st = session.SetInput(image);
  if (!st.ok()) return st;
  const BenchmarkStep step = [&session, mode]() -> Result<double> {
    Result<StageTimings> t = session.Run(mode);
    if (!t.ok()) return t.status();
    return t.value().copyInMs + t.value().inferenceMs + t.value().copyOutMs;
  };
  return RunBenchmark(params, step, listener, std::move(clock));
}

const char* FrameStoreName(FrameStore store) { return store == FrameStore::kFd ? "fd" : "memory"; }

std::string SourcePathName(Preprocessing preprocessing, IoMode mode, FrameStore store) {
  if (preprocessing == Preprocessing::kAipp) return store == FrameStore::kFd ? "aipp+fd" : "aipp+copy";
  return std::string(store == FrameStore::kFd ? "cpu+fd+" : "cpu+") + IoModeName(mode);
}

Result<std::vector<uint8_t>> MakeSourceFrame(const SourceFrameSpec& spec) {
  const auto side = [&](const char* name, int v) -> Status {
    if (v < 1 || v > kImageSideMax) {
      return Status(kSourceStep, code::kOutOfRange,
                    std::string("source ") + name + " must be in [1, " + std::to_string(kImageSideMax) + "] (got " +
                        std::to_string(v) + ")");
    }
    if (IsYuv420sp(spec.format) && v % 2 != 0) {
      return Status(kSourceStep, code::kOutOfRange,
                    std::string("a ") + PixelFormatName(spec.format) + " source needs an even " + name + " (got " +
                        std::to_string(v) + ")");
    }
    return Status::Ok();
  };
  Status st = side("width", spec.width);
  if (!st.ok()) return st;
  st = side("height", spec.height);
  if (!st.ok()) return st;
  const bool yuv = IsYuv420sp(spec.format);
  const PixelFormat packed = yuv ? PixelFormat::kRGBA8 : spec.format;
  const size_t channels = RowBytes(packed, 1);
  const size_t w = static_cast<size_t>(spec.width), h = static_cast<size_t>(spec.height);
  std::vector<uint8_t> rgb(w * h * channels);
  for (size_t y = 0; y < h; ++y) {
    for (size_t x = 0; x < w; ++x) {
      // Hue from x (three ramps a third apart), brightness from y.
      const uint32_t hue = static_cast<uint32_t>(x * 765 / w);
      const uint32_t light = 64 + static_cast<uint32_t>(y * 191 / h);
      const uint32_t r = hue < 255 ? 255 - hue : hue < 510 ? 0 : hue - 510;
      const uint32_t g = hue < 255 ? hue : hue < 510 ? 510 - hue : 0;
      const uint32_t b = hue < 255 ? 0 : hue < 510 ? hue - 255 : 765 - hue;
      uint8_t* px = rgb.data() + (y * w + x) * channels;
      const uint8_t rv = static_cast<uint8_t>(r * light / 255), gv = static_cast<uint8_t>(g * light / 255),
                    bv = static_cast<uint8_t>(b * light / 255);
      const bool bgr = packed == PixelFormat::kBGRA8;
      px[0] = bgr ? bv : rv;
      px[1] = gv;
      px[2] = bgr ? rv : bv;
      if (channels == 4) px[3] = 255;
    }
  }
  if (!yuv) return rgb;
  const ImageView view{rgb.data(), rgb.size(), spec.width, spec.height, w * channels, packed};
  return EncodeYuv420sp(view, spec.format, w);
}

Result<SourceBenchmarkResult> BenchmarkSource(InferenceSession& session, const SourceFrameSpec& source,
                                              FrameStore store, const BenchmarkParams& params, IoMode mode,
                                              BenchmarkListener* listener, BenchmarkClock clock) {
  Status st = CheckBenchmarkParams(params);
  if (!st.ok()) return st;
  Result<SessionInfo> info = session.Info();
  if (!info.ok()) return info.status();
  Result<std::vector<uint8_t>> frame = MakeSourceFrame(source);
  if (!frame.ok()) return frame.status();
  const ImageView view{frame->data(), frame->size(), source.width, source.height, RowBytes(source.format, source.width),
                       source.format};
  Result<int> made = store == FrameStore::kFd ? SealedMemfd(frame.value()) : Result<int>(-1);
  if (!made.ok()) return made.status();
  const UniqueFd fd(made.value());
  // Every run's stages; the timed runs are the last ones the runner makes.
  std::vector<StageTimings> stages;
  stages.reserve(static_cast<size_t>(params.iterations + params.warmupRuns + 1));
  const BenchmarkStep step = [&]() -> Result<double> {
    Result<Classification> r = store == FrameStore::kFd
                                   ? session.ClassifyFd(fd.get(), 0, view.byteLength, view, 1, mode)
                                   : session.Classify(view, 1, mode);
    if (!r.ok()) return r.status();
    stages.push_back(r->timings);
    return r->timings.totalMs;
  };
  Result<BenchmarkResult> run = RunBenchmark(params, step, listener, std::move(clock));
  if (!run.ok()) return run.status();
  SourceBenchmarkResult out;
  out.path = SourcePathName(info->preprocessing, mode, store);
  out.sourceBytes = view.byteLength;
  const size_t timed = run->samplesMs.size();
  const std::vector<StageTimings> timedStages(stages.end() - static_cast<std::ptrdiff_t>(timed), stages.end());
  const auto median = [&](double StageTimings::*field) {
    std::vector<double> v;
    v.reserve(timedStages.size());
    for (const StageTimings& t : timedStages) v.push_back(t.*field);
    return Median(std::move(v));
  };
  out.p50.preprocessMs = median(&StageTimings::preprocessMs);
  out.p50.frameCopyMs = median(&StageTimings::frameCopyMs);
  out.p50.copyInMs = median(&StageTimings::copyInMs);
  out.p50.inferenceMs = median(&StageTimings::inferenceMs);
  out.p50.copyOutMs = median(&StageTimings::copyOutMs);
  out.p50.postprocessMs = median(&StageTimings::postprocessMs);
  out.p50.totalMs = median(&StageTimings::totalMs);
  std::vector<double> fractions;
  for (const StageTimings& t : timedStages) {
    out.cpuBytesIn = std::max(out.cpuBytesIn, t.cpuBytesIn);
    if (t.totalMs > 0) fractions.push_back((t.totalMs - t.inferenceMs) / t.totalMs);
  }
  out.p50.cpuBytesIn = out.cpuBytesIn;
  out.nonInferenceFraction = Median(std::move(fractions));
  out.run = std::move(run.value());
  return out;
}

}  // namespace npulens
