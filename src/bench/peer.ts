/*
 * `npm run bench:peer`: our addon (host NN runtime) vs onnxruntime-node on the same ONNX models, with the same
 * pre-processed input (the exact tensor our pre-processing wrote, from Classifier.inspect), at each thread count,
 * measured side by side in one run: per model, every side (ours and each onnxruntime configuration, at every thread
 * count) takes turns, so machine noise hits all alike; the 1-thread rows run in a child process pinned to one CPU, both
 * sides on it (runPinned says why). onnxruntime runs the model's own file and, for an int8 model,
 * also its uint8-activation twin (generated at setup next to it: onnxruntime's fast x86 int8 path, MLAS U8S8); the
 * ratio that counts is ours / onnxruntime's best of those (p50 over p50), shown beside the median of the per-turn
 * ratios ("paired": robust to noise in phases of seconds, which can put the two p50s in different phases). Per
 * model also GMAC/s (the model's Conv/Gemm/MatMul MACs, counted once from the ONNX graph, over the p50), and with
 * --peak the share of the measured peak (npulens_peak's
 * --json report; the peak of one core times the thread count, int8 models against the int8 dot-product peak).
 * Every side is timed by the native benchmark runner (one plan each: first run, warm-up, timed loop), statistics
 * included (R-7 p50). Also the classify overhead share (classify total - inference) / inference, whose target on
 * int8 MobileNetV2-224 is <= 3%, for two inputs: the photo (pre-processing resizes it) and the same photo already at
 * the model's input size before the centre crop (pre-processing only crops, converts and normalises).
 *
 * With --set broad, the models are the broad benchmark set instead (tools/models/benchset.py, generated at setup into
 * build/benchset/, its index.json): each architecture fp32 and int8, loaded from its file with ImageNet pre-processing;
 * a model our runtime refuses (OH_NN_UNSUPPORTED at load) is a row naming the op it lacks, and onnxruntime is not
 * timed on it. --model then picks from the set's ids (<key>-fp32, <key>-int8).
 *
 * Options: --model <id> (repeatable; default every manifest model under models/bench, or the whole --set)
 *          --set bench (default: the manifest's bench models) | broad
 *          --iterations N (default 50) --warmup N (default 5) --threads N[,N...] (default 1,2)
 *          --peak <npulens_peak --json report> --image <png|jpg> (default the sample house_640x480.png) --json FILE
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as api from '../api';
import { rawfileDir } from '../cli/model';
import { firstLine, writeJsonFile } from '../cli/errors';
import { IMAGE_FILE, readRegularFile } from '../cli/files';
import { table } from '../cli/format';
import { OrtSession, loadOrt } from '../ort/session';
import { countMacs } from './macs';
import {
  type Peak, type PeerOptions, SAME_FILE, UINT8_TWIN, bestPeer, childArgs, geometricMean, gmacPerSec, mergeRows,
  peakShare, peerConfigs, readPeak, turnRatios,
} from './peer-figures';

const OVERHEAD_MODEL = 'mobilenetv2-int8';
const OVERHEAD_TARGET = 0.03;

/** One model at one thread count. */
interface Row {
  id: string;
  precision: string;
  threads: number;
  /** Conv/Gemm/MatMul MACs of one inference, or null when they cannot be counted (macsError says why). */
  macs: number | null;
  macsError?: string;
  /** Top-1 of ours equals onnxruntime's in every configuration. */
  top1Agrees: boolean;
  oursRunSyncMs: number;
  /** onnxruntime's p50 run time (JS wall clock around session.run) per configuration. */
  peerMs: Record<string, number>;
  peerBest: string;
  peerBestMs: number;
  /** ours / onnxruntime's best: the ratio that counts. */
  ratio: number;
  /** The median over the turns of ours / onnxruntime's best in the same turn (turnRatios). */
  pairedRatio: number;
  oursGmacPerSec: number | null;
  peerBestGmacPerSec: number | null;
  /** Share of the measured peak of `threads` cores (--peak), null without it. */
  oursPeakShare: number | null;
  peerBestPeakShare: number | null;
}

interface Overhead {
  id: string;
  threads: number;
  runSyncMs: number;
  classifyTotalMs: number;
  classifyWallMs: number;
  preprocessMs: number;
  postprocessMs: number;
  share: number;
  /** The same share with the photo already at the model's input size (before the centre crop). */
  shareAtInputSize: number;
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

interface ModelEntry {
  id: string; precision: string; file: string; macs: number | null; macsError?: string;
  /** How ours loads it: a manifest id, or the file with its pre-processing (the broad set). */
  load: api.LoadOptions | api.FileLoadOptions;
  /** Measure the classify overhead on it (OVERHEAD_MODEL of the manifest's bench models). */
  overhead: boolean;
}

/** A model our runtime refuses at load with OH_NN_UNSUPPORTED: the op its error names, and the message. */
interface Refusal { id: string; precision: string; op: string; message: string }

/** The op an OH_NN_UNSUPPORTED load error names (hostnn: "unsupported op 'X'" or "unsupported X <where>: ..."). */
function refusedOp(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== 'OH_NN_UNSUPPORTED' || typeof e.message !== 'string') return undefined;
  const m = /unsupported (?:op '(\w+)'|(\w+) )/.exec(e.message);
  return m ? m[1] ?? m[2] ?? '?' : '?';
}

function countModelMacs(file: string): { macs: number | null; macsError?: string } {
  try {
    return { macs: countMacs(fs.readFileSync(file)) };
  } catch (err) {
    return { macs: null, macsError: firstLine((err as Error).message) };
  }
}

/**
 * One model: ours (loaded once per thread count) and onnxruntime in each configuration at each thread count, all
 * interleaved under one plan each. Returns a row per thread count, and the classify overhead at the first thread
 * count for the overhead model.
 */
async function benchModel(m: ModelEntry, image: Image, inputSizeImage: Image, iterations: number,
  warmup: number, threadCounts: number[], peak: Peak | undefined):
  Promise<{ rows: Row[]; overhead?: Overhead; refusal?: Refusal }> {
  const ours: api.Classifier[] = [];
  const peers: { threads: number; config: string; session: OrtSession }[] = [];
  try {
    for (const threads of threadCounts) {
      api.setThreadCount(threads);  // for executors built afterwards: this classifier's
      try {
        ours.push(await api.loadClassifier(m.load));
      } catch (err) {
        const op = refusedOp(err);
        if (op === undefined) throw err;
        return { rows: [], refusal: { id: m.id, precision: m.precision, op, message: firstLine((err as Error).message) } };
      }
      for (const config of peerConfigs(m.precision, m.file)) {
        if (!fs.existsSync(config.file)) {
          fail(`${m.id}: ${config.file} missing; generate the models (scripts/setup.d/20-bench-models.sh, 21-benchset.sh)`);
        }
        // onnxruntime as it runs fastest (all graph optimisations), with no spin-waiting in its thread pool after a
        // run: with interleaved calls it would steal the CPU from the other sides.
        peers.push({ threads, config: config.name,
          session: await OrtSession.open(config.file, { threads, optimization: 'all', spinning: false }) });
      }
    }
    const [first] = ours;
    if (first === undefined) throw new RangeError('no thread count');
    const ins = await first.inspect(image.pixels, image.width, image.height, 'RGBA');
    if (ins.inputDType !== 'float32') fail(`${m.id}: input dtype ${ins.inputDType}; the peer comparison feeds float32`);
    const oursTop1 = argmax(ins.probabilities);
    let top1Agrees = true;
    const inputs = peers.map((p) => p.session.tensor(ins.input, ins.inputShape, ins.inputDType));
    for (const [i, p] of peers.entries()) {
      const input = inputs[i];
      if (input === undefined) throw new RangeError(`no input ${i}`);
      if (argmax((await p.session.run(input)).data as Float32Array) !== oursTop1) top1Agrees = false;
    }

    const total: number[] = [], wall: number[] = [], share: number[] = [], pre: number[] = [], post: number[] = [];
    const oursSides = ours.map((classifier, t) => async (timed: boolean): Promise<number> => {
      const t0 = performance.now();
      const r = await classifier.classify(image.pixels, image.width, image.height, 'RGBA', undefined, 5);
      if (timed && t === 0) {
        wall.push(performance.now() - t0);
        total.push(r.timings.totalMs);
        pre.push(r.timings.preprocessMs);
        post.push(r.timings.postprocessMs);
        share.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
      }
      return r.timings.inferenceMs;  // the plan's figure: RunSync
    });
    const peerSides = peers.map((p, i) => async (): Promise<number> => {
      const input = inputs[i];
      if (input === undefined) throw new RangeError(`no input ${i}`);
      const t0 = performance.now();
      await p.session.run(input);
      return performance.now() - t0;
    });
    const results = await interleaved([...oursSides, ...peerSides], iterations, warmup);
    const resultOf = (i: number): api.BenchmarkPlanResult => {
      const r = results[i];
      if (r === undefined) throw new RangeError(`side ${i} has no result`);
      return r;
    };
    const p50Of = (i: number): number => resultOf(i).latencyMs.p50;

    const rows = threadCounts.map((threads, t): Row => {
      const peerMs = new Map<string, number>();
      peers.forEach((p, i) => { if (p.threads === threads) peerMs.set(p.config, p50Of(ours.length + i)); });
      const best = bestPeer(peerMs);
      const bestSide = ours.length + peers.findIndex((p) => p.threads === threads && p.config === best.name);
      const oursMs = p50Of(t);
      const gmacs = (ms: number): number | null => (m.macs === null ? null : gmacPerSec(m.macs, ms));
      const oursG = gmacs(oursMs), peerG = gmacs(best.ms);
      const share = (g: number | null): number | null =>
        (g === null || peak === undefined ? null : peakShare(g, m.precision, threads, peak));
      return {
        id: m.id, precision: m.precision, threads, macs: m.macs,
        ...(m.macsError === undefined ? {} : { macsError: m.macsError }),
        top1Agrees, oursRunSyncMs: oursMs, peerMs: Object.fromEntries(peerMs), peerBest: best.name,
        peerBestMs: best.ms, ratio: oursMs / best.ms,
        pairedRatio: p50(turnRatios(resultOf(t).samplesMs, resultOf(bestSide).samplesMs)), oursGmacPerSec: oursG, peerBestGmacPerSec: peerG,
        oursPeakShare: share(oursG), peerBestPeakShare: share(peerG),
      };
    });
    if (!m.overhead) return { rows };

    // Overhead with an input that needs no resize (only ours runs here, at the first thread count).
    const sharePre: number[] = [], preAtSize: number[] = [];
    await interleaved([async (timed: boolean): Promise<number> => {
      const r = await first.classify(inputSizeImage.pixels, inputSizeImage.width, inputSizeImage.height, 'RGBA',
        undefined, 5);
      if (timed) {
        sharePre.push((r.timings.totalMs - r.timings.inferenceMs) / r.timings.inferenceMs);
        preAtSize.push(r.timings.preprocessMs);
      }
      return r.timings.totalMs;
    }], iterations, 0);
    const [row] = rows;
    if (row === undefined) throw new RangeError('no row');
    return {
      rows,
      overhead: {
        id: m.id, threads: row.threads, runSyncMs: row.oursRunSyncMs, classifyTotalMs: p50(total),
        classifyWallMs: p50(wall), preprocessMs: p50(pre), postprocessMs: p50(post), share: p50(share),
        shareAtInputSize: p50(sharePre), preprocessAtInputSizeMs: p50(preAtSize),
      },
    };
  } finally {
    for (const classifier of ours) classifier.release();
    for (const p of peers) await p.session.release();
  }
}

interface Selected { entry: Omit<ModelEntry, 'macs' | 'macsError'>; inputWidth: number; inputHeight: number }

/** The manifest's bench models (models/bench), or those of `ids`. */
function manifestBench(dir: string, ids: string[] | undefined): Selected[] {
  let manifest: api.ManifestSummary;
  try {
    manifest = api.readManifest(dir);
  } catch (err) {
    fail((err as Error).message);
  }
  const benchDir = path.resolve(dir, 'models', 'bench') + path.sep;
  const wanted = ids ?? manifest.models
    .filter((m) => m.targets.some((t) => t.name === 'onnx' && path.resolve(t.path).startsWith(benchDir)))
    .map((m) => m.id);
  if (wanted.length === 0) fail(`no bench models in ${manifest.file}`);
  return wanted.map((id) => {
    const entry = manifest.models.find((e) => e.id === id);
    if (!entry) fail(`no model '${id}' in ${manifest.file}`);
    const onnx = entry.targets.find((t) => t.name === 'onnx');
    if (!onnx || !fs.existsSync(onnx.path)) {
      fail(`${id}: ${onnx ? onnx.path : 'no onnx target'} missing; generate the bench models with scripts/setup.d/20-bench-models.sh`);
    }
    return {
      entry: { id, precision: entry.precision, file: onnx.path, load: { rawfileDir: dir, modelId: id },
        overhead: id === OVERHEAD_MODEL },
      inputWidth: Math.round(entry.inputWidth / entry.centerCrop),
      inputHeight: Math.round(entry.inputHeight / entry.centerCrop),
    };
  });
}

/** build/benchset, relative to the repository (dist/bench/peer.js is two levels below it). */
const BROAD_DIR = path.join('build', 'benchset');

/** The broad set's models (its index.json), fp32 and int8 of each architecture, or those of `ids`. */
function broadSet(ids: string[] | undefined): Selected[] {
  const dir = path.resolve(__dirname, '..', '..', BROAD_DIR);
  const indexFile = path.join(dir, 'index.json');
  let index: { format?: unknown; inputSize?: unknown; classes?: unknown; models?: unknown };
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as typeof index;
  } catch (err) {
    fail(`${indexFile}: ${firstLine((err as Error).message)}; generate the set with scripts/setup.d/21-benchset.sh`);
  }
  if (index.format !== 'npulens-benchset/1' || typeof index.inputSize !== 'number' || typeof index.classes !== 'number'
    || !Array.isArray(index.models)) {
    fail(`${indexFile}: not a benchset index (format npulens-benchset/1)`);
  }
  const size = index.inputSize, classes = index.classes;
  const all: Selected[] = [];
  for (const m of index.models as { key?: unknown; files?: Record<string, unknown> }[]) {
    for (const precision of ['fp32', 'int8']) {
      const name = m.files?.[precision];
      if (typeof m.key !== 'string' || typeof name !== 'string') fail(`${indexFile}: a model without key or ${precision} file`);
      const file = path.join(dir, name);
      all.push({
        entry: { id: `${m.key}-${precision}`, precision, file, overhead: false,
          load: { modelPath: file, classes, input: { width: size, height: size, ...IMAGENET } } },
        inputWidth: size, inputHeight: size,
      });
    }
  }
  if (ids === undefined) return all;
  return ids.map((id) => all.find((s) => s.entry.id === id)
    ?? fail(`no model '${id}' in ${indexFile} (${all.map((s) => s.entry.id).join(', ')})`));
}

/** The broad set's pre-processing: ImageNet's mean and standard deviation, RGB, NCHW (as benchset.py calibrates). */
const IMAGENET = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };

/**
 * The 1-thread rows run in a child process pinned to one CPU (taskset), both sides on it. onnxruntime-node runs a
 * session on the JS thread (its run() is a setImmediate), ours on a libuv worker thread; unpinned, the two threads can
 * sit on different vCPUs, and on a shared host one vCPU can run far slower than the other for seconds (MobileNetV2
 * int8 on one thread: 6.3 ms alone, 10.1 ms while a shell loop spins on the other vCPU), so one side ran 1.5x slower
 * than the other within the same turns. Rows of more threads use every CPU, as their threads need.
 */
const PINNED_ENV = 'NPULENS_PEER_PINNED_CPU';
const PIN_CPU = '0';

interface Report { rows: Row[]; refused: Refusal[]; overhead: Overhead | null }

/** Runs this tool again for `threads`, pinned to PIN_CPU; its report (its table goes nowhere, its progress to stderr). */
function runPinned(options: PeerOptions, threads: number[]): Report {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-peer-')), 'pinned.json');
  try {
    const script = process.argv[1] ?? fail('no script path to run again');
    const r = spawnSync('taskset', ['-c', PIN_CPU, process.execPath, script, ...childArgs(options, threads, json)],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, [PINNED_ENV]: PIN_CPU } });
    if (r.error) fail(`taskset: ${r.error.message}`);
    if (r.status !== 0) fail(`the ${threads.join(',')}-thread run pinned to CPU ${PIN_CPU} failed (exit ${r.status ?? r.signal})`);
    return JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
  } finally {
    fs.rmSync(path.dirname(json), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: 'string', multiple: true }, iterations: { type: 'string' }, warmup: { type: 'string' },
        threads: { type: 'string' }, image: { type: 'string' }, json: { type: 'string' }, peak: { type: 'string' },
        set: { type: 'string' },
      },
    }));
  } catch (err) {
    fail(firstLine((err as Error).message));
  }
  const int = (v: string | undefined, fallback: number, min: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) fail(`expected an integer >= ${min}, got '${v}'`);
    return n;
  };
  const set = values.set ?? 'bench';
  if (set !== 'bench' && set !== 'broad') fail(`--set: expected bench or broad, got '${set}'`);
  const iterations = int(values.iterations, 50, 1);
  const warmup = int(values.warmup, 5, 0);
  const threadCounts = (values.threads ?? '1,2').split(',').map((v) => int(v, 1, 1));
  const dir = rawfileDir();
  const imageFile = values.image ?? path.join(dir, 'samples', 'house_640x480.png');
  let peak: Peak | undefined;
  if (values.peak !== undefined) {
    try {
      peak = readPeak(JSON.parse(fs.readFileSync(values.peak, 'utf8')) as unknown, values.peak);
    } catch (err) {
      fail(`--peak: ${firstLine((err as Error).message)}`);
    }
  }

  const models = set === 'broad' ? broadSet(values.model) : manifestBench(dir, values.model);
  const image = await decode(imageFile);
  const pinnedCpu = process.env[PINNED_ENV];
  const pinOne = pinnedCpu === undefined && threadCounts.includes(1) && os.cpus().length > 1;
  const here = pinOne ? threadCounts.filter((t) => t !== 1) : threadCounts;

  process.stdout.write(`bench:peer — ours (host NN runtime) vs onnxruntime-node ${loadOrt().env.versions.node ?? ''} ` +
    `(all graph optimisations; intraOpNumThreads = threads), threads ${threadCounts.join(', ')}; ${iterations} ` +
    `interleaved runs per side after ${warmup} warm-up; input: ${path.basename(imageFile)} ${image.width}x` +
    `${image.height} pre-processed once by ours, fed to all; models: ${set === 'broad' ? BROAD_DIR : 'bench'}; ` +
    `1-thread rows: ${pinOne || pinnedCpu !== undefined ? `both sides on CPU ${pinnedCpu ?? PIN_CPU} (taskset)` : 'unpinned'}\n`);
  const options: PeerOptions = {
    set, iterations, warmup, ...(values.model === undefined ? {} : { models: values.model }),
    ...(values.image === undefined ? {} : { image: values.image }), ...(values.peak === undefined ? {} : { peak: values.peak }),
  };
  const pinned: Report = pinOne ? runPinned(options, [1]) : { rows: [], refused: [], overhead: null };
  let rows: Row[] = [...pinned.rows];
  const refusals: Refusal[] = [...pinned.refused];
  let overhead: Overhead | undefined = pinned.overhead ?? undefined;
  for (const { entry, inputWidth, inputHeight } of here.length === 0 ? [] : models) {
    process.stderr.write(`running ${entry.id}...\n`);
    // The photo at the model's input size before the centre crop, so pre-processing does not resize.
    const atInputSize = await decode(imageFile, { width: inputWidth, height: inputHeight });
    // The classify overhead at the first thread count: the pinned run measures it when that is 1.
    const model = { ...entry, ...countModelMacs(entry.file), overhead: entry.overhead && here[0] === threadCounts[0] };
    const r = await benchModel(model, image, atInputSize, iterations, warmup, here, peak);
    rows.push(...r.rows);
    if (r.refusal && !refusals.some((f) => f.id === r.refusal?.id)) refusals.push(r.refusal);
    overhead ??= r.overhead;
  }
  rows = mergeRows(models.map((m) => m.entry.id), rows);
  if (rows.length === 0) fail(`our runtime refuses every model: ${refusals.map((r) => `${r.id} (${r.op})`).join(', ')}`);

  const f = (v: number): string => v.toFixed(3);
  const g = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(1));
  const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);
  const configs = [SAME_FILE, UINT8_TWIN];
  process.stdout.write(table(
    ['model', 'threads', 'top-1 same', 'ours', ...configs.map((c) => `ORT ${c}`), 'ORT best', 'ours/best', 'paired',
      'GMAC/s ours', 'GMAC/s ORT', '% peak ours', '% peak ORT'],
    rows.map((r) => [r.id, String(r.threads), r.top1Agrees ? 'yes' : 'NO', f(r.oursRunSyncMs),
      ...configs.map((c) => { const ms = r.peerMs[c]; return ms === undefined ? '-' : f(ms); }),
      r.peerBest, `${r.ratio.toFixed(2)}x`, `${r.pairedRatio.toFixed(2)}x`, g(r.oursGmacPerSec), g(r.peerBestGmacPerSec),
      pct(r.oursPeakShare), pct(r.peerBestPeakShare)]).concat(refusals.map((r) =>
      [r.id, '-', '-', 'refused', ...configs.map(() => '-'), '-', `${r.op} missing`, '-', '-', '-', '-', '-'])),
    [false, true, false, true, true, true, false, true, true, true, true, true, true], ''));
  const geomean = geometricMean(rows.map((r) => r.ratio));
  const pairedGeomean = geometricMean(rows.map((r) => r.pairedRatio));
  process.stdout.write(`p50 ms (ours: RunSync; onnxruntime: session.run), the native runner's statistics; ` +
    `paired: the median over the turns of ours/best in the same turn; ` +
    `geometric mean of ours/best ${geomean.toFixed(2)}x, of paired ${pairedGeomean.toFixed(2)}x` +
    (refusals.length === 0 ? '' : ` over the ${rows.length} rows our runtime runs`) + '\n');
  for (const r of refusals) process.stdout.write(`${r.id}: refused by our runtime (OH_NN_UNSUPPORTED): ${r.message}\n`);
  for (const r of rows.filter((row) => row.macsError !== undefined && row.threads === threadCounts[0])) {
    process.stdout.write(`${r.id}: GMAC/s n/a: ${r.macsError ?? ''}\n`);
  }
  process.stdout.write(peak === undefined
    ? '% peak: not measured; pass --peak <npulens_peak --json report> (tools/bench) for the share of the peak\n'
    : `% peak: of ${peak.source}'s one-core peak (fp32 ${peak.fp32} GMAC/s, int8 ${peak.int8} GMAC/s) x threads\n`);
  const o = overhead;
  if (o) {
    process.stdout.write(`overhead share on ${o.id} (${o.threads} thread${o.threads > 1 ? 's' : ''}): ` +
      `(classify total - inference) / inference = ${(o.share * 100).toFixed(2)}% ` +
      `(target <= ${OVERHEAD_TARGET * 100}%: ${o.share <= OVERHEAD_TARGET ? 'met' : 'NOT met'}); ` +
      `pre-processing ${f(o.preprocessMs)} ms (${image.width}x${image.height} photo -> model input), post-processing ` +
      `${f(o.postprocessMs)} ms, inference ${f(o.runSyncMs)} ms\n`);
    process.stdout.write(`overhead share on ${o.id} with the photo already at the model's input size: ` +
      `${(o.shareAtInputSize * 100).toFixed(2)}% (target <= ${OVERHEAD_TARGET * 100}%: ` +
      `${o.shareAtInputSize <= OVERHEAD_TARGET ? 'met' : 'NOT met'}); pre-processing ${f(o.preprocessAtInputSizeMs)} ms\n`);
  }
  if (values.json) {
    writeJsonFile(values.json, {
      set, threads: threadCounts, iterations, warmup, image: imageFile, peak: peak ?? null,
      geometricMeanRatio: geomean, geometricMeanPairedRatio: pairedGeomean, rows, refused: refusals, overhead: overhead ?? null,
    });
  }
}

main().catch((err: Error) => fail(firstLine(err.message)));
