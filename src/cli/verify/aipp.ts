/*
 * `npulens verify --aipp`: one model, two pre-processings on the same pictures. The reference runs our CPU
 * pre-processing (LoadOptions.preprocessing 'cpu'), the candidate hands the pixels as they are to the runtime with
 * dynamic AIPP parameters ('aipp'; the host runtime emulates the NPU's AIPP unit). Per image or frame: cosine and
 * max |Δ| of the mean-centred log-scores (metrics.ts) and top-1 / top-5 agreement, then the summary checked against
 * verify's thresholds; the report states what differs between the two paths.
 */
import path from 'node:path';
import type { Classifier, ModelInfo, PixelFormat } from '../../api';
import { CliError, toCliError, writeJsonTarget } from '../errors';
import { ms, printable, table } from '../format';
import { readFrames, type FrameSpec } from '../frames';
import { decodeInOrder, imagesPerSecond, throughputLine } from '../image';
import type { Io } from '../io';
import { withClassifier, withPreprocessing, type Backend, type ModelChoice } from '../model';
import { centredLogScores, checkThresholds, compareImage, summarize, type ImageComparison, type Thresholds } from './metrics';

/** What differs between the paths, as implemented (cpp/core preprocess.h; cpp/hostnn README, AIPP). */
export const AIPP_DIFFERENCE = 'CPU: centre crop; resize bilinear with half-pixel centres, area averaging on an ' +
  'axis that shrinks more than 2x (YUV: the Y and chroma planes each resized, then full-range BT.601 in float); ' +
  '(x - mean) / std in float32. AIPP (host emulation of the guide): the same crop (even offsets for YUV); CSC with ' +
  'the guide\'s JPEG (full-range BT.601) matrix in integer arithmetic; bilinear resize with half-pixel centres and ' +
  'no area averaging (a large downscale aliases); DTC (x - mean) x (1 / std) rounded to fp16 as the NPU outputs it ' +
  '(then quantised for an int8 model).';

export interface AippSource {
  /** Images (decoded to RGBA) or, with a frame spec, raw frame files. */
  files: string[];
  frame: FrameSpec | undefined;
  skipped: string[];
}

/** Every class's score by class index: classify() over all classes, placed by index. */
async function scoresOf(classifier: Classifier, pixels: ArrayBuffer, width: number, height: number,
  format: PixelFormat, where: string): Promise<Float64Array> {
  const classes = classifier.info.classes;
  let top;
  try {
    ({ top } = await classifier.classify(pixels, width, height, format, undefined, classes));
  } catch (err) {
    throw toCliError(err, where);
  }
  const scores = new Float64Array(classes);
  for (const e of top) scores[e.index] = e.score;
  return centredLogScores(scores);
}

function describe(choice: ModelChoice, info: ModelInfo): object {
  return {
    model: { id: choice.id, path: choice.path, precision: choice.precision },
    device: { name: info.device.name, type: info.device.type },
    preprocessing: info.preprocessing,
    reason: info.preprocessingReason,
  };
}

/** Runs the comparison; exit code 0 when every threshold holds, a CliError otherwise. */
export async function verifyAipp(choice: ModelChoice, source: AippSource, thresholds: Thresholds,
  jsonTarget: string | undefined, io: Io, backend: Backend): Promise<number> {
  const cpuChoice = withPreprocessing(choice, 'cpu');
  const aippChoice = withPreprocessing(choice, 'aipp');
  return withClassifier(cpuChoice, backend, (cpu) => withClassifier(aippChoice, backend, async (aipp) => {
    const rows: ImageComparison[] = [];
    const start = performance.now();
    if (source.frame !== undefined) {
      const f = source.frame;
      for (const frame of readFrames(source.files, f)) {
        const where = `${frame.file} frame ${frame.index}`;
        const reference = await scoresOf(cpu, frame.pixels, f.width, f.height, f.format, where);
        rows.push(compareImage(where, reference, await scoresOf(aipp, frame.pixels, f.width, f.height, f.format, where)));
      }
    } else {
      for await (const { file, image } of decodeInOrder(source.files, [cpu])) {
        const reference = await scoresOf(cpu, image.pixels, image.width, image.height, 'RGBA', file);
        rows.push(compareImage(file, reference,
          await scoresOf(aipp, image.pixels, image.width, image.height, 'RGBA', file)));
      }
    }
    if (rows.length === 0) throw new CliError('no images to compare', 'verify --aipp');
    const throughput = imagesPerSecond(rows.length, performance.now() - start);
    const summary = summarize(rows, thresholds.minCosine);
    const failures = checkThresholds(summary, thresholds);
    const doc = {
      reference: describe(cpuChoice, cpu.info),
      candidate: describe(aippChoice, aipp.info),
      compared: 'mean-centred logits (log of the post-processed scores, centred per image)',
      difference: AIPP_DIFFERENCE,
      input: source.frame === undefined ? { kind: 'image', format: 'RGBA' } : { kind: 'frames', ...source.frame },
      thresholds,
      summary,
      pass: failures.length === 0,
      failures,
      images: rows,
      skipped: source.skipped,
      throughput,
    };
    if (jsonTarget === '-') {
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else {
      const label = (i: number): string => cpu.info.labels[i] ?? `#${i}`;
      io.stdout.write(`reference: ${choice.id} (${choice.precision}, ${printable(choice.path)}) with CPU ` +
        `pre-processing — ${printable(cpu.info.preprocessingReason)}\n`);
      io.stdout.write(`candidate: the same model with AIPP — ${printable(aipp.info.preprocessingReason)}\n`);
      io.stdout.write(`difference: ${AIPP_DIFFERENCE}\n`);
      const names = rows.map((r) => (source.frame === undefined ? path.basename(r.image) : r.image));
      const shown = new Set(names).size === names.length ? names : rows.map((r) => r.image);
      io.stdout.write(table(['input', 'cosine', 'max |Δ|', 'top-1 cpu', 'top-1 aipp', 'top-5'],
        rows.map((r, i) => [shown[i] ?? r.image, r.cosine.toFixed(6), r.maxAbsError.toPrecision(3),
          label(r.top1.reference), label(r.top1.candidate) + (r.top1Agree ? '' : ' (differs)'),
          r.top5Agree ? 'same' : 'differs']),
        [false, true, true, false, false, false]));
      const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
      io.stdout.write(`summary: ${summary.images} ${source.frame === undefined ? 'images' : 'frames'}; cosine mean ` +
        `${summary.cosine.mean.toFixed(6)}, min ${summary.cosine.min.toFixed(6)}; top-1 agreement ` +
        `${pct(summary.top1Agreement)}, top-5 ${pct(summary.top5Agreement)}; max |Δ| ` +
        `${summary.maxAbsError.toPrecision(3)}\n`);
      io.stdout.write(`  ${source.frame === undefined ? throughputLine(throughput) : `${throughput.images} frames in ` +
        `${ms(throughput.wallMs)} ms: ${throughput.imagesPerSec.toFixed(1)} frames/s`}\n`);
      io.stdout.write(failures.length === 0 ? 'result: pass\n' : `result: FAIL (${failures.length} of the thresholds missed)\n`);
      writeJsonTarget(jsonTarget, doc, io);
    }
    if (failures.length === 0) return 0;
    throw new CliError(`below thresholds: ${failures.join('; ')}`, `verify --aipp ${choice.id}: cpu vs aipp`);
  }));
}
