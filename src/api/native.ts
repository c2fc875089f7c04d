/*
 * The compiled addon (build/Release/npulens.node, from cpp/binding) and the shape of what it exports on Node.
 * The TypeScript API (./index.ts) is a thin layer over it; argument checking and error mapping live in C++ so the
 * device and the host behave the same.
 */
import path from 'node:path';
import type {
  BenchmarkOptions, BenchmarkPlan, Classifier, CompileOptions, DeviceInfo, DeviceType, InputSpecOptions, LatencyStats,
  ModelCatalogEntry, Precision,
} from './types';

/** What the addon's loadClassifier takes on Node: either a manifest model or a model file. */
export interface NativeLoadSpec extends CompileOptions {
  manifestPath?: string;
  modelId?: string;
  modelPath?: string;
  modelBytes?: ArrayBuffer | Uint8Array;
  labelsPath?: string;
  classes?: number;
  input?: InputSpecOptions;
  outputKind?: 'logits' | 'probabilities';
}

export interface ManifestTargetSummary {
  /** Target name: 'onnx' (host) or 'om' (device). */
  name: string;
  /** Relative to the manifest's folder. */
  file: string;
  /** The same, resolved against the manifest's folder. */
  path: string;
  sha256: string;
}

export interface ManifestModelSummary {
  id: string;
  title: string;
  precision: Precision;
  pretrained: boolean;
  /** The manifest's "default" flag: the model to open when none is named. */
  default: boolean;
  notes: string;
  /** Resolved labels path, or '' without labels. */
  labelsPath: string;
  inputWidth: number;
  inputHeight: number;
  /** Fraction of the shorter side kept before resizing. */
  centerCrop: number;
  classes: number;
  targets: ManifestTargetSummary[];
}

export interface ManifestSummary {
  file: string;
  directory: string;
  models: ManifestModelSummary[];
}

/**
 * What a test device supports (host runtime: HostNN_TestDeviceProfile). Build checks the recorded compilation
 * options against it in the device's order and refuses an unsupported one with OH_NN_OPERATION_FORBIDDEN.
 */
export interface TestDeviceProfile {
  /** Model cache (cacheDir). */
  cache?: boolean;
  /** fp16: true. */
  float16?: boolean;
  performanceMode?: boolean;
  priority?: boolean;
  /** CANN tuning mode / tuning cache dir. */
  tuning?: boolean;
  /** CANN band mode. */
  bandMode?: boolean;
  /** CANN OM options. */
  omOptions?: boolean;
  /** Builds offline models (HIAI_F does; the open NNRt backend does not). */
  offlineModels?: boolean;
  /** Build sleeps this long first (a slow Build, e.g. tuning). */
  buildDelayMs?: number;
}

export interface NativeAddon {
  loadClassifier(spec: NativeLoadSpec): Promise<Classifier>;
  listDevices(): DeviceInfo[];
  /** Parses and validates a manifest with cpp/core (throws Error with .code 'NPULENS_MANIFEST' / 'NPULENS_IO'). */
  readManifest(manifestPath: string): ManifestSummary;
  /** The manifest's models with their 'onnx' file, read off the JS thread by the native model loader. */
  listModels(manifestPath: string): Promise<ModelCatalogEntry[]>;
  /**
   * Tests only: extra named devices in the host runtime, to exercise device selection; `profile` says what the
   * device supports (absent fields: supported, offline models accepted, no delay). Throws TypeError for a wrong
   * type, RangeError for an unknown device type or a buildDelayMs outside 0..600000.
   */
  registerTestDevice(name: string, type: DeviceType, profile?: TestDeviceProfile): void;
  resetTestDevices(): void;
  /** Tests only: native classifiers alive (each owns a session); release() brings the count down without GC. */
  nativeClassifierCount(): number;
  /** Host runtime worker threads for executors built afterwards (0 = default). */
  setThreadCount(threads: number): void;
  createBenchmarkPlan(options?: BenchmarkOptions): BenchmarkPlan;
  latencyStats(samplesMs: number[]): LatencyStats;
  /**
   * A memfd holding a copy of `bytes` (the host's stand-in for a camera frame's device memory), sealed against
   * shrinking unless `sealed` is false: classifyFd on the AIPP path maps a sealed one without a copy. The caller
   * owns the fd (fs.closeSync). Throws TypeError for a non-buffer, Error 'NPULENS_IO' when the kernel refuses.
   */
  createMemfd(bytes: ArrayBuffer | Uint8Array, sealed?: boolean): number;
}

let cached: NativeAddon | undefined;

/** Path of the addon: $NPULENS_ADDON, else build/Release/npulens.node at the package root. */
export function addonPath(): string {
  return process.env.NPULENS_ADDON ?? path.resolve(__dirname, '..', '..', 'build', 'Release', 'npulens.node');
}

export function native(): NativeAddon {
  if (cached === undefined) {
    const file = addonPath();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require(file) as NativeAddon;
    } catch (err) {
      const e = new Error(`native addon not loadable: ${(err as Error).message.split('\n')[0]}; run \`npm run build:native\``) as
        Error & { code: string; step: string };
      e.code = 'NPULENS_IO';
      e.step = file;
      throw e;
    }
  }
  return cached;
}
