/*
 * NpuLens Node API: the host twin of libentry.so (entry/src/main/cpp/types/libentry/Index.d.ts).
 * Loading differs (a rawfile directory or a model file instead of a ResourceManager); the Classifier is the same.
 */
import path from 'node:path';
import { native, type ManifestSummary } from './native';
import type {
  BenchmarkOptions, BenchmarkPlan, Classifier, DeviceInfo, FileLoadOptions, LatencyStats, LoadOptions, ModelCatalogEntry,
} from './types';

export * from './types';
export type { ManifestModelSummary, ManifestSummary, ManifestTargetSummary } from './native';

/** The manifest of a rawfile directory: `<rawfileDir>/models/manifest.json`. */
export function manifestPathOf(rawfileDir: string): string {
  return path.join(rawfileDir, 'models', 'manifest.json');
}

/**
 * The TypeError the addon gives for an argument of the wrong type: `.code` 'NPULENS_INVALID_ARGUMENT' (1000), `.step`
 * the function, the message `<step>: NPULENS_INVALID_ARGUMENT (1000): <detail>` (the uniform error contract).
 */
function invalidArgument(step: string, detail: string): TypeError {
  return Object.assign(new TypeError(`${step}: NPULENS_INVALID_ARGUMENT (1000): ${detail}`),
    { code: 'NPULENS_INVALID_ARGUMENT', step });
}

/**
 * Load a model, off the JS thread. Either `{ rawfileDir, modelId, ... }` (a manifest model, its 'onnx' target) or
 * `{ modelPath | modelBytes, input: {width, height, ...}, labelsPath? | classes?, ... }` (a model file or its bytes
 * with explicit pre-processing).
 * Rejects with TypeError / RangeError for bad options, Error otherwise; every one carries .code and .step.
 */
export function loadClassifier(options: LoadOptions | FileLoadOptions): Promise<Classifier> {
  try {
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument('loadClassifier', 'options must be an object');
    }
    if ('rawfileDir' in options) {
      const { rawfileDir, ...rest } = options;
      if (typeof rawfileDir !== 'string') throw invalidArgument('loadClassifier', 'options.rawfileDir must be a string');
      return native().loadClassifier({ ...rest, manifestPath: manifestPathOf(rawfileDir) });
    }
    return native().loadClassifier(options);
  } catch (err) {
    // Promise-returning API: even a throwing getter or proxy trap in the options becomes a rejection, a coded
    // TypeError like the addon's for a throwing option getter (errors that already carry .code pass unchanged).
    if (typeof (err as { code?: unknown })?.code === 'string') return Promise.reject(err);
    return Promise.reject(invalidArgument('loadClassifier', `reading options threw: ${(err as Error)?.message ?? String(err)}`));
  }
}

/** The NN devices the host runtime offers and which policy picks each (the host has no NPU: no HIAI_F). */
export function listDevices(): DeviceInfo[] {
  return native().listDevices();
}

/** The validated manifest of a rawfile directory (cpp/core parses it, as on the device). */
export function readManifest(rawfileDir: string): ManifestSummary {
  if (typeof rawfileDir !== 'string') throw invalidArgument('readManifest', 'rawfileDir must be a string');
  return native().readManifest(manifestPathOf(rawfileDir));
}

/**
 * The models of a rawfile directory's manifest as the app's model picker gets them on the device (listModels of
 * libentry.so), with each model's 'onnx' file ('' without one). Rejects like readManifest throws.
 */
export function listModels(rawfileDir: string): Promise<ModelCatalogEntry[]> {
  if (typeof rawfileDir !== 'string') return Promise.reject(invalidArgument('listModels', 'rawfileDir must be a string'));
  return native().listModels(manifestPathOf(rawfileDir));
}

/**
 * The native benchmark runner as a plan a JavaScript loop drives (warm-up, first run, timed loop, statistics): for
 * timing what the addon does not run, e.g. a peer engine. Options as Classifier.benchmark's (no mode).
 */
export function createBenchmarkPlan(options?: Omit<BenchmarkOptions, 'mode'>): BenchmarkPlan {
  return native().createBenchmarkPlan(options);
}

/** min, p50, p90, p99, max, mean, std of a series, ms: the runner's statistics (R-7 percentiles), computed natively. */
export function latencyStats(samplesMs: number[]): LatencyStats {
  return native().latencyStats(samplesMs);
}

/**
 * A memfd holding a copy of `bytes`, sealed against shrinking unless `sealed` is false: the host's stand-in for the
 * device memory a camera frame lives in on the phone. Classifier.classifyFd on the AIPP path hands such an fd to the
 * runtime without a CPU copy. The caller owns the fd (fs.closeSync).
 */
export function createMemfd(bytes: ArrayBuffer | Uint8Array, sealed = true): number {
  return native().createMemfd(bytes, sealed);
}

/** Worker threads of the host runtime for models loaded afterwards (0 = default: $NPULENS_THREADS or all CPUs). */
export function setThreadCount(threads: number): void {
  native().setThreadCount(threads);
}
