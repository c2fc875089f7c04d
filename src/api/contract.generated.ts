/*
 * GENERATED from entry/src/main/cpp/types/libentry/Index.d.ts by tools/contract/generate.mjs: the shared part of
 * the native API contract. Do not edit; edit Index.d.ts and run `node tools/contract/generate.mjs`
 * (`npm run build:ts` runs it).
 */

/** Which device to run on. 'npu' = the NNRt device named HIAI_F or fail. 'auto' = HIAI_F when present; else, for a
 *  model another device can build (the host runtime's ONNX), the first device (the reason is reported). 'cpu' = the
 *  first device of type CPU. A CANN .om builds only on HIAI_F (every other NNRt device refuses offline models): for
 *  one, 'auto' without HIAI_F and 'cpu' fail with NPULENS_DEVICE_NOT_FOUND at step 'device.select' ("this phone
 *  exposes no NPU for this model", with the devices seen). */
export type DevicePolicy = 'auto' | 'npu' | 'cpu';

/** 'zero-copy': pre-processing writes straight into the NNRt input tensor (device shared memory).
 *  'copy': pre-processing writes into a host buffer that is then copied into the tensor (for comparison). */
export type IoMode = 'zero-copy' | 'copy';

/** CANN Kit tuning (HMS_HiAIOptions_SetTuningMode); 'auto'/'heter' need CompileOptions.tuningCacheDir. */
export type TuningMode = 'off' | 'auto' | 'heter';
/** CANN Kit band mode (HMS_HiAIOptions_SetBandMode). 'unset' = the option is not set. */
export type BandMode = 'unset' | 'low' | 'normal' | 'high';
/** OH_NNCompilation_SetPriority. */
export type Priority = 'none' | 'low' | 'medium' | 'high';
/** OH_NNCompilation_SetPerformanceMode. */
export type PerformanceMode = 'none' | 'low' | 'medium' | 'high' | 'extreme';
/** Layout of the caller's pixels: 4 bytes per pixel for RGBA/BGRA (alpha ignored), 3 for RGB. 'NV21' / 'NV12' are
 *  YUV420SP camera frames (full-range BT.601, the JPEG colour space): the Y plane, `height` rows of `stride` bytes
 *  (stride = the Y row stride, ≥ width), then the interleaved chroma plane (V,U pairs for NV21, U,V for NV12) of
 *  height / 2 rows of `stride` bytes; width and height even; the buffer holds at least
 *  stride * (height * 3 / 2 - 1) + width bytes (the last row needs no padding). */
export type PixelFormat = 'RGBA' | 'BGRA' | 'RGB' | 'NV21' | 'NV12';
/** Clockwise degrees that turn a frame upright before classification: a camera frame arrives in the sensor's
 *  orientation (a phone held upright gives frames turned 90°), so the app passes the sensor orientation combined with
 *  the display rotation. */
export type Rotation = 0 | 90 | 180 | 270;
/** Who pre-processes the image (colour conversion, crop, resize, normalisation). 'cpu' = our CPU code writes the
 *  model input. 'aipp' = the pixels go to the runtime as they are, with dynamic AIPP parameters (HiAI_AippParam), and
 *  the NPU's AIPP unit converts them (the host runtime emulates it); the model target must declare dynamic AIPP.
 *  'auto' = 'aipp' when the model target declares dynamic AIPP, else 'cpu' (ModelInfo.preprocessingReason says
 *  which and why). */
export type Preprocessing = 'auto' | 'cpu' | 'aipp';
/** AIPP the model target was converted with (manifest "aipp".mode): 'dynamic' = parameters per call (what the 'aipp'
 *  pre-processing needs), 'static' = fixed in the model at conversion, 'none'. */
export type AippMode = 'dynamic' | 'static' | 'none';
/** A source image format the model target's AIPP accepts (manifest "aipp".formats). */
export type AippFormat = 'NV21' | 'NV12' | 'RGBA' | 'BGRA' | 'RGB' | 'BGR';
/** NNRt device type (OH_NN_DeviceType). */
export type DeviceType = 'cpu' | 'gpu' | 'accelerator' | 'other';
export type Precision = 'fp32' | 'fp16' | 'int8';
/** What a model's output holds: raw logits (its scores are their softmax) or probabilities (the scores as they are). */
export type OutputKind = 'logits' | 'probabilities';

/** Compilation options, the same for every way of loading a model. */
export interface CompileOptions {
  /** Default 'auto'. */
  device?: DevicePolicy;
  /** Default I/O mode of classify(); default 'zero-copy'. */
  ioMode?: IoMode;
  /** Default 'off'. */
  tuningMode?: TuningMode;
  /** Required when tuningMode is 'auto' or 'heter' (TypeError without it) and must exist; the app passes
   *  context.filesDir. */
  tuningCacheDir?: string;
  /** Default 'unset'. */
  bandMode?: BandMode;
  /** Default 'none' (the option is not set). */
  priority?: Priority;
  /** Default 'none' (the option is not set). */
  performanceMode?: PerformanceMode;
  /** OH_NNCompilation_EnableFloat16; default false (not set). */
  fp16?: boolean;
  /** OH_NNCompilation_SetCache directory (must exist); absent = no compilation cache. */
  cacheDir?: string;
  /** Cache version for cacheDir; integer ≥ 0, default 1. */
  cacheVersion?: number;
  /** Default 'auto'. 'aipp' on a model target without dynamic AIPP rejects with code 'NPULENS_UNSUPPORTED' (step
   *  'session.config'), naming the target's AIPP mode. */
  preprocessing?: Preprocessing;
  /** Images per inference: one of the model's ModelInfo.batchSizes (RangeError otherwise); default the smallest.
   *  Chosen at load: on a model with batch profiles (an .om converted with omg --dynamic_dims, an ONNX target
   *  whose manifest entry lists batchSizes) the input is built for this batch. */
  batchSize?: number;
  /** HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_PROFILING, profilingDir) (CANN Kit API 18, looked up at run time:
   *  on an older system the option is reported refused, never fatal). The runtime writes its profile files there
   *  (the host runtime: per-op CSV). Must exist. */
  profilingDir?: string;
  /** HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_DUMP, dumpDir), looked up at run time as profilingDir: the runtime
   *  dumps every inference's tensors there (the host runtime: <dumpDir>/<model>/run<N>/index.json and one float32
   *  file per op output, read by `npulens verify --layers --engine ours`). Must exist. Not with profilingDir
   *  (TypeError): SetOmOptions takes one HiAI_OmType per compilation. */
  dumpDir?: string;
  /** Each ClassifyResult carries `output`: the model's output tensor as float32 (dequantized), for export and
   *  verification against the host. Default false. */
  returnOutput?: boolean;
}

export interface DeviceInfo {
  /** NNRt device name, e.g. 'HIAI_F' on a Kirin phone. */
  name: string;
  type: DeviceType;
  /** The policies that would pick this device (empty when none would). */
  selectedBy: DevicePolicy[];
}

export interface DeviceRef {
  name: string;
  type: DeviceType;
}

export interface TensorInfo {
  name: string;
  /** Dimensions, e.g. [1, 3, 224, 224]. */
  shape: number[];
  /** 'float32' | 'float16' | 'int8' | 'uint8' | ..., or 'OH_NN_<n>' for other NNRt data types. */
  dtype: string;
  /** 'NONE' | 'NCHW' | 'NHWC' | 'ND'. */
  format: string;
  /** Size of the tensor's buffer in bytes. */
  byteLength: number;
}

/** One compilation option and what the device did with it. On the phone options are recorded when set and
 *  applied by Build, which fails when the device does not support one; an optional option (everything but the
 *  tuning pair) that Build refuses is left out and the model is built without it, so a load never fails for one. */
export interface OptionReport {
  /** 'tuning_mode' | 'tuning_cache_dir' | 'band_mode' | 'performance_mode' | 'priority' | 'float16' | 'cache' |
   *  'om_options' (value 'PROFILING:<dir>' or 'DUMP:<dir>'). */
  name: string;
  /** The requested value as text. */
  value: string;
  /** Applied in the compilation the classifier runs on. */
  accepted: boolean;
  /** 'OH_NN_SUCCESS' when accepted, else the NNRt/CANN code name the device returned. */
  code: string;
  /** '' when accepted; else 'refused when set[: why]' or 'OH_NNCompilation_Build failed with it[: why]' (the
   *  why is the host runtime's text; the phone gives none). */
  detail: string;
}

/** Result of the CANN compatibility check (HMS_HiAICompatibility) before Build. */
export type Compatibility = 'compatible' | 'incompatible' | 'not checked';

/** The model target's AIPP declaration (the manifest's "aipp", merged per target; mode 'none' when absent). */
export interface AippInfo {
  mode: AippMode;
  /** The largest source image the dynamic AIPP input takes, bytes (max_src_image_size at conversion); 0 = none. */
  maxSrcImageSize: number;
  /** The source formats the target's AIPP accepts; empty for mode 'none'. */
  formats: AippFormat[];
}

export interface ModelInfo {
  modelId: string;
  title: string;
  precision: Precision;
  /** The model file actually loaded (relative to rawfile models/). */
  file: string;
  device: DeviceRef;
  /** The policy used. */
  policy: DevicePolicy;
  /** Why this device was chosen, e.g. 'no HIAI_F device; auto picked the first device'. */
  selection: string;
  /** Every NN device seen at load, in NNRt order. */
  devicesSeen: DeviceRef[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** What the output holds (the manifest's output.kind, or the file load's outputKind). */
  outputKind: OutputKind;
  /** Class count (= labels.length when the manifest has labels). */
  classes: number;
  /** The labels the model loaded, one per class ('#<index>' for a model without labels, as in TopEntry.label). */
  labels: string[];
  /**
   * Worker threads the runtime runs this model on: on the host, 1 for a model too small to gain from threads unless
   * a count was set (setThreadCount, NPULENS_THREADS); 0 where the runtime does not say (NNRt devices on the phone).
   */
  threads: number;
  /** Reading the model bytes, ms. */
  loadMs: number;
  /** Compilation construct + options + build + executor + tensors, ms. */
  compileMs: number;
  options: OptionReport[];
  compatibility: Compatibility;
  /** Default I/O mode of classify(). */
  ioMode: IoMode;
  /** The pre-processing classify() uses, resolved from LoadOptions.preprocessing ('auto' never appears here). */
  preprocessing: 'cpu' | 'aipp';
  /** Why, e.g. 'auto: the target declares dynamic AIPP' or 'auto: the target has no dynamic AIPP (mode none)'. */
  preprocessingReason: string;
  /** The model target's AIPP declaration. */
  aipp: AippInfo;
  /** The batch sizes the model takes (its profiles), ascending; [1] for a fixed batch-1 model. */
  batchSizes: number[];
  /** The batch size this classifier runs (LoadOptions/CompileOptions.batchSize). */
  batchSize: number;
}

export interface TopEntry {
  /** 1-based rank. */
  rank: number;
  /** Class index in the model output. */
  index: number;
  /** The label, or '#<index>' without a labels file. */
  label: string;
  /** Probability in [0, 1] (after softmax for logits models). */
  score: number;
}

export interface Timings {
  /** CPU pre-processing into the model input, ms (0 on the AIPP path: the runtime's AIPP runs inside inference). */
  preprocessMs: number;
  /** memcpy of the input into the tensor ('copy' mode; 0 in 'zero-copy'). */
  copyInMs: number;
  /** AIPP path: copying the frame into the AIPP input tensor, ms; 0 when classifyFd wrapped the fd (no copy) and on
   *  the CPU path. */
  frameCopyMs: number;
  /** Bytes the CPU read or wrote before inference, each copy counted as read plus written (an fd read as read):
   *  the pixels taken out of the caller's buffer or fd, the pre-processing (pixels read, tensor written), the frame
   *  copy into the AIPP tensor, copy mode's memcpy; 0 when the runtime reads the frame where it lies (classifyFd on
   *  the AIPP path over a sealed memfd or device memory). */
  cpuBytesIn: number;
  /** OH_NNExecutor_RunSync. */
  inferenceMs: number;
  /** memcpy of the output out of the tensor ('copy' mode; 0 in 'zero-copy'). */
  copyOutMs: number;
  postprocessMs: number;
  /** Wall time of the native job (pre + inference + post + bookkeeping), ms. */
  totalMs: number;
}

/** What went into the AIPP input: 'frame' = the frame itself (copied, or its fd wrapped); 'cpu-resized' = AIPP
 *  could not take the frame as it is (over aipp.maxSrcImageSize, a side outside 16..4096, a resize over 16x per axis,
 *  or a format aipp.formats does not list) and the target lists RGB: the CPU cropped and resized it to the model size
 *  as RGB888 (timings.preprocessMs, cpuBytesIn) and AIPP only converted the data type. A dynamic-AIPP model takes only
 *  raw images, so this, not the CPU path, is what the phone can do with such a frame. */
export type AippSource = 'frame' | 'cpu-resized';

export interface ClassifyResult {
  top: TopEntry[];
  timings: Timings;
  /** Name of the device that ran it. */
  device: string;
  ioMode: IoMode;
  /** AIPP path only (absent on the CPU path): what went into the AIPP input. */
  aippSource?: AippSource;
  /** 'cpu-resized' only: why AIPP could not take the frame (e.g. "the RGBA 4032x3024 frame is 48771072 bytes, over
   *  the model's AIPP limit of 3110400 (aipp.maxSrcImageSize)"). */
  aippSourceReason?: string;
  /** With returnOutput: the output tensor of this image, float32 (classes values). */
  output?: number[];
}

/** One image of classifyBatch(), as the arguments of classify(). */
export interface BatchImage {
  pixels: ArrayBuffer;
  width: number;
  height: number;
  format: PixelFormat;
  stride?: number;
  rotation?: Rotation;
}

export interface BenchmarkOptions {
  /** Timed runs, integer in [1, 1000000]; default 100. With durationMs, the maximum. */
  iterations?: number;
  /** Untimed runs after the first run, integer in [0, 100000]; default 10. */
  warmup?: number;
  /** Stop timed runs after this much time (ms, > 0); default: no time limit. */
  durationMs?: number;
  /** Default: the classifier's ioMode. */
  mode?: IoMode;
  /**
   * Time the whole way from a source frame to the result instead of the model alone: each run classifies a synthetic
   * frame of this size and format (a colour pattern; NV21/NV12 encoded from it with the CPU path's matrix) on the
   * classifier's path: its ModelInfo.preprocessing ('cpu': pre-processing into a host buffer + memcpy in 'copy' mode,
   * straight into the input tensor in 'zero-copy'; 'aipp': the frame copied into the AIPP input tensor), or with
   * store 'fd' from a shrink-sealed memfd (classifyFd: on the AIPP path wrapped with no CPU pass). The result then
   * carries source, path, stagesP50Ms, cpuBytesIn and nonInferenceFraction. width, height: integers in [1, 16384],
   * even for NV21/NV12 (RangeError); a format the AIPP path does not take rejects with NPULENS_UNSUPPORTED at
   * 'aipp.config'.
   */
  source?: BenchmarkSource;
}

export interface BenchmarkSource {
  width: number;
  height: number;
  format: PixelFormat;
  /** Where the frame lives: 'memory' (classify, the default) or 'fd' (a shrink-sealed memfd, classifyFd). */
  store?: FrameStore;
}

export type FrameStore = 'memory' | 'fd';

/** The way from a source frame to the model a source benchmark timed. */
export type BenchmarkPath = 'cpu+copy' | 'cpu+zero-copy' | 'aipp+copy' | 'aipp+fd' | 'cpu+fd+copy' | 'cpu+fd+zero-copy';

/** The frame a source benchmark classified: BenchmarkSource's size and format, and its bytes (rows packed). */
export interface BenchmarkSourceInfo {
  width: number;
  height: number;
  format: PixelFormat;
  bytes: number;
}

/** Each stage's median over the timed runs of a source benchmark, ms (the fields of Timings). */
export interface StageMedians {
  preprocessMs: number;
  frameCopyMs: number;
  copyInMs: number;
  inferenceMs: number;
  copyOutMs: number;
  postprocessMs: number;
  totalMs: number;
}

export interface BenchmarkProgress {
  /** Timed runs finished. */
  done: number;
  total: number;
  /** Latency of the last timed run, ms. */
  lastMs: number;
}

export interface LatencyStats {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  std: number;
}

export interface BenchmarkResult {
  mode: IoMode;
  /** Timed runs completed (fewer than requested when cancelled or time-limited). */
  iterations: number;
  warmup: number;
  /** The benchmark's first run, before warm-up (the first inference after load when nothing ran before), ms. */
  firstRunMs: number;
  /** One latency per timed run, ms: RunSync, plus the input/output memcpy in 'copy' mode. */
  samplesMs: number[];
  latencyMs: LatencyStats;
  /** Timed runs per second of wall time. */
  throughputPerSec: number;
  /** p50 of each of up to 10 consecutive slices of the timed runs, ms (the same percentile as latencyMs). */
  windowP50Ms: number[];
  /** The last slice's p50 over the first's: 1 = steady, > 1 = slower at the end (e.g. thermal throttling). */
  drift: number;
  /** At least 1024 timed runs covering at least 60 s of run time (MLPerf Mobile's minimum for a reportable figure). */
  valid: boolean;
  /** True when cancel() stopped it. */
  cancelled: boolean;
  /** With options.source: the frame each run classified (bytes: its size, rows packed); samplesMs are then end to end. */
  source?: BenchmarkSourceInfo;
  path?: BenchmarkPath;
  /** With options.source: who pre-processed (ModelInfo.preprocessing). */
  preprocessing?: 'cpu' | 'aipp';
  /** With options.source: each stage's median (totalMs: end to end, the samples' p50). */
  stagesP50Ms?: StageMedians;
  /** With options.source: bytes the CPU read or wrote before inference in one run (as Timings.cpuBytesIn). */
  cpuBytesIn?: number;
  /** With options.source: median share of end to end that is not inference, in [0, 1]. */
  nonInferenceFraction?: number;
  /** Images per run: the classifier's batch size (each run of a model benchmark is the whole batch; its latency is
   *  the batch's); 1 for a source benchmark, which classifies one frame per run. */
  batchSize: number;
  /** Images per second of wall time (throughputPerSec x batchSize). */
  imagesPerSec: number;
}

/**
 * The shape of every error this API rejects or throws: Error, TypeError (wrong type or shape of an argument, code
 * 'NPULENS_INVALID_ARGUMENT') or RangeError (out of range, code 'NPULENS_OUT_OF_RANGE') instances, all carrying these
 * fields; the message reads `<step>: <CODE> (<number>): <detail>`.
 */
export interface NpuLensError {
  name: string;
  message: string;
  /** NNRt code name ('OH_NN_*') or ours ('NPULENS_*'). */
  code: string;
  /** The step that failed, e.g. 'compile.build'. */
  step: string;
}

/** A picture's size in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

export interface Classifier {
  /** Filled at load; stays readable after release(). */
  readonly info: ModelInfo;

  /**
   * Classify pixels (top-left origin). The rows the image uses are copied into native memory during the call (a
   * memcpy of width * height * bytes per pixel; the buffer may change or be detached as soon as the call returns).
   * stride: bytes per row, default width * bytes per pixel, must be ≥ that. topK: integer in [1, classes], default 5
   * (capped at classes). The buffer must hold at least stride * (height - 1) + width * bytes per pixel bytes.
   * NV21 / NV12 (see PixelFormat): stride = the Y row stride, default width; width and height even (RangeError
   * otherwise); the buffer holds at least stride * (height * 3 / 2 - 1) + width bytes. On the AIPP path
   * (info.preprocessing 'aipp') a frame AIPP cannot take as it is - a format the target's AIPP does not list, a
   * frame over info.aipp.maxSrcImageSize (its size as the AIPP source: width x height x 4 for RGBA/BGRA, x 3 for
   * RGB, x 3 / 2 for NV21/NV12), a side outside 16..4096, a resize over 16x per axis - is cropped and resized on the
   * CPU to the model size as RGB888 when info.aipp.formats lists 'RGB' (result.aippSource 'cpu-resized' with the
   * reason); otherwise it rejects at step 'aipp.config' naming the format or the limit: code 'NPULENS_UNSUPPORTED'
   * for the format, a RangeError ('NPULENS_OUT_OF_RANGE') for a size.
   * rotation: clockwise degrees, 0 | 90 | 180 | 270 (default 0), that turn the image upright before classification
   * (a camera frame arrives in the sensor's orientation: see Rotation). The frame is cropped and resized as it is
   * and the model-size result turned. Dynamic AIPP cannot rotate (the guide: rotation only in static AIPP), so on
   * the AIPP path a rotated frame is cropped, resized and turned on the CPU like a frame AIPP cannot take
   * (result.aippSource 'cpu-resized' with that reason; without 'RGB' in info.aipp.formats it rejects at step
   * 'aipp.config', code 'NPULENS_UNSUPPORTED'). TypeError for a non-number, RangeError for any other number.
   * Async; rejects: TypeError, RangeError (see above), Error code 'NPULENS_RELEASED' after release(), NNRt errors.
   */
  classify(pixels: ArrayBuffer, width: number, height: number, format: PixelFormat, stride?: number,
    topK?: number, rotation?: Rotation): Promise<ClassifyResult>;

  /**
   * Classify 1..info.batchSize images in ONE inference (the input holds info.batchSize images; unused slots are
   * zero and their outputs dropped). Each image as for classify(). Results in input order; each result's timings
   * are the batch's (inferenceMs for the whole run). Rejects like classify(); TypeError when images is not an array
   * of BatchImage; RangeError for 0 or more than info.batchSize images. classify() on a classifier with a batch size
   * above 1 runs the image in the first slot (the others zero). A batch size above 1 needs the CPU pre-processing:
   * with dynamic AIPP the load rejects with NPULENS_UNSUPPORTED at 'session.config'.
   */
  classifyBatch(images: BatchImage[], topK?: number): Promise<ClassifyResult[]>;

  /**
   * Classify from fd-backed memory: `fd` is a regular file or a memfd (e.g. a file in filesDir holding raw pixels)
   * whose bytes [offset, offset + byteLength) hold the pixels as for classify(). The pixels never pass through JS.
   * On the AIPP path, when the fd is a memfd sealed against shrinking (F_SEAL_SHRINK) or device memory, the runtime
   * maps it as the AIPP input tensor (OH_NNTensor_CreateWithFd) and reads the frame where it lies: no CPU copy
   * (timings.frameCopyMs 0, cpuBytesIn 0); the fd is borrowed until the Promise settles, so do not write to it
   * before then. Otherwise the native side reads the bytes with pread into native memory during the call (never a
   * mapping of an fd that can shrink: a mapped file that someone truncates would kill the process with SIGBUS). The
   * fd stays owned by the caller (not closed) and may be closed, rewritten or truncated once the call has returned.
   * offset must be a multiple of 4096. Rejects as classify(), plus code 'NPULENS_IO' (step 'fd.read') when the fd is
   * not a regular file or memfd (a FIFO, socket, device or directory), cannot be read, or holds fewer than
   * offset + byteLength bytes (also when it shrinks during the read). rotation as for classify(); on the AIPP path a
   * rotated frame is read (pread), never wrapped, and turned on the CPU.
   */
  classifyFd(fd: number, offset: number, byteLength: number, width: number, height: number, format: PixelFormat,
    stride?: number, topK?: number, rotation?: Rotation): Promise<ClassifyResult>;

  /**
   * Run the model repeatedly on a fixed pre-processed input (a mid-grey image): 1 first run, `warmup` untimed runs,
   * then timed runs. onProgress is called on the JS thread (throttled, at least at the end).
   * Async; resolves with cancelled = true and the runs so far when cancel() is called; rejects like classify().
   */
  benchmark(options: BenchmarkOptions, onProgress?: (progress: BenchmarkProgress) => void): Promise<BenchmarkResult>;

  /**
   * The size to decode a width x height picture at for this model (ImageKit's desiredSize, a JPEG decoder's
   * shrink-on-load): the smallest, aspect kept and sides rounded up, at which the region the pre-processing reads
   * (the centred crop of side centerCrop x the shorter side, or the whole picture when centerCrop is 1) still has the
   * model input's pixels on each axis; the picture's own size when it has no more than that (never upscaled).
   * classify() then resizes what was decoded to the input. Sync; throws TypeError (width or height not a number),
   * RangeError (not an integer, or outside 1..2147483647), Error code 'NPULENS_RELEASED' after release().
   */
  decodeSize(width: number, height: number): ImageSize;

  /** Stop a running benchmark (no effect otherwise). Sync; never throws. */
  cancel(): void;

  /**
   * Free the native model. Work already running finishes (its Promise settles normally); queued work and every
   * later call reject with code 'NPULENS_RELEASED'. Calling it again does nothing. Sync; never throws.
   */
  release(): void;
}

/** One model of the manifest as a model picker shows it (listModels), in manifest order. */
export interface ModelCatalogEntry {
  id: string;
  title: string;
  precision: Precision;
  pretrained: boolean;
  /** The manifest's "default": the model to open when none is named (at most one is). */
  isDefault: boolean;
  /** The model's input size, as the manifest gives it (before a target's override). */
  inputWidth: number;
  inputHeight: number;
  /** Class count (= the labels file's lines when the model has labels). */
  classes: number;
  /**
   * The model file this platform runs (the device: target 'om'; the host: 'onnx'), relative to the manifest's
   * folder; '' when the model has no such target (it cannot run here).
   */
  file: string;
}
