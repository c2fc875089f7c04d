/*
 * Types of the Node API: the native API contract, generated from the device's
 * entry/src/main/cpp/types/libentry/Index.d.ts into ./contract.generated.ts, plus what only the host has: loading a
 * model from a rawfile directory or a model file (the device loads through its ResourceManager) and inspect().
 */
import type { Classifier as ContractClassifier, CompileOptions, PixelFormat } from './contract.generated';

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

/** The contract's Classifier plus the host-only inspect(). */
export interface Classifier extends ContractClassifier {
  /** Host only: the exact input tensor and every class score for an image (oracle tests, debugging). */
  inspect(pixels: ArrayBuffer, width: number, height: number, format: PixelFormat, stride?: number): Promise<Inspection>;
}
