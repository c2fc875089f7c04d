/*
 * `npm run bench:peer`: our addon (host NN runtime) vs onnxruntime-node on the same ONNX models, with the same
 * pre-processed input (the exact tensor our pre-processing wrote, from Classifier.inspect) and the same thread
 * count, measured side by side in one run (calls interleaved, so machine noise hits both alike).
 * Both sides are timed by the native benchmark runner (one plan each: first run, warm-up, timed loop), statistics
 * included (R-7 p50). Reports p50 latencies and the ratio ours/peer, and the classify overhead share
 * (classify total - inference) / inference, whose target on int8 MobileNetV2-224 is <= 3%, for two inputs: the
 * photo (pre-processing resizes it) and the same photo already at the model's input size before the centre crop
 * (pre-processing only crops, converts and normalises).
 *
 * Options: --model <id> (repeatable; default the manifest's mobilenetv2-fp32 and mobilenetv2-int8)
 *          --iterations N (default 50) --warmup N (default 5) --threads N (default 1)
 *          --image <png|jpg> (default the sample house_640x480.png) --json FILE
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as api from '../api';
import { rawfileDir } from '../cli/model';
import { firstLine, writeJsonFile } from '../cli/errors';
import { IMAGE_FILE, readRegularFile } from '../cli/files';
import { table } from '../cli/format';
import { OrtSession, loadOrt } from '../ort/session';

const DEFAULT_MODELS = ['mobilenetv2-fp32', 'mobilenetv2-int8'];
const OVERHEAD_MODEL = 'mobilenetv2-int8';
const OVERHEAD_TARGET = 0.03;

interface ModelRun {
  id: string;
  precision: string;
  top1Agrees: boolean;
  oursRunSyncMs: number;
  oursClassifyTotalMs: number;
  oursClassifyWallMs: number;
  oursPreprocessMs: number;
  oursPostprocessMs: number;
  peerRunWallMs: number;
  ratioRunSync: number;
  ratioWall: number;
  overheadShare: number;
  /** The same share with the photo already at the model's input size (before the centre crop). */
  overheadShareAtInputSize: number;
  preprocessAtInputSizeMs: number;
}

const argmax = (values: ArrayLike<number>): number => {
  let best = 0, bestValue = -Infinity;
  for (const [i, v] of Array.from(values).entries()) {
    if (v > bestValue) { best = i; bestValue = v; }
  }
  return best;
};

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

interface Image { pixels: ArrayBuffer; width: number; height: number }

async function decode(file: string, resize?: { width: number; height: number }): Promise<Image> {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, IMAGE_FILE);  // never sharp on /dev/zero or a FIFO
  } catch (err) {
    fail((err as Error).message);
  }
  let pipeline = sharp(bytes).rotate();
  if (resize) pipeline = pipeline.resize(resize.width, resize.height, { fit: 'cover' });
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    .catch((err: Error) => fail(`cannot decode ${file}: ${err.message}`));
  return { pixels: new Uint8Array(data).buffer, width: info.width, height: info.height };
}

/** p50 of a series by the native runner's statistics (the one percentile definition). */
const p50 = (values: number[]): number => api.latencyStats(values).p50;

/**
 * Runs `sides` under one benchmark plan each (the native runner's phases and limits: first run, warm-up, timed loop),
 * in turns; who goes first alternates, so neither side always runs on a cache the other warmed. A side's run returns
 * the time its plan records; `timed` says whether the run is in the timed loop (secondary figures are kept only then).
 */
async function interleaved(sides: ((timed: boolean) => Promise<number>)[], iterations: number,
  warmup: number): Promise<api.BenchmarkPlanResult[]> {
  const plans = sides.map(() => api.createBenchmarkPlan({ iterations, warmup }));
  try {
    for (let turn = 0; ; turn++) {
      let ran = false;
      for (let k = 0; k < sides.length; k++) {
        const i = turn % 2 === 0 ? k : sides.length - 1 - k;
        const plan = plans[i], side = sides[i];
        if (plan === undefined || side === undefined) throw new RangeError(`no side ${i}`);
        const phase = plan.next();
        if (phase === 'done') continue;
        plan.record(await side(phase === 'timed'));
        ran = true;
      }
      if (!ran) return plans.map((plan) => plan.result());
    }
  } finally {
    for (const plan of plans) plan.release();
  }
}

async function benchModel(dir: string, id: string, precision: string, file: string, image: Image, inputSizeImage: Image,
  iterations: number, warmup: number, threads: number): Promise<ModelRun> {
  const ours = await api.loadClassifier({ rawfileDir: dir, modelId: id });
  let peer: OrtSession | undefined;
  try {
    // onnxruntime as it runs fastest (all graph optimisations), with no spin-waiting in its thread pool after a run:
    // with interleaved calls it would steal the CPU from ours.
    peer = await OrtSession.open(file, { threads, optimization: 'all', spinning: false });
    const ins = await ours.inspect(image.pixels, image.width, image.height, 'RGBA');
    if (ins.inputDType !== 'float32') fail(`${id}: input dtype ${ins.inputDType}; the peer comparison feeds float32`);
    const input = peer.tensor(ins.input, ins.inputShape, ins.inputDType);
    const peerOut = await peer.run(input);
    const top1Agrees = argmax(ins.probabilities) === argmax(peerOut.data as Float32Array);

    const total: number[] = [], wall: number[] = [], share: number[] = [], pre: number[] = [], post: number[] = [];
    const oursSide = async (timed: boolean): Promise<number> => {
      const t0 = performance.now();
      const r = await ours.classify(image.pixels, image.width, image.height, 'RGBA', undefined, 5);
      if (timed) {
        wall.push(performance.now() - t0);
        total.push(r.timings.totalMs);
        pre.push(r.timings.preprocessMs);
        post.push(r.timings.postprocessMs);
        share.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
      }
      return r.timings.inferenceMs;  // the plan's figure: RunSync
    };
    const peerRun = peer;
    const peerSide = async (): Promise<number> => {
      const t0 = performance.now();
      await peerRun.run(input);
      return performance.now() - t0;
    };
    const [oursResult, peerResult] = await interleaved([oursSide, peerSide], iterations, warmup);
    if (oursResult === undefined || peerResult === undefined) throw new RangeError('a side has no result');

    // Overhead with an input that needs no resize (only ours runs here).
    const sharePre: number[] = [], preAtSize: number[] = [];
    await interleaved([async (timed: boolean): Promise<number> => {
      const r = await ours.classify(inputSizeImage.pixels, inputSizeImage.width, inputSizeImage.height, 'RGBA', undefined, 5);
      if (timed) {
        sharePre.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
        preAtSize.push(r.timings.preprocessMs);
      }
      return r.timings.totalMs;
    }], iterations, 0);
    const runSyncMs = oursResult.latencyMs.p50, peerMs = peerResult.latencyMs.p50;
    return {
      id, precision, top1Agrees,
      overheadShareAtInputSize: p50(sharePre), preprocessAtInputSizeMs: p50(preAtSize),
      oursRunSyncMs: runSyncMs, oursClassifyTotalMs: p50(total), oursClassifyWallMs: p50(wall),
      oursPreprocessMs: p50(pre), oursPostprocessMs: p50(post),
      peerRunWallMs: peerMs,
      ratioRunSync: runSyncMs / peerMs, ratioWall: p50(wall) / peerMs,
      overheadShare: p50(share),
    };
  } finally {
    ours.release();
    await peer?.release();
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: 'string', multiple: true }, iterations: { type: 'string' }, warmup: { type: 'string' },
        threads: { type: 'string' }, image: { type: 'string' }, json: { type: 'string' },
      },
    }));
  } catch (err) {
    fail(firstLine((err as Error).message));
  }
  const int = (v: string | undefined, fallback: number, min: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) fail(`expected an integer >= ${min}, got '${v}'`);
    return n;
  };
  const iterations = int(values.iterations, 50, 1);
  const warmup = int(values.warmup, 5, 0);
  const threads = int(values.threads, 1, 1);
  const dir = rawfileDir();
  const imageFile = values.image ?? path.join(dir, 'samples', 'house_640x480.png');
  const ids = values.model ?? DEFAULT_MODELS;

  let manifest;
  try {
    manifest = api.readManifest(dir);
  } catch (err) {
    fail((err as Error).message);
  }
  const image = await decode(imageFile);
  const info = { width: image.width, height: image.height };

  api.setThreadCount(threads);
  process.stdout.write(`bench:peer — ours (host NN runtime, ${threads} thread${threads > 1 ? 's' : ''}) vs onnxruntime-node ` +
    `${loadOrt().env.versions.node ?? ''} (intraOpNumThreads ${threads}); ${iterations} interleaved runs after ${warmup} warm-up; ` +
    `input: ${path.basename(imageFile)} ${info.width}x${info.height} pre-processed once by ours, fed to both\n`);
  const runs: ModelRun[] = [];
  for (const id of ids) {
    const entry = manifest.models.find((m) => m.id === id);
    if (!entry) fail(`no model '${id}' in ${manifest.file}`);
    const onnx = entry.targets.find((t) => t.name === 'onnx');
    if (!onnx || !fs.existsSync(onnx.path)) {
      fail(`${id}: ${onnx ? onnx.path : 'no onnx target'} missing; generate the bench models with scripts/setup.d/20-bench-models.sh`);
    }
    process.stderr.write(`running ${id}...\n`);
    // The photo at the model's input size before the centre crop, so pre-processing does not resize.
    const atInputSize = await decode(imageFile, {
      width: Math.round(entry.inputWidth / entry.centerCrop), height: Math.round(entry.inputHeight / entry.centerCrop),
    });
    runs.push(await benchModel(dir, id, entry.precision, onnx.path, image, atInputSize, iterations, warmup, threads));
  }

  const f = (v: number): string => v.toFixed(3);
  process.stdout.write(table(
    ['model', 'top-1 same', 'ours RunSync', 'ours classify (native)', 'ours classify (JS)', 'ORT run (JS)', 'RunSync/ORT', 'classify/ORT'],
    runs.map((r) => [r.id, r.top1Agrees ? 'yes' : 'NO', f(r.oursRunSyncMs), f(r.oursClassifyTotalMs), f(r.oursClassifyWallMs),
      f(r.peerRunWallMs), `${r.ratioRunSync.toFixed(2)}x`, `${r.ratioWall.toFixed(2)}x`]),
    [false, false, true, true, true, true, true, true], ''));
  process.stdout.write('p50 ms, the native runner\'s statistics; "classify" includes pre-processing of the photo and post-processing (top-5)\n');
  const o = runs.find((r) => r.id === OVERHEAD_MODEL);
  if (o) {
    process.stdout.write(`overhead share on ${o.id}: (classify total - inference) / inference = ${(o.overheadShare * 100).toFixed(2)}% ` +
      `(target <= ${OVERHEAD_TARGET * 100}%: ${o.overheadShare <= OVERHEAD_TARGET ? 'met' : 'NOT met'}); ` +
      `pre-processing ${f(o.oursPreprocessMs)} ms (${info.width}x${info.height} photo -> model input), post-processing ` +
      `${f(o.oursPostprocessMs)} ms, inference ${f(o.oursRunSyncMs)} ms\n`);
    process.stdout.write(`overhead share on ${o.id} with the photo already at the model's input size: ` +
      `${(o.overheadShareAtInputSize * 100).toFixed(2)}% (target <= ${OVERHEAD_TARGET * 100}%: ` +
      `${o.overheadShareAtInputSize <= OVERHEAD_TARGET ? 'met' : 'NOT met'}); pre-processing ${f(o.preprocessAtInputSizeMs)} ms\n`);
  }
  if (values.json) {
    writeJsonFile(values.json, { threads, iterations, warmup, image: imageFile, runs });
  }
}

main().catch((err: Error) => fail(firstLine(err.message)));
