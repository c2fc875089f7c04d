/*
 * `npulens verify`: float-vs-quantized (or engine-vs-engine) check over a set of images, the host counterpart of
 * the CANN/Horizon toolchains' accuracy comparisons. A reference (--model, --engine) and a candidate (--against,
 * --against-engine) classify every image; per image: cosine and max |Δ| of the mean-centred logits (verify/metrics.ts),
 * top-1 and top-5 agreement; then a summary checked against thresholds. `--aipp` compares one model's CPU
 * pre-processing with its AIPP path instead (verify/aipp.ts), on images or, with --frame, raw frames.
 * Exit codes as the other commands: 0 pass; 1 runtime error or a missed threshold (one line `error: ...`); 2 usage.
 */
import path from 'node:path';
import * as api from '../api';
import type { Classifier } from '../api';
import { HOST_THREADS_MAX } from '../api/limits.generated';
import { enumFlag, intFlag, parse, stringFlag, type Parsed } from './args';
import { parseFrameSpec } from './frames';
import { CliError, UsageError, exitCode, toCliError, writeJsonTarget } from './errors';
import { printable, table } from './format';
import { decodeInOrder, imagesPerSecond, throughputLine } from './image';
import type { Io } from './io';
import { DEVICE_POLICIES, chooseModel, withPreprocessing, type Backend, type ModelChoice } from './model';
import { verifyAipp } from './verify/aipp';
import { verifyDeviceOutputs } from './verify/device';
import { ENGINES, OrtRunner, inspectImage, oursScores, type Engine } from './verify/engines';
import { collectImages } from './verify/inputs';
import { layersMode, runLayers } from './verify/layers';
import { checkThresholds, compareImage, summarize, type ImageComparison, type Thresholds } from './verify/metrics';

/** What verify needs from the API (a fake in unit tests). */
export interface VerifyBackend extends Backend {
  setThreadCount(threads: number): void;
}

export const VERIFY_USAGE = `usage: npulens verify <folder|image...> [--list FILE] [--model <id|file.onnx>] [--engine ours|ort]
         [--against <id|file.onnx>] [--against-engine ours|ort] [--min-cosine C] [--min-share F]
         [--min-top1 F] [--min-top5 F] [--max-abs X] [--threads N] [--device auto|npu|cpu] [--json FILE|-]
       npulens verify --aipp [--frame nv21:WxH] <folder|image...|frames.yuv...> [--model M] [thresholds as above]
       npulens verify --layers|--sensitivity <folder|image...> --model M [--against M] (per layer: --layers --help)
       npulens verify --device-outputs F.json [--model <fp32 id> --against <int8 id>] [--images DIR] [thresholds]
`;

/** Flags that describe a model file; the candidate's carry the prefix `against-`. */
const FILE_FLAGS = ['labels', 'size', 'mean', 'std', 'bgr'] as const;

const FLAGS = {
  list: { type: 'string', multiple: true },
  model: { type: 'string' },
  against: { type: 'string' },
  engine: { type: 'string' },
  'against-engine': { type: 'string' },
  ...Object.fromEntries(FILE_FLAGS.flatMap((f) => {
    const type = f === 'bgr' ? 'boolean' : 'string';
    return [[f, { type }], [`against-${f}`, { type }]];
  })),
  device: { type: 'string' },
  threads: { type: 'string' },
  'min-cosine': { type: 'string' },
  'min-share': { type: 'string' },
  'min-top1': { type: 'string' },
  'min-top5': { type: 'string' },
  'max-abs': { type: 'string' },
  json: { type: 'string' },
  aipp: { type: 'boolean' },
  frame: { type: 'string' },
  'device-outputs': { type: 'string' },
  images: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `npulens verify <args>` and returns the exit code; never throws. */
export async function runVerify(args: string[], io: Io = process, backend: VerifyBackend = api): Promise<number> {
  if (layersMode(args) !== undefined) return runLayers(args, io, backend);
  return exitCode(() => verify(args, io, backend), VERIFY_USAGE, 'verify', io);
}

interface Side {
  role: 'reference' | 'candidate';
  choice: ModelChoice;
  engine: Engine;
  /** The classifier that pre-processes for this side (and scores it, for engine ours); set once loaded. */
  classifier: Classifier | undefined;
  /** The onnxruntime session of an ort side. */
  ort: OrtRunner | undefined;
}

/** A number in [min, max]. */
function rangeFlag(values: Parsed['values'], name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${v}'`);
  }
  return n;
}

/** The candidate's model choice: chooseModel over the against-* flags, its messages naming those flags. */
function chooseCandidate(values: Parsed['values'], backend: Backend, device: api.DevicePolicy | undefined): ModelChoice {
  const mapped: Parsed['values'] = { model: values.against };
  for (const f of FILE_FLAGS) mapped[f] = values[`against-${f}`];
  try {
    return chooseModel(mapped, backend, device);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(err.message.replace(/--(labels|size|mean|std|bgr)\b/g, '--against-$1'));
  }
}

/** The threads the runtime runs `classifier`'s model on; an error where it does not say (ort needs a count). */
function threadsOf(classifier: Classifier, choice: ModelChoice): number {
  const { threads } = classifier.info;
  if (threads < 1) throw new CliError('the runtime does not report its thread count for engine ort', choice.path);
  return threads;
}

async function verify(args: string[], io: Io, backend: VerifyBackend): Promise<number> {
  const { values, positionals } = parse(args, FLAGS, true);
  if (values.help === true) {
    io.stdout.write(VERIFY_USAGE);
    return 0;
  }
  const lists = (values as Record<string, unknown>).list as string[] | undefined ?? [];
  const deviceOutputs = stringFlag(values, 'device-outputs');
  if (positionals.length === 0 && lists.length === 0 && deviceOutputs === undefined) {
    throw new UsageError('verify needs an image folder, images or --list FILE');
  }
  for (const l of lists) if (l === '') throw new UsageError('--list must not be empty');
  const engine = enumFlag(values, 'engine', ENGINES) ?? 'ours';
  const againstEngine = enumFlag(values, 'against-engine', ENGINES) ?? engine;
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  // Without --threads the runtime's default, as for classify (the count each model then runs on is in its info).
  const threadsFlag = intFlag(values, 'threads', 1, HOST_THREADS_MAX);
  const minTop1 = rangeFlag(values, 'min-top1', 0, 1);
  const minTop5 = rangeFlag(values, 'min-top5', 0, 1);
  const maxAbs = rangeFlag(values, 'max-abs', 0, Number.MAX_VALUE);
  // A threshold not given is not checked: absent, not undefined.
  const thresholds: Thresholds = {
    minCosine: rangeFlag(values, 'min-cosine', -1, 1) ?? 0.99,
    minShare: rangeFlag(values, 'min-share', 0, 1) ?? 1,
    ...(minTop1 === undefined ? {} : { minTop1 }),
    ...(minTop5 === undefined ? {} : { minTop5 }),
    ...(maxAbs === undefined ? {} : { maxAbs }),
  };
  const jsonTarget = stringFlag(values, 'json');
  if (deviceOutputs !== undefined) {
    return verifyDeviceOutputs(deviceOutputs, { values, positionals, lists, thresholds, jsonTarget },
      (v) => [chooseModel(v, backend, device), chooseCandidate(v, backend, device)], io, backend);
  }
  const frameFlag = stringFlag(values, 'frame');
  if (values.aipp === true) {
    for (const flag of ['against', 'engine', 'against-engine', ...FILE_FLAGS.map((f) => `against-${f}`)]) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} does not apply to --aipp (it compares one model's CPU pre-processing with its ` +
          'AIPP path, both on the host runtime)');
      }
    }
    const frame = frameFlag === undefined ? undefined : parseFrameSpec('frame', frameFlag);
    if (frame !== undefined && lists.length > 0) throw new UsageError('--list names images; --frame takes frame files');
    const images = frame === undefined ? collectImages(positionals, lists) : { files: positionals, skipped: [] };
    backend.setThreadCount(threadsFlag ?? 0);
    return verifyAipp(chooseModel(values, backend, device), { ...images, frame }, thresholds, jsonTarget, io, backend);
  }
  if (frameFlag !== undefined) throw new UsageError('--frame applies to --aipp only');
  const againstModel = stringFlag(values, 'against');
  for (const f of FILE_FLAGS) {
    if (againstModel === undefined && values[`against-${f}`] !== undefined) {
      throw new UsageError(`--against-${f} needs --against <file.onnx>`);
    }
  }
  if (againstModel === undefined && againstEngine === engine) {
    throw new UsageError('nothing to compare: give --against <model> and/or an --against-engine other than --engine');
  }

  // Both sides pre-process on the CPU: the same pre-processing for both, and the model input ort needs stays
  // observable (on the AIPP path it exists only inside the runtime). --aipp compares the two paths.
  const reference: Side = {
    role: 'reference', choice: withPreprocessing(chooseModel(values, backend, device), 'cpu'), engine,
    classifier: undefined, ort: undefined,
  };
  const candidate: Side = {
    role: 'candidate',
    // Without --against the candidate is the reference's model on the other engine.
    choice: againstModel === undefined ? reference.choice
      : withPreprocessing(chooseCandidate(values, backend, device), 'cpu'),
    engine: againstEngine,
    classifier: undefined,
    ort: undefined,
  };
  const { files, skipped } = collectImages(positionals, lists);

  backend.setThreadCount(threadsFlag ?? 0);
  const sides = [reference, candidate];
  try {
    // ours sides first, each with its own classifier (comparing a model with itself runs two executors); then ort
    // sides, which borrow the pre-processing of an ours side on the same model or load the model for it.
    const sameModel = (a: Side, b: Side): boolean => JSON.stringify(a.choice.load) === JSON.stringify(b.choice.load);
    for (const side of [...sides.filter((s) => s.engine === 'ours'), ...sides.filter((s) => s.engine === 'ort')]) {
      side.classifier = side.engine === 'ort'
        ? sides.find((s) => s !== side && s.classifier !== undefined && sameModel(s, side))?.classifier
        : undefined;
      if (side.classifier === undefined) {
        try {
          side.classifier = await backend.loadClassifier(side.choice.load);
        } catch (err) {
          throw toCliError(err, side.choice.path);
        }
      }
      if (side.engine === 'ort') {
        // onnxruntime gets the threads our runtime resolved for this model; its output is read as the model's kind.
        side.ort = await OrtRunner.create(side.choice.path, threadsOf(side.classifier, side.choice),
          side.classifier.info.outputKind);
      }
    }
    const threads = reference.classifier!.info.threads;
    const refClasses = reference.classifier!.info.classes;
    const candClasses = candidate.classifier!.info.classes;
    if (refClasses !== candClasses) {
      throw new CliError(`class counts differ: ${reference.choice.id} has ${refClasses}, ${candidate.choice.id} has ` +
        `${candClasses}; verify compares models over the same classes`, `${reference.choice.path} vs ${candidate.choice.path}`);
    }

    const rows: ImageComparison[] = [];
    // Both sides read the same decoded image, at the size the larger of their inputs needs; decoding runs ahead.
    const start = performance.now();
    for await (const { file, image: img } of decodeInOrder(files, [reference.classifier!, candidate.classifier!])) {
      const inspections = new Map<Classifier, api.Inspection>();
      const scoresOf = async (side: Side): Promise<Float64Array> => {
        const c = side.classifier!;
        let ins = inspections.get(c);
        if (ins === undefined) {
          ins = await inspectImage(c, img.pixels, img.width, img.height, file);
          inspections.set(c, ins);
        }
        return side.ort !== undefined ? side.ort.run(ins, refClasses, file) : oursScores(ins);
      };
      const referenceScores = await scoresOf(reference);
      rows.push(compareImage(file, referenceScores, await scoresOf(candidate)));
    }

    const throughput = imagesPerSecond(rows.length, performance.now() - start);
    const summary = summarize(rows, thresholds.minCosine);
    const failures = checkThresholds(summary, thresholds);
    const describe = (s: Side): object => ({
      model: { id: s.choice.id, path: s.choice.path, precision: s.choice.precision },
      engine: s.engine,
      device: s.ort !== undefined
        ? { name: `onnxruntime-node ${s.ort.version}`, type: 'cpu' }
        : { name: s.classifier!.info.device.name, type: s.classifier!.info.device.type },
    });
    const doc = {
      reference: describe(reference),
      candidate: describe(candidate),
      threads,
      compared: 'mean-centred logits (log of the post-processed scores, centred per image)',
      thresholds,
      summary,
      pass: failures.length === 0,
      failures,
      images: rows,
      skipped,
      throughput,
    };

    if (jsonTarget === '-') {
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else {
      writeHuman(io, reference, candidate, doc.summary, rows, skipped.length, threads, thresholds,
        reference.classifier!.info.labels);
      io.stdout.write(`  ${throughputLine(throughput)}\n`);
      io.stdout.write(failures.length === 0 ? 'result: pass\n' : `result: FAIL (${failures.length} of the thresholds missed)\n`);
      writeJsonTarget(jsonTarget, doc, io);
    }
    if (failures.length === 0) return 0;
    throw new CliError(`below thresholds: ${failures.join('; ')}`,
      `verify ${reference.choice.id}/${reference.engine} vs ${candidate.choice.id}/${candidate.engine}`);
  } finally {
    for (const side of sides) {
      side.classifier?.release();  // release() is idempotent, so a shared classifier may be released twice
      await side.ort?.release();
    }
  }
}

/** 3 significant digits; exponent form below 0.001. */
function absError(v: number): string {
  return v === 0 ? '0' : v < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

function writeHuman(io: Io, reference: Side, candidate: Side, s: ReturnType<typeof summarize>, rows: ImageComparison[],
  skipped: number, threads: number, t: Thresholds, labels: string[]): void {
  const label = (i: number): string => labels[i] ?? `#${i}`;
  const sideLine = (side: Side): string => {
    const where = side.ort !== undefined
      ? `onnxruntime-node ${side.ort.version}`
      : `host runtime, device ${side.classifier!.info.device.name} (${side.classifier!.info.device.type})`;
    return `${side.role}: ${side.choice.id} (${side.choice.precision}, ${printable(side.choice.path)}) on ${side.engine} — ${where}\n`;
  };
  io.stdout.write(sideLine(reference) + sideLine(candidate));
  io.stdout.write(`threads ${threads}; compared: mean-centred logits per image\n`);
  // File names alone when they identify the images (the usual single folder), else the paths as given.
  const names = rows.map((r) => path.basename(r.image));
  const shown = new Set(names).size === names.length ? names : rows.map((r) => r.image);
  io.stdout.write(table(['image', 'cosine', 'max |Δ|', 'top-1 ref', 'top-1 cand', 'top-5'],
    rows.map((r, i) => [shown[i] ?? r.image, r.cosine.toFixed(6), absError(r.maxAbsError), label(r.top1.reference),
      label(r.top1.candidate) + (r.top1Agree ? '' : ' (differs)'), r.top5Agree ? 'same' : 'differs']),
    [false, true, true, false, false, false]));
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  const other = skipped === 1 ? '1 other file' : `${skipped} other files`;
  io.stdout.write(`summary: ${s.images} images${skipped > 0 ? ` (${other} skipped)` : ''}\n`);
  io.stdout.write(`  cosine mean ${s.cosine.mean.toFixed(6)}, min ${s.cosine.min.toFixed(6)}; ` +
    `${pct(s.shareAtOrAboveThreshold)} of images >= ${t.minCosine} (--min-share ${pct(t.minShare)})\n`);
  io.stdout.write(`  top-1 agreement ${pct(s.top1Agreement)}, top-5 agreement ${pct(s.top5Agreement)}, ` +
    `max abs error ${absError(s.maxAbsError)}\n`);
}
