// GENERATED from tools/contract/limits.json by tools/contract/generate.mjs: the limits the native side, the Node API
// and CLI, and the app share. Do not edit; edit limits.json and run `node tools/contract/generate.mjs`, which `npm run
// build:ts` runs first.
#pragma once

#include <cstdint>

namespace npulens {

// Timed runs of one benchmark (BenchmarkOptions.iterations, integer >= 1): at most this many.
inline constexpr int64_t kBenchmarkIterationsMax = 1000000;

// Timed runs of a benchmark when the caller names no count and no duration.
inline constexpr int64_t kBenchmarkIterationsDefault = 100;

// Untimed runs after a benchmark's first run (BenchmarkOptions.warmup, integer >= 0): at most this many.
inline constexpr int64_t kBenchmarkWarmupMax = 100000;

// Untimed runs after a benchmark's first run when the caller names none.
inline constexpr int64_t kBenchmarkWarmupDefault = 10;

// Time limit of one benchmark (BenchmarkOptions.durationMs, > 0): at most a day.
inline constexpr double kBenchmarkDurationMaxMs = 86400000.0;

// Classes a classification returns when the caller names no topK (capped at the class count).
inline constexpr int64_t kTopKDefault = 5;

// Largest width or height of a model's input (the manifest's input size, the Node API's input spec, --size).
inline constexpr int64_t kModelInputSideMax = 4096;

// Largest width or height of an image given to classify(); larger is out of range.
inline constexpr int64_t kImageSideMax = 16384;

// Most pixels the CLI decodes from one PNG/JPEG: 8192 x 8192, whose RGBA is imageFileMaxBytes.
inline constexpr int64_t kDecodedImagePixelsMax = 67108864;

// Largest model file read: the host runtime allocates no tensor over 1 GiB, and a phone has a few GB in all.
inline constexpr uint64_t kModelFileMaxBytes = 1073741824;  // 1 GiB

// Largest image file read: the RGBA of the largest image decoded (a PNG/JPEG of that many pixels is smaller).
inline constexpr uint64_t kImageFileMaxBytes = 268435456;  // 256 MiB

// Largest labels file read: about 100,000 labels of 40 characters.
inline constexpr uint64_t kLabelsFileMaxBytes = 4194304;  // 4 MiB

// Largest --list file read: about 40,000 paths of 100 characters.
inline constexpr uint64_t kImageListFileMaxBytes = 4194304;  // 4 MiB

// Largest manifest read: a manifest lists a few models in a few hundred bytes each.
inline constexpr uint64_t kManifestFileMaxBytes = 1048576;  // 1 MiB

// Worker threads the host runtime takes from NPULENS_THREADS or verify --threads: at most this many.
inline constexpr int64_t kHostThreadsMax = 256;

// Largest benchmark report (npulens-benchmark) the CLI reads: a few numbers per timed run, with room to spare.
inline constexpr uint64_t kBenchmarkReportFileMaxBytes = 67108864;  // 64 MiB

}  // namespace npulens
