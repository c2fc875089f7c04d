/*
 * `npulens verify --layers` and `npulens verify --sensitivity`: the per-layer accuracy report and the quantization
 * sensitivity ranking of tools/models/layerdiff.py (numpy executor, onnxruntime, or `ours`: the host runtime's tensor
 * dump, HMS_HiAIOptions_SetOmOptions DUMP through `npulens classify --dump`), run through runPythonTool. Models are manifest ids (their onnx target, and the reference's
 * pre-processing from the manifest) or ONNX files with --size/--mean/--std/--bgr. The flags are checked here, so a
 * mistake is a usage error (exit 2) before Python starts; layerdiff's own errors are one `error:` line, exit 1.
 */
import fs from 'node:fs';
import { enumFlag, parse, sizeFlag, stringFlag, tripleFlag, type Parsed } from '../args';
import { CliError, UsageError, exitCode } from '../errors';
import type { Io } from '../io';
import { HOST_TARGET, looksLikeFile, rawfileDir, type Backend } from '../model';
import { runPythonTool } from '../python';

export const LAYERS_USAGE = `usage: npulens verify --layers <folder|image...> --model <id|file.onnx> --against <id|file.onnx>
         [--engine numpy|ort|ours] [--against-engine numpy|ort|ours] [--threshold C] [--no-isolated]
         [--size WxH --mean R,G,B --std R,G,B --bgr] [--json FILE] [--html FILE]
       npulens verify --sensitivity <folder|image...> --model <id|file.onnx (float)> [--method minmax|percentile|kl]
         [--percentile P] [--target-cosine C] [--exclude-out FILE] [--size ... as above] [--json FILE]
`;

const LAYER_ENGINES = ['numpy', 'ort', 'ours'] as const;
const METHODS = ['minmax', 'percentile', 'kl'] as const;

const FLAGS = {
  layers: { type: 'boolean' },
  sensitivity: { type: 'boolean' },
  model: { type: 'string' },
  against: { type: 'string' },
  engine: { type: 'string' },
  'against-engine': { type: 'string' },
  threshold: { type: 'string' },
  'no-isolated': { type: 'boolean' },
  method: { type: 'string' },
  percentile: { type: 'string' },
  'target-cosine': { type: 'string' },
  'exclude-out': { type: 'string' },
  size: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  bgr: { type: 'boolean' },
  json: { type: 'string' },
  html: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags only one of the two modes takes. */
const LAYERS_ONLY = ['against', 'engine', 'against-engine', 'threshold', 'no-isolated', 'html'];
const SENSITIVITY_ONLY = ['method', 'percentile', 'target-cosine', 'exclude-out'];

/** 'layers' or 'sensitivity' when args ask for one of them (verify hands those over to runLayers). */
export function layersMode(args: readonly string[]): 'layers' | 'sensitivity' | undefined {
  if (args.includes('--layers')) return 'layers';
  return args.includes('--sensitivity') ? 'sensitivity' : undefined;
}

/** Runs `npulens verify --layers|--sensitivity <args>` and returns the exit code; never throws. */
export async function runLayers(args: string[], io: Io, backend: Backend): Promise<number> {
  return exitCode(() => layers(args, io, backend), LAYERS_USAGE, 'verify', io);
}

/** A number flag in [min, max] (exclusive at the bottom when lowOpen), passed on as written. */
function numberFlag(values: Parsed['values'], name: string, min: number, max: number, lowOpen = false): string[] {
  const v = values[name];
  if (typeof v !== 'string') return [];
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (lowOpen ? n <= min : n < min) || n > max) {
    throw new UsageError(`--${name} must be a number in ${lowOpen ? '(' : '['}${min}, ${max}], got '${v}'`);
  }
  return [`--${name}`, v];
}

interface ResolvedModel {
  path: string;
  /** layerdiff's pre-processing flags for a manifest model (--manifest-id/--manifest); none for a file. */
  preprocessing: string[];
}

/** A manifest id: its onnx target file and its pre-processing; a file: as it is, if it exists. */
function resolveModel(flag: string, model: string, backend: Backend): ResolvedModel {
  if (looksLikeFile(model)) {
    if (!fs.existsSync(model)) throw new CliError('no such file', model);
    return { path: model, preprocessing: [] };
  }
  const manifest = backend.readManifest(rawfileDir());
  const entry = manifest.models.find((m) => m.id === model);
  if (entry === undefined) {
    const ids = manifest.models.map((m) => m.id).join(', ');
    throw new CliError(`--${flag}: unknown model '${model}' (known: ${ids || 'none'})`, manifest.file);
  }
  const target = entry.targets.find((t) => t.name === HOST_TARGET);
  if (target === undefined) {
    throw new CliError(`--${flag}: model '${entry.id}' has no onnx target (layerdiff reads ONNX files)`, manifest.file);
  }
  return { path: target.path, preprocessing: ['--manifest-id', entry.id, '--manifest', manifest.file] };
}

async function layers(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, FLAGS, true);
  if (values.help === true) {
    io.stdout.write(LAYERS_USAGE);
    return 0;
  }
  if (values.layers === true && values.sensitivity === true) {
    throw new UsageError('--layers and --sensitivity are separate runs: give one');
  }
  const mode = values.layers === true ? 'layers' : 'sensitivity';
  for (const flag of mode === 'layers' ? SENSITIVITY_ONLY : LAYERS_ONLY) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --${mode}`);
  }
  if (positionals.length === 0) throw new UsageError(`--${mode} needs an image folder or images`);
  const model = stringFlag(values, 'model');
  if (model === undefined) throw new UsageError(`--${mode} needs --model <id|file.onnx>`);
  const against = stringFlag(values, 'against');
  if (mode === 'layers' && against === undefined) {
    throw new UsageError('--layers needs --against <id|file.onnx> (the model compared with --model)');
  }

  const reference = resolveModel('model', model, backend);
  const candidate = against === undefined ? undefined : resolveModel('against', against, backend);
  // One pre-processing for both models: the flags, else the first manifest model's.
  const size = sizeFlag(values, 'size');
  let preprocessing: string[];
  if (size !== undefined) {
    const mean = tripleFlag(values, 'mean', false) ?? [0, 0, 0];
    const std = tripleFlag(values, 'std', true) ?? [1, 1, 1];
    preprocessing = ['--size', `${size.width}x${size.height}`, '--mean', mean.join(','), '--std', std.join(','),
      ...(values.bgr === true ? ['--bgr'] : [])];
  } else {
    for (const f of ['mean', 'std', 'bgr']) {
      if (values[f] !== undefined) throw new UsageError(`--${f} needs --size WxH`);
    }
    const fromManifest = [reference, candidate].find((m) => m !== undefined && m.preprocessing.length > 0);
    if (fromManifest === undefined) throw new UsageError('--size WxH is required when no model is a manifest id');
    preprocessing = fromManifest.preprocessing;
  }

  const common = ['--images', ...positionals, ...preprocessing];
  const json = stringFlag(values, 'json');
  if (json !== undefined) common.push('--json', json);
  if (mode === 'layers') {
    const engine = enumFlag(values, 'engine', LAYER_ENGINES) ?? 'numpy';
    const againstEngine = enumFlag(values, 'against-engine', LAYER_ENGINES) ?? engine;
    const html = stringFlag(values, 'html');
    return runPythonTool('layerdiff.py', [
      'compare', '--model', reference.path, '--against', (candidate as ResolvedModel).path,
      '--engine', engine, '--against-engine', againstEngine,
      ...numberFlag(values, 'threshold', -1, 1),
      ...(values['no-isolated'] === true ? ['--no-isolated'] : []),
      ...(html === undefined ? [] : ['--html', html]),
      ...common,
    ], io);
  }
  const method = enumFlag(values, 'method', METHODS);
  const excludeOut = stringFlag(values, 'exclude-out');
  return runPythonTool('layerdiff.py', [
    'sensitivity', '--model', reference.path,
    ...(method === undefined ? [] : ['--method', method]),
    ...numberFlag(values, 'percentile', 50, 100, true),
    ...numberFlag(values, 'target-cosine', -1, 1),
    ...(excludeOut === undefined ? [] : ['--exclude-out', excludeOut]),
    ...common,
  ], io);
}
