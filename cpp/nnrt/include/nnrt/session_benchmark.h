// The benchmark runner (core/benchmark_runner.h) over an InferenceSession: the one way a model is timed, by the
// bindings (Classifier.benchmark) and the host benchmark tool alike.
// The input is a fixed mid-grey image of the model's own size, pre-processed once before the first run:
// benchmarks measure the model, not the resize. Each run is InferenceSession::Run(mode) (one RunSync), timed as
// copy-in + inference + copy-out (the copies are 0 in zero-copy mode), not the session's lock or bookkeeping.
//
// BenchmarkSource times the whole way from a source frame to the result instead, as an app classifies a photo or a
// camera frame: each run is one InferenceSession::Classify (or ClassifyFd over a frame in fd-backed memory) of a
// synthetic frame of the given size and format, timed by the session's own StageTimings::totalMs (pre-processing or
// the frame copy, the copies, inference, post-processing). Which path runs is the session's (its resolved
// Preprocessing), the I/O mode's and the frame's store:
//   cpu + kCopy      core's Preprocessor into a host buffer, memcpy into the input tensor, outputs memcpy'd out;
//   cpu + kZeroCopy  core's Preprocessor straight into the input tensor, outputs read in place;
//   aipp + memory    the frame copied once into the AIPP input tensor, AIPP on the NPU (host: in inference);
//   aipp + fd        the frame in a shrink-sealed memfd handed to ClassifyFd: wrapped with OH_NNTensor_CreateWithFd
//                    when the engine can (no CPU pass), else read once (the engine reports that as a frame copy).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/benchmark_runner.h"
#include "core/manifest.h"
#include "core/preprocess.h"
#include "core/status.h"
#include "nnrt/inference_session.h"

namespace npulens {

// `input` is the spec the session was loaded with (its width and height size the grey image). Errors: the
// runner's (bad params), SetInput's, and the first failing run's (e.g. "run.sync", "run" after Release()).
Result<BenchmarkResult> BenchmarkSession(InferenceSession& session, const InputSpec& input,
                                         const BenchmarkParams& params, IoMode mode, BenchmarkListener* listener,
                                         BenchmarkClock clock = SteadyClockMs);

// A synthetic source: width × height pixels of `format`, rows packed (rowStride = RowBytes).
struct SourceFrameSpec {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::kRGBA8;
};

// Where the frame lives: in process memory (Classify) or in a shrink-sealed memfd (ClassifyFd).
enum class FrameStore { kMemory, kFd };
const char* FrameStoreName(FrameStore store);  // "memory" | "fd"

// The path's name for tables and reports: "cpu+copy", "cpu+zero-copy", "aipp+copy" (the frame copied into the AIPP
// tensor), "aipp+fd"; a CPU session reading an fd: "cpu+fd+copy" | "cpu+fd+zero-copy".
std::string SourcePathName(Preprocessing preprocessing, IoMode mode, FrameStore store);

// The frame's bytes: a smooth colour pattern (hue across, brightness down, so resizes and chroma sharing see real
// gradients), written directly for RGBA / BGRA / RGB and encoded from the same RGBA picture with EncodeYuv420sp for
// NV21 / NV12. Errors (step "benchmark.source"): sides outside [1, kImageSideMax] or odd for YUV
// (NPULENS_OUT_OF_RANGE).
Result<std::vector<uint8_t>> MakeSourceFrame(const SourceFrameSpec& spec);

struct SourceBenchmarkResult {
  std::string path;        // SourcePathName
  BenchmarkResult run;     // over each run's StageTimings::totalMs
  StageTimings p50;        // each stage's median over the timed runs (core/stats.h Percentile 50)
  size_t cpuBytesIn = 0;   // bytes the CPU read or wrote before inference, per run (the most any timed run had)
  size_t sourceBytes = 0;  // the frame's bytes
  // Median over the timed runs of (totalMs − inferenceMs) / totalMs: the share of end to end that is not the
  // model's run (on the host the AIPP emulation runs inside inferenceMs, as AIPP runs inside the NPU's run).
  double nonInferenceFraction = 0;
};

// Errors: the runner's (bad params), MakeSourceFrame's, "benchmark.source" (the memfd cannot be made), and the first
// failing run's (e.g. "aipp.config" for a format the target does not list, "run" after Release()).
Result<SourceBenchmarkResult> BenchmarkSource(InferenceSession& session, const SourceFrameSpec& source,
                                              FrameStore store, const BenchmarkParams& params, IoMode mode,
                                              BenchmarkListener* listener, BenchmarkClock clock = SteadyClockMs);

}  // namespace npulens
