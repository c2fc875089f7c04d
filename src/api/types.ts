/*
 * Types of the Node API: the native API contract, generated from the device's
 * entry/src/main/cpp/types/libentry/Index.d.ts into ./contract.generated.ts, plus what only the host has: loading a
 * model from a rawfile directory or a model file (the device loads through its ResourceManager) and inspect().
 */
import type {
  BenchmarkResult, Classifier as ContractClassifier, CompileOptions, PixelFormat,
} from './contract.generated';

export * from './contract.generated';

/** Load a manifest model from a rawfile directory (the host twin of the device's ResourceManager):
 *  `<rawfileDir>/models/manifest.json`, target 'onnx'. */
export interface LoadOptions extends CompileOptions {
  rawfileDir: string;
  /** A model id from the manifest. Unknown ids reject with code 'NPULENS_MANIFEST'. */
  modelId: string;
}

/** Pre-processing of a model given by file (the manifest's `input` fields). */
export interface InputSpecOptions {
  width: number;
  height: number;
  /** Default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
  /** Default 'RGB'. */
  colorOrder?: 'RGB' | 'BGR';
  /** Pixel units, in colorOrder order; default [0, 0, 0]. */
  mean?: number[];
  /** Pixel units, > 0; default [1, 1, 1]. */
  std?: number[];
  /** (0, 1]; default 1. */
  centerCrop?: number;
}

/** Load an ONNX model from a file (modelPath) or from memory (modelBytes, copied) with explicit pre-processing. */
export interface FileLoadOptions extends CompileOptions {
  /** Exactly one of modelPath and modelBytes. */
  modelPath?: string;
  modelBytes?: ArrayBuffer | Uint8Array;
  /** One label per line; its line count is the class count (must match the model's output). */
  labelsPath?: string;
  /** The model's class count; required without labelsPath. */
  classes?: number;
  input: InputSpecOptions;
  /** Default 'logits' (softmax applied). */
  outputKind?: 'logits' | 'probabilities';
}

/** Exact tensors of one classification (host debugging and the onnxruntime oracle tests; not on the device). */
export interface Inspection {
  /** The pre-processed input tensor bytes, as written into the model's input tensor. */
  input: ArrayBuffer;
  inputShape: number[];
  inputDType: string;
  /** Scores over all classes, by class index, exactly as classify() ranks them (probabilities for logits models). */
  probabilities: Float32Array;
}

/** The phase of the run a BenchmarkPlan announces: the benchmark runner's phases, then 'done'. */
export type BenchmarkPhase = 'first-run' | 'warmup' | 'timed' | 'done';

/** A benchmark's result without an I/O mode (a plan times whatever its caller runs). */
export type BenchmarkPlanResult = Omit<BenchmarkResult, 'mode'>;

/**
 * Host only: the native benchmark runner for a loop JavaScript drives (a peer engine timed beside ours): its
 * phases, limits and statistics, the same as Classifier.benchmark's. Errors are coded (.code, .step) as every
 * native error: record() without next() or after 'done' is a TypeError, a time < 0 or not finite a RangeError.
 */
export interface BenchmarkPlan {
  /** The phase of the next run ('done' when the plan is complete); asking again before record() repeats it. */
  next(): BenchmarkPhase;
  /** The time of the run next() announced, ms. */
  record(ms: number): void;
  /** Ends the plan before the next run; its result says cancelled. */
  cancel(): void;
  /** The statistics, once next() said 'done' (an Error before). */
  result(): BenchmarkPlanResult;
  /** Frees the native plan; later calls throw NPULENS_RELEASED. Calling it again does nothing. */
  release(): void;
}

/** The contract's Classifier plus the host-only inspect(). */
export interface Classifier extends ContractClassifier {
  /** Host only: the exact input tensor and every class score for an image (oracle tests, debugging). */
  inspect(pixels: ArrayBuffer, width: number, height: number, format: PixelFormat, stride?: number): Promise<Inspection>;
}
