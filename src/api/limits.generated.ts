/*
 * GENERATED from tools/contract/limits.json by tools/contract/generate.mjs: the limits the native side, the Node API
 * and CLI, and the app share. Do not edit; edit limits.json and run `node tools/contract/generate.mjs`, which `npm run
 * build:ts` runs first.
 */

/** Timed runs of one benchmark (BenchmarkOptions.iterations, integer >= 1): at most this many. */
export const BENCHMARK_ITERATIONS_MAX = 1000000;

/** Timed runs of a benchmark when the caller names no count and no duration. */
export const BENCHMARK_ITERATIONS_DEFAULT = 100;

/** Untimed runs after a benchmark's first run (BenchmarkOptions.warmup, integer >= 0): at most this many. */
export const BENCHMARK_WARMUP_MAX = 100000;

/** Untimed runs after a benchmark's first run when the caller names none. */
export const BENCHMARK_WARMUP_DEFAULT = 10;

/** Time limit of one benchmark (BenchmarkOptions.durationMs, > 0): at most a day. */
export const BENCHMARK_DURATION_MAX_MS = 86400000;

/** Classes a classification returns when the caller names no topK (capped at the class count). */
export const TOP_K_DEFAULT = 5;

/** Largest width or height of a model's input (the manifest's input size, the Node API's input spec, --size). */
export const MODEL_INPUT_SIDE_MAX = 4096;

/** Largest width or height of an image given to classify(); larger is out of range. */
export const IMAGE_SIDE_MAX = 16384;

/** Most pixels the CLI decodes from one PNG/JPEG: 8192 x 8192, whose RGBA is imageFileMaxBytes. */
export const DECODED_IMAGE_PIXELS_MAX = 67108864;

/** Largest model file read: the host runtime allocates no tensor over 1 GiB, and a phone has a few GB in all. */
export const MODEL_FILE_MAX_BYTES = 1073741824;  // 1 GiB

/** Largest image file read: the RGBA of the largest image decoded (a PNG/JPEG of that many pixels is smaller). */
export const IMAGE_FILE_MAX_BYTES = 268435456;  // 256 MiB

/** Largest labels file read: about 100,000 labels of 40 characters. */
export const LABELS_FILE_MAX_BYTES = 4194304;  // 4 MiB

/** Largest --list file read: about 40,000 paths of 100 characters. */
export const IMAGE_LIST_FILE_MAX_BYTES = 4194304;  // 4 MiB

/** Largest manifest read: a manifest lists a few models in a few hundred bytes each. */
export const MANIFEST_FILE_MAX_BYTES = 1048576;  // 1 MiB

/** Worker threads the host runtime takes from NPULENS_THREADS or verify --threads: at most this many. */
export const HOST_THREADS_MAX = 256;

/** Largest benchmark report (npulens-benchmark) the CLI reads: a few numbers per timed run, with room to spare. */
export const BENCHMARK_REPORT_FILE_MAX_BYTES = 67108864;  // 64 MiB
