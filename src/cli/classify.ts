/*
 * `npulens classify <image...>`: top-K classes and timings per image, as a table or one JSON document.
 * `npulens classify --frame nv21:WxH <clip.yuv...>`: raw frames back to back (frames.ts), classified one after the
 * other as a camera would deliver them: per-frame latency and top-1, the sustained frame rate.
 * `--preprocessing auto|cpu|aipp` chooses who converts the pixels (the CPU, or the runtime's AIPP).
 * `--rotate 0|90|180|270` turns each image or frame clockwise before classification (a camera frame in the sensor's
 * orientation), as classify()'s rotation does.
 * `--tuning off|auto|heter [--tuning-cache DIR]` loads with CANN online tuning (tuning.ts); `--save-outputs F.json`
 * writes each image's raw output tensor as the app's output export (outputs.ts) for `npulens verify --device-outputs`.
 * `--dump DIR` loads with dumpDir: the runtime dumps every inference's tensors there (layerdiff's `--engine ours`).
 * `--batch N` loads the model for batch size N (one of its batchSizes) and classifies the images N at a time, each
 * group in one inference (classifyBatch): an image's timings are its group's.
 */
import fs from 'node:fs';
import type { Classifier, ClassifyResult, ModelInfo, Preprocessing, Rotation, Timings } from '../api';
import { CliError, UsageError, toCliError, writeJsonFile } from './errors';
import { enumFlag, intFlag, parse, stringFlag } from './args';
import { ms, percent, printable, table } from './format';
import { readFrames, parseFrameSpec, type FrameSpec } from './frames';
import { decodeInOrder, imagesPerSecond, throughputLine, type DecodedImage } from './image';
import type { Io } from './io';
import { exportedImage, outputExport, type ExportedImage } from './outputs';
import {
  TUNING_FLAGS, omOptionsLine, tuningCache, tuningLine, tuningModes, withDump, withTuning,
} from './tuning';
import {
  DEVICE_POLICIES, MODEL_FLAGS, chooseModel, withClassifier, withPreprocessing, type Backend, type ModelChoice,
} from './model';

export const PREPROCESSINGS: readonly Preprocessing[] = ['auto', 'cpu', 'aipp'];
/** Where --frame's frames are handed over: an ArrayBuffer (classify) or a shrink-sealed memfd (classifyFd). */
const STORES = ['memory', 'fd'] as const;
type Store = typeof STORES[number];
const ROTATIONS = ['0', '90', '180', '270'] as const;

export async function classify(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS, top: { type: 'string' }, json: { type: 'boolean' }, frame: { type: 'string' },
    preprocessing: { type: 'string' }, store: { type: 'string' }, rotate: { type: 'string' },
    ...TUNING_FLAGS, 'save-outputs': { type: 'string' }, batch: { type: 'string' }, dump: { type: 'string' },
  }, true);
  const frameFlag = stringFlag(values, 'frame');
  const frame = frameFlag === undefined ? undefined : parseFrameSpec('frame', frameFlag);
  if (positionals.length === 0) {
    throw new UsageError(frame === undefined ? 'classify needs at least one image' : 'classify --frame needs a frame file');
  }
  const top = intFlag(values, 'top', 1, 1000);
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  const preprocessing = enumFlag(values, 'preprocessing', PREPROCESSINGS);
  const store = enumFlag(values, 'store', STORES);
  const rotation = Number(enumFlag(values, 'rotate', ROTATIONS) ?? '0') as Rotation;
  if (store !== undefined && frame === undefined) throw new UsageError('--store applies to --frame only');
  const [tuning] = tuningModes(values, false) ?? [];
  const saveOutputs = stringFlag(values, 'save-outputs');
  if (saveOutputs !== undefined && frame !== undefined) throw new UsageError('--save-outputs applies to images, not --frame');
  const chosen = withPreprocessing(chooseModel(values, backend, device), preprocessing);
  const tuned = tuning === undefined || tuning === 'off' ? chosen : withTuning(chosen, tuning, tuningCache(values));
  const batch = intFlag(values, 'batch', 1, 64);
  if (batch !== undefined && frame !== undefined) throw new UsageError('--batch applies to images, not --frame');
  const withOutputs = saveOutputs === undefined ? tuned : { ...tuned, load: { ...tuned.load, returnOutput: true } };
  const batched = batch === undefined ? withOutputs : { ...withOutputs, load: { ...withOutputs.load, batchSize: batch } };
  const dump = stringFlag(values, 'dump');
  const choice = dump === undefined ? batched : withDump(batched, dump);
  const json = values.json === true;
  if (frame !== undefined) {
    return classifyFrames(positionals, frame, store ?? 'memory', rotation, choice, top, json, io, backend);
  }

  return withClassifier(choice, backend, async (classifier) => {
    const info = classifier.info;
    const results = [];
    const outputs: ExportedImage[] = [];
    // Decoding runs ahead on libuv workers while the classifier runs on its own: the wall time below is what a
    // folder takes, less than the sum of the per-image times.
    const start = performance.now();
    // --top above the class count shows every class; without --top the native default (5) applies.
    const topK = top === undefined ? undefined : Math.min(top, info.classes);
    type Decoded = { file: string; image: DecodedImage };
    const classifyGroup = async (group: Decoded[]): Promise<ClassifyResult[]> => {
      try {
        if (batch === undefined) {
          const [{ image: d }] = group as [Decoded];
          return [await classifier.classify(d.pixels, d.width, d.height, 'RGBA', undefined, topK, rotation)];
        }
        return await classifier.classifyBatch(group.map(({ image: d }) => ({
          pixels: d.pixels, width: d.width, height: d.height, format: 'RGBA' as const, rotation,
        })), topK);
      } catch (err) {
        throw toCliError(err, group.map((g) => g.file).join(', '));
      }
    };
    // The decoded images in groups of --batch (1 without it), each group classified in one call.
    async function* run(group: Decoded[]): AsyncGenerator<[Decoded, ClassifyResult]> {
      if (group.length === 0) return;
      const results = await classifyGroup(group);
      for (let i = 0; i < group.length; i++) yield [group[i]!, results[i]!];
    }
    async function* classified(): AsyncGenerator<[Decoded, ClassifyResult]> {
      let group: Decoded[] = [];
      for await (const d of decodeInOrder(positionals, [classifier])) {
        group.push(d);
        if (group.length < (batch ?? 1)) continue;
        yield* run(group);
        group = [];
      }
      yield* run(group);
    }
    for await (const [{ file: image, image: decoded }, result] of classified()) {
      if (saveOutputs !== undefined) outputs.push(exportedImage(image, result));
      const t = result.timings;
      const entry = {
        image,
        top: result.top.map((e) => ({ rank: e.rank, index: e.index, label: e.label, score: e.score })),
        timings: {
          decodeMs: decoded.decodeMs,
          preprocessMs: t.preprocessMs,
          inferenceMs: t.inferenceMs,
          postprocessMs: t.postprocessMs,
          totalMs: decoded.decodeMs + t.totalMs,
        },
        ...aippSourceOf(result),
      };
      results.push(entry);
      if (!json) {
        const decodedAt = decoded.width === decoded.sourceWidth && decoded.height === decoded.sourceHeight ? ''
          : `, decoded at ${decoded.width}x${decoded.height}`;
        io.stdout.write(`${printable(image)}  (${decoded.sourceWidth}x${decoded.sourceHeight}${decodedAt})\n`);
        io.stdout.write(table(['rank', 'label', 'score'],
          entry.top.map((e) => [String(e.rank), e.label, percent(e.score)]), [true, false, true]));
        const tm = entry.timings;
        io.stdout.write(`  time (ms): decode ${ms(tm.decodeMs)}, preprocess ${ms(tm.preprocessMs)}, ` +
          `inference ${ms(tm.inferenceMs)}, postprocess ${ms(tm.postprocessMs)}, total ${ms(tm.totalMs)}\n`);
        if (entry.aippSource === 'cpu-resized') {
          io.stdout.write(`  AIPP input: resized on the CPU — ${printable(entry.aippSourceReason ?? '')}\n`);
        }
        io.stdout.write('\n');
      }
    }
    const throughput = imagesPerSecond(results.length, performance.now() - start);
    const model = { id: choice.id, path: choice.path, precision: choice.precision };
    if (saveOutputs !== undefined) writeJsonFile(saveOutputs, outputExport(info, choice.id, outputs));
    if (json) {
      io.stdout.write(JSON.stringify({ model, device: { name: info.device.name, type: info.device.type },
        preprocessing: preprocessingOf(info),
        ...(tuning === undefined && dump === undefined ? {} : { options: info.options }), results,
        throughput }, null, 2) + '\n');
    } else {
      io.stdout.write(`model: ${model.id} (${model.precision}, ${printable(model.path)})\n`);
      io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
      io.stdout.write(`pre-processing: ${info.preprocessing} — ${printable(info.preprocessingReason)}\n`);
      if (tuning !== undefined) io.stdout.write(`${tuningLine(info)}\n`);
      if (dump !== undefined) io.stdout.write(`${omOptionsLine(info)} (dump into ${printable(dump)})\n`);
      io.stdout.write(`${throughputLine(throughput)}\n`);
      if (saveOutputs !== undefined) io.stdout.write(`outputs of ${outputs.length} images written to ${printable(saveOutputs)}\n`);
    }
    return 0;
  });
}

/** What went into the AIPP input (AIPP path only; nothing on the CPU path): the result's aippSource and reason. */
function aippSourceOf(result: ClassifyResult): Pick<ClassifyResult, 'aippSource' | 'aippSourceReason'> {
  return result.aippSource === undefined ? {} :
    { aippSource: result.aippSource, aippSourceReason: result.aippSourceReason ?? '' };
}

function preprocessingOf(info: ModelInfo): { used: string; reason: string } {
  return { used: info.preprocessing, reason: info.preprocessingReason };
}

/** What a frame's classification cost before inference: the API's timings as the report shows them. */
function frameTimings(t: Timings): Record<string, number> {
  return {
    preprocessMs: t.preprocessMs, frameCopyMs: t.frameCopyMs, copyInMs: t.copyInMs, inferenceMs: t.inferenceMs,
    postprocessMs: t.postprocessMs, totalMs: t.totalMs, cpuBytesIn: t.cpuBytesIn,
  };
}

/** min / p50 / p90 / max / mean of a non-empty series (nearest-rank percentiles). */
function latencySummary(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { min: sorted[0]!, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

/**
 * Classifies every frame of `files` one after the other (the next frame is read when the last result is in, as a
 * camera pipeline that drops frames while the NPU is busy would see them). Per frame: the latency of the classify()
 * call (frame handed over → result), top-1 and the native timings; overall: sustained fps = frames / wall time of
 * the whole loop (reads included). Store 'fd': each frame is first put into a shrink-sealed memfd (as a camera
 * fills its buffer; not in the latency) and classified with classifyFd, which on the AIPP path reads it in place.
 */
async function classifyFrames(files: string[], spec: FrameSpec, store: Store, rotation: Rotation,
  choice: ModelChoice, top: number | undefined, json: boolean, io: Io, backend: Backend): Promise<number> {
  const createMemfd = backend.createMemfd;
  if (store === 'fd' && createMemfd === undefined) throw new CliError('this backend has no shared memory', '--store fd');
  return withClassifier(choice, backend, async (classifier: Classifier) => {
    const info = classifier.info;
    const topK = top === undefined ? 1 : Math.min(top, info.classes);
    const rows = [];
    const start = performance.now();
    for (const frame of readFrames(files, spec)) {
      let result: ClassifyResult;
      let latencyMs: number;
      const fd = store === 'fd' ? createMemfd!(frame.pixels) : undefined;
      try {
        const called = performance.now();
        result = await (fd === undefined
          ? classifier.classify(frame.pixels, spec.width, spec.height, spec.format, undefined, topK, rotation)
          : classifier.classifyFd(fd, 0, spec.bytes, spec.width, spec.height, spec.format, undefined, topK, rotation));
        latencyMs = performance.now() - called;
      } catch (err) {
        throw toCliError(err, `${frame.file} frame ${frame.index}`);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
      const [best] = result.top;
      const row = {
        file: frame.file, frame: frame.index, latencyMs, readMs: frame.readMs,
        top: result.top.map((e) => ({ rank: e.rank, index: e.index, label: e.label, score: e.score })),
        timings: frameTimings(result.timings),
        ...aippSourceOf(result),
      };
      rows.push(row);
      if (!json && best !== undefined) {
        io.stdout.write(`${printable(frame.file)} frame ${frame.index}: ${ms(latencyMs)} ms  ` +
          `${printable(best.label)} ${percent(best.score)}\n`);
      }
    }
    const wallMs = performance.now() - start;
    const summary = {
      frames: rows.length, wallMs, fps: wallMs > 0 ? rows.length / (wallMs / 1000) : 0,
      latencyMs: latencySummary(rows.map((r) => r.latencyMs)),
      meanCpuBytesIn: rows.reduce((a, r) => a + (r.timings.cpuBytesIn ?? 0), 0) / rows.length,
    };
    const model = { id: choice.id, path: choice.path, precision: choice.precision };
    if (json) {
      io.stdout.write(JSON.stringify({ model, device: { name: info.device.name, type: info.device.type },
        preprocessing: preprocessingOf(info), frame: { ...spec, store, rotation }, frames: rows, summary }, null, 2) +
        '\n');
      return 0;
    }
    const l = summary.latencyMs;
    io.stdout.write(`model: ${model.id} (${model.precision}, ${printable(model.path)})\n`);
    io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
    io.stdout.write(`pre-processing: ${info.preprocessing} — ${printable(info.preprocessingReason)}\n`);
    const resized = rows.filter((r) => r.aippSource === 'cpu-resized');
    if (resized.length > 0) {
      io.stdout.write(`AIPP input: resized on the CPU for ${resized.length} of ${rows.length} frames — ` +
        `${printable(resized[0]!.aippSourceReason ?? '')}\n`);
    }
    io.stdout.write(`frames: ${summary.frames} of ${spec.width}x${spec.height} ${spec.format} ` +
      `${store === 'fd' ? 'from a sealed memfd each (classifyFd) ' : ''}in ${ms(wallMs)} ms: ` +
      `${summary.fps.toFixed(1)} fps sustained\n`);
    io.stdout.write(`latency (ms): min ${ms(l.min!)}, p50 ${ms(l.p50!)}, p90 ${ms(l.p90!)}, max ${ms(l.max!)}; ` +
      `CPU bytes before inference per frame: ${Math.round(summary.meanCpuBytesIn)}\n`);
    return 0;
  });
}
