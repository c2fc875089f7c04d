/*
 * `npm run bench:peer`: our addon (host NN runtime) vs onnxruntime-node on the same ONNX models, with the same
 * pre-processed input (the exact tensor our pre-processing wrote, from Classifier.inspect) and the same thread
 * count, measured side by side in one run (calls interleaved, so machine noise hits both alike).
 * Reports median latencies and the ratio ours/peer, and the classify overhead share
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
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import * as api from '../api';
import { rawfileDir } from '../cli/model';
import { firstLine, writeJsonFile } from '../cli/errors';
import { IMAGE_FILE, readRegularFile } from '../cli/files';
import { table } from '../cli/format';

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

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  const lo = s[s.length % 2 ? m : m - 1], hi = s[m];
  if (lo === undefined || hi === undefined) throw new RangeError('median of no values');
  return (lo + hi) / 2;
};

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

async function benchModel(dir: string, id: string, precision: string, file: string, image: Image, inputSizeImage: Image,
  iterations: number, warmup: number, threads: number): Promise<ModelRun> {
  const ours = await api.loadClassifier({ rawfileDir: dir, modelId: id });
  // No spin-waiting in ORT's thread pool after a run: with interleaved calls it would steal the CPU from ours.
  const peer = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  try {
    const ins = await ours.inspect(image.pixels, image.width, image.height, 'RGBA');
    if (ins.inputDType !== 'float32') fail(`${id}: input dtype ${ins.inputDType}; the peer comparison feeds float32`);
    const [inputName] = peer.inputNames, [outputName] = peer.outputNames;
    if (inputName === undefined || outputName === undefined) fail(`${id}: the model has no input or no output`);
    const feeds = { [inputName]: new ort.Tensor('float32', new Float32Array(ins.input), ins.inputShape) };
    const peerOut = (await peer.run(feeds))[outputName];
    if (peerOut === undefined) fail(`${id}: onnxruntime-node returned no output '${outputName}'`);
    const top1Agrees = argmax(ins.probabilities) === argmax(peerOut.data as Float32Array);

    const classify = () => ours.classify(image.pixels, image.width, image.height, 'RGBA', undefined, 5);
    for (let i = 0; i < warmup; i++) {
      await classify();
      await peer.run(feeds);
    }
    const runSync: number[] = [], total: number[] = [], wall: number[] = [], peerWall: number[] = [], share: number[] = [];
    const pre: number[] = [], post: number[] = [];
    for (let i = 0; i < iterations; i++) {
      // Alternate who goes first, so neither side always runs on a cache the other warmed.
      const order = i % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
      for (const side of order) {
        const t0 = performance.now();
        if (side === 'ours') {
          const r = await classify();
          wall.push(performance.now() - t0);
          runSync.push(r.timings.inferenceMs);
          total.push(r.timings.totalMs);
          pre.push(r.timings.preprocessMs);
          post.push(r.timings.postprocessMs);
          share.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
        } else {
          await peer.run(feeds);
          peerWall.push(performance.now() - t0);
        }
      }
    }
    // Overhead with an input that needs no resize (only ours runs here).
    const sharePre: number[] = [], preAtSize: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const r = await ours.classify(inputSizeImage.pixels, inputSizeImage.width, inputSizeImage.height, 'RGBA', undefined, 5);
      sharePre.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
      preAtSize.push(r.timings.preprocessMs);
    }
    return {
      id, precision, top1Agrees,
      overheadShareAtInputSize: median(sharePre), preprocessAtInputSizeMs: median(preAtSize),
      oursRunSyncMs: median(runSync), oursClassifyTotalMs: median(total), oursClassifyWallMs: median(wall),
      oursPreprocessMs: median(pre), oursPostprocessMs: median(post),
      peerRunWallMs: median(peerWall),
      ratioRunSync: median(runSync) / median(peerWall), ratioWall: median(wall) / median(peerWall),
      overheadShare: median(share),
    };
  } finally {
    ours.release();
    await peer.release();
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
    `${ort.env.versions.node ?? ''} (intraOpNumThreads ${threads}); ${iterations} interleaved runs after ${warmup} warm-up; ` +
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
  process.stdout.write('median ms; "classify" includes pre-processing of the photo and post-processing (top-5)\n');
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
