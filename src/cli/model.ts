/*
 * Which model a CLI command loads: a manifest id, a model file, or by default the manifest's "default" model (the
 * first model with a host target when the default has none or no model is flagged).
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  Classifier, DeviceInfo, DevicePolicy, FileLoadOptions, LoadOptions, ManifestSummary, Preprocessing,
} from '../api';
import { CliError, UsageError, toCliError } from './errors';
import { sizeFlag, stringFlag, tripleFlag, type Options, type Parsed } from './args';

/** What the commands need from the API; tests substitute a fake. */
export interface Backend {
  loadClassifier(options: LoadOptions | FileLoadOptions): Promise<Classifier>;
  listDevices(): DeviceInfo[];
  readManifest(rawfileDir: string): ManifestSummary;
  /** classify --store fd: a shrink-sealed memfd holding a frame (the API's createMemfd). */
  createMemfd?(bytes: ArrayBuffer | Uint8Array, sealed?: boolean): number;
}

/** The host twin of the app's rawfile folder: $NPULENS_RAWFILE_DIR, else entry/src/main/resources/rawfile. */
export function rawfileDir(): string {
  return process.env.NPULENS_RAWFILE_DIR ??
    path.resolve(__dirname, '..', '..', 'entry', 'src', 'main', 'resources', 'rawfile');
}

export const DEVICE_POLICIES: readonly DevicePolicy[] = ['auto', 'npu', 'cpu'];

/** The flags that choose a model (chooseModel) and its device, of classify and bench. */
export const MODEL_FLAGS: Options = {
  model: { type: 'string' },
  labels: { type: 'string' },
  size: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  bgr: { type: 'boolean' },
  device: { type: 'string' },
};

/** The target the host runtime runs. */
export const HOST_TARGET = 'onnx';

export interface ModelChoice {
  load: LoadOptions | FileLoadOptions;
  /** For output: manifest id (or the file's base name), model file path, precision ('unknown' for a file). */
  id: string;
  path: string;
  precision: string;
}

/** Flags that describe the pre-processing of a model file. */
const FILE_ONLY_FLAGS = ['size', 'mean', 'std', 'bgr'];

export function looksLikeFile(model: string): boolean {
  return /\.onnx$/i.test(model) || model.includes('/') || model.includes(path.sep) || fs.existsSync(model);
}

export function chooseModel(values: Parsed['values'], backend: Backend, device: DevicePolicy | undefined): ModelChoice {
  const model = stringFlag(values, 'model');
  const labelsPath = stringFlag(values, 'labels');
  if (model !== undefined && looksLikeFile(model)) {
    const size = sizeFlag(values, 'size');
    if (size === undefined) throw new UsageError('--size WxH is required with a model file');
    if (labelsPath === undefined) throw new UsageError('--labels <file> is required with a model file (it gives the classes)');
    const load: FileLoadOptions = {
      modelPath: model,
      labelsPath,
      ...(device === undefined ? {} : { device }),
      input: {
        ...size,
        mean: tripleFlag(values, 'mean', false) ?? [0, 0, 0],
        std: tripleFlag(values, 'std', true) ?? [1, 1, 1],
        colorOrder: values.bgr === true ? 'BGR' : 'RGB',
      },
    };
    // A bare model file says nothing reliable about its precision.
    return { load, id: path.basename(model).replace(/\.onnx$/i, ''), path: model, precision: 'unknown' };
  }

  for (const flag of FILE_ONLY_FLAGS) {
    if (values[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to a model file only (manifest models carry their own pre-processing)`);
    }
  }
  const dir = rawfileDir();
  const manifest = backend.readManifest(dir);
  let entry;
  if (model === undefined) {
    entry = defaultModel(manifest);
    if (entry === undefined) throw new CliError('the manifest lists no model with an onnx target', manifest.file);
  } else {
    entry = manifest.models.find((m) => m.id === model);
    if (entry === undefined) {
      const ids = manifest.models.map((m) => m.id).join(', ');
      throw new CliError(`unknown model '${model}' (known: ${ids || 'none'})`, manifest.file);
    }
  }
  const target = entry.targets.find((t) => t.name === HOST_TARGET);
  if (target === undefined) {
    throw new CliError(`model '${entry.id}' has no onnx target; it runs on the device only`, manifest.file);
  }
  const load: LoadOptions = { rawfileDir: dir, modelId: entry.id, ...(device === undefined ? {} : { device }) };
  if (labelsPath !== undefined) {
    throw new UsageError('--labels applies to a model file only (manifest models name their labels file)');
  }
  return { load, id: entry.id, path: displayPath(target.path), precision: entry.precision };
}

/** The choice with `preprocessing` in its load options (absent: the API's default, 'auto'). */
export function withPreprocessing(choice: ModelChoice, preprocessing: Preprocessing | undefined): ModelChoice {
  return preprocessing === undefined ? choice : { ...choice, load: { ...choice.load, preprocessing } };
}

/** The manifest's default model for the host: flagged "default" and runnable here, else the first runnable one. */
export function defaultModel(manifest: ManifestSummary): ManifestSummary['models'][number] | undefined {
  const hostModels = manifest.models.filter((m) => m.targets.some((t) => t.name === HOST_TARGET));
  return hostModels.find((m) => m.default) ?? hostModels[0];
}

/** A path relative to the working directory when it lies inside it, else absolute. */
export function displayPath(p: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** Loads the chosen model, runs `fn` on it and releases it, also when `fn` throws; a load failure names the model. */
export async function withClassifier<T>(choice: ModelChoice, backend: Backend,
  fn: (c: Classifier) => Promise<T>): Promise<T> {
  let classifier: Classifier;
  try {
    classifier = await backend.loadClassifier(choice.load);
  } catch (err) {
    throw toCliError(err, choice.path);
  }
  try {
    return await fn(classifier);
  } finally {
    classifier.release();
  }
}
