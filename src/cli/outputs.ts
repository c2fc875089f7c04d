/*
 * The raw output export (docs/output-export.schema.json, npulens-outputs/1): the model's output tensor per image, as
 * float32 values (LoadOptions.returnOutput). Written by `npulens classify --save-outputs F.json` and by the app
 * (Benchmark screen: the golden samples and picked photos on the phone), read by `npulens verify --device-outputs`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClassifyResult, ModelInfo } from '../api';
import { CliError } from './errors';
import { readRegularFile, type FileKind } from './files';
import { rawfileDir } from './model';

export const OUTPUT_EXPORT_FORMAT = 'npulens-outputs/1';

export interface ExportedImage {
  /** The image's file name without folders: a rawfile samples/ name for source 'sample'. */
  file: string;
  source: 'sample' | 'photo';
  output: number[];
  top1?: { index: number; label: string; score: number };
}

export interface OutputExport {
  format: typeof OUTPUT_EXPORT_FORMAT;
  producer: 'npulens classify' | 'NpuLens app';
  createdAt: string;
  model: string;
  target: { file: string; precision: 'fp32' | 'fp16' | 'int8' };
  device: { name: string; type: 'cpu' | 'gpu' | 'accelerator' | 'other'; productModel?: string };
  outputKind: 'logits' | 'probabilities';
  classes: number;
  images: ExportedImage[];
}

/** An export holds classes floats per image: 1000 classes x a few hundred images stay well under this. */
const EXPORT_FILE: FileKind = { name: 'output export', maxBytes: 64 * 1024 * 1024 };

/** The bundled golden samples (rawfile samples/), the images the app exports as source 'sample'. */
export function samplesDir(): string {
  return path.join(rawfileDir(), 'samples');
}

/** 'sample' when `image` is the bundled sample of its name, else 'photo'. */
export function imageSource(image: string): 'sample' | 'photo' {
  const sample = path.join(samplesDir(), path.basename(image));
  try {
    return fs.realpathSync(sample) === fs.realpathSync(image) ? 'sample' : 'photo';
  } catch {
    return 'photo';
  }
}

/** One image's entry: its name, where it is from, its output and top-1. */
export function exportedImage(image: string, result: ClassifyResult): ExportedImage {
  if (result.output === undefined) throw new Error('classify() gave no output: the classifier was loaded without returnOutput');
  const [best] = result.top;
  return {
    file: path.basename(image), source: imageSource(image), output: result.output,
    ...(best === undefined ? {} : { top1: { index: best.index, label: best.label, score: best.score } }),
  };
}

export function outputExport(info: ModelInfo, modelId: string, images: ExportedImage[]): OutputExport {
  const seen = new Set<string>();
  for (const i of images) {
    // The verifier finds an image by its name: two of one name could not be told apart.
    if (seen.has(i.file)) throw new CliError(`two images are named '${i.file}': the export names images by file name`, i.file);
    seen.add(i.file);
  }
  const precision = info.precision === 'fp16' || info.precision === 'int8' ? info.precision : 'fp32';
  return {
    format: OUTPUT_EXPORT_FORMAT, producer: 'npulens classify', createdAt: new Date().toISOString(), model: modelId,
    target: { file: info.file, precision }, device: { name: info.device.name, type: info.device.type },
    outputKind: info.outputKind, classes: info.classes, images,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with `doc` as an export, at its JSON path; undefined when it is one. */
function problem(doc: unknown): string | undefined {
  if (!isObject(doc)) return '(root) is not an object';
  if (doc.format !== OUTPUT_EXPORT_FORMAT) return `format is ${JSON.stringify(doc.format)}, expected "${OUTPUT_EXPORT_FORMAT}"`;
  if (typeof doc.model !== 'string' || doc.model === '') return 'model is not a model id';
  if (!isObject(doc.target) || !['fp32', 'fp16', 'int8'].includes(doc.target.precision as string)) {
    return 'target.precision is not fp32, fp16 or int8';
  }
  if (!isObject(doc.device) || typeof doc.device.name !== 'string') return 'device.name is missing';
  if (doc.outputKind !== 'logits' && doc.outputKind !== 'probabilities') return 'outputKind is not logits or probabilities';
  const classes = doc.classes;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 1) return 'classes is not a positive integer';
  if (!Array.isArray(doc.images) || doc.images.length === 0) return 'images is not a non-empty array';
  for (const [i, image] of doc.images.entries()) {
    const at = `images[${i}]`;
    if (!isObject(image)) return `${at} is not an object`;
    if (typeof image.file !== 'string' || !/^[^/\\]+$/.test(image.file)) return `${at}.file is not a file name`;
    if (image.source !== 'sample' && image.source !== 'photo') return `${at}.source is not sample or photo`;
    const output = image.output;
    if (!Array.isArray(output) || output.length !== classes) {
      return `${at}.output (${image.file}) has ${Array.isArray(output) ? output.length : 'no'} values, classes is ${classes}`;
    }
    const bad = output.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) return `${at}.output[${bad}] (${image.file}) is not a finite number`;
  }
  return undefined;
}

export function readOutputExport(file: string): OutputExport {
  const text = readRegularFile(file, EXPORT_FILE).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`not JSON: ${(err as Error).message}`, file);
  }
  const wrong = problem(doc);
  if (wrong !== undefined) throw new CliError(`not an output export (${OUTPUT_EXPORT_FORMAT}): ${wrong}`, file);
  return doc as OutputExport;
}
