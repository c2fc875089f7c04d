/*
 * `npm run bench:e2e [-- <folder>]`: images/s of `npulens classify` over a folder of photos, next to a plain script
 * doing the same with sharp + onnxruntime-node, same model, same images, at each thread count, in one run.
 *
 * Ours is the CLI command itself, run in-process (runCli 'classify <every photo> --json'): decode at the size the
 * model needs with decoding ahead of the classifier (src/cli/image.ts), the native pre-processing, inference and
 * top-5. The peer is what a competent user writes: sharp decodes with shrink-on-load (resize the shorter side to
 * input / centerCrop, i.e. 256 for 224, then extract the centred input square: the torchvision recipe our
 * pre-processing also follows), normalises to float32 NCHW in JavaScript, runs onnxruntime-node (all graph
 * optimisations) on the fastest form of the same network (the int8 file, its uint8-activation twin or the fp32
 * model: timed at start, the fastest taken), softmax + top-5 in JavaScript, with the same number of decodes in
 * flight as ours. Both sides: sharp.concurrency(threads) libvips threads, `threads` inference threads. The sides
 * alternate, round by round; per side the median images/s over the rounds and the mean per-image stage times
 * (decode, pre-processing, inference, post-processing) of that run.
 *
 * Without a folder the photos are generated once, deterministically, from the bundled samples into
 * build/e2e-photos (--count, default 1000): sizes 640x480 to 4032x3024 (landscape and portrait), 90% JPEG (quality
 * 80-95, some with EXIF orientation 6), 10% PNG; brightness and flips varied.
 *
 * Options: --model <id> (default mobilenetv2-int8; its fp32 twin is <base>-fp32) --threads N[,N...] (default 1,2)
 *          --rounds N (default 2) --count N (generated photos, default 1000) --json FILE
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as api from '../api';
import { firstLine, writeJsonFile } from '../cli/errors';
import { table } from '../cli/format';
import { DECODE_AHEAD } from '../cli/image';
import { runCli } from '../cli/main';
import { rawfileDir } from '../cli/model';
import { collectImages } from '../cli/verify/inputs';
import { OrtSession } from '../ort/session';

const DEFAULT_MODEL = 'mobilenetv2-int8';
const PHOTOS_DIR = path.resolve(__dirname, '..', '..', 'build', 'e2e-photos');
/** Bumped when the generated set changes, so an old folder is regenerated. */
const PHOTOS_VERSION = 2;
const SIZES: readonly [number, number][] = [
  [640, 480], [800, 600], [1024, 768], [1280, 720], [1600, 1200], [1920, 1080], [2048, 1536], [2560, 1920],
  [3264, 2448], [4032, 3024],
];

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** Photo i of the generated set: which sample, its size and format. Pure, so the set is the same on every machine. */
export function photoSpec(i: number, samples: number): {
  sample: number; width: number; height: number; format: 'jpeg' | 'png'; quality: number; exif6: boolean;
} {
  // i / 10 shifts the cycle every ten photos, so the PNGs (every tenth) take every size too.
  const [w, h] = SIZES[(i * 7 + Math.floor(i / 10)) % SIZES.length]!;
  const portrait = i % 3 === 1;
  return {
    sample: i % samples, width: portrait ? h : w, height: portrait ? w : h, format: i % 10 === 3 ? 'png' : 'jpeg',
    quality: 80 + (i % 4) * 5, exif6: i % 20 === 7,
  };
}

/** The generated folder, made (in parallel, a few at a time) unless a complete one of this version is there. */
async function ensurePhotos(count: number): Promise<string> {
  const marker = path.join(PHOTOS_DIR, '.complete.json');
  const want = JSON.stringify({ version: PHOTOS_VERSION, count });
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return PHOTOS_DIR;
  fs.rmSync(PHOTOS_DIR, { recursive: true, force: true });
  fs.mkdirSync(PHOTOS_DIR, { recursive: true });
  const sampleDir = path.join(rawfileDir(), 'samples');
  const samples = fs.readdirSync(sampleDir).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort()
    .map((n) => path.join(sampleDir, n));
  if (samples.length === 0) fail(`no sample images in ${sampleDir}`);
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const s = photoSpec(i, samples.length);
      // An EXIF-6 photo is stored rotated back, so it shows the intended size once oriented.
      let img = sharp(samples[s.sample]!).rotate()
        .resize(s.exif6 ? s.height : s.width, s.exif6 ? s.width : s.height, { fit: 'cover' })
        .linear(0.9 + 0.05 * (i % 5), (i % 7) * 3);
      if (i % 2 === 1) img = img.flop();
      if (s.exif6) img = img.withMetadata({ orientation: 6 });
      const name = `photo_${String(i).padStart(4, '0')}_${s.width}x${s.height}.${s.format === 'png' ? 'png' : 'jpg'}`;
      await (s.format === 'png' ? img.png({ compressionLevel: 3 }) : img.jpeg({ quality: s.quality }))
        .toFile(path.join(PHOTOS_DIR, name));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  fs.writeFileSync(marker, want);
  process.stderr.write(`generated ${count} photos in ${PHOTOS_DIR} in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return PHOTOS_DIR;
}

interface Stages { decodeMs: number; preprocessMs: number; inferenceMs: number; postprocessMs: number }
interface Run { imagesPerSec: number; wallMs: number; stages: Stages; top1: number[] }

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const median = (v: number[]): number => api.latencyStats(v).p50;

/** `npulens classify <files> --model <id> --json`, in-process; its throughput and per-image stage means. */
async function runOurs(files: string[], model: string): Promise<Run> {
  let out = '', err = '';
  const io = { stdout: { write: (s: string): boolean => { out += s; return true; } },
    stderr: { write: (s: string): boolean => { err += s; return true; } } };
  const code = await runCli(['classify', ...files, '--model', model, '--json'], io);
  if (code !== 0) fail(`npulens classify exited ${code}: ${err.trim()}`);
  const doc = JSON.parse(out) as {
    results: { top: { index: number }[]; timings: Stages }[]; throughput: { imagesPerSec: number; wallMs: number };
  };
  const stage = (k: keyof Stages): number => mean(doc.results.map((r) => r.timings[k]));
  return {
    imagesPerSec: doc.throughput.imagesPerSec, wallMs: doc.throughput.wallMs,
    stages: { decodeMs: stage('decodeMs'), preprocessMs: stage('preprocessMs'), inferenceMs: stage('inferenceMs'),
      postprocessMs: stage('postprocessMs') },
    top1: doc.results.map((r) => r.top[0]?.index ?? -1),
  };
}

interface Input { width: number; height: number; centerCrop: number; mean: number[]; std: number[] }

/** The peer's decode: the shorter side to input / centerCrop with shrink-on-load, then the centred input square. */
async function peerDecode(file: string, input: Input): Promise<{ rgb: Buffer; ms: number }> {
  const t0 = performance.now();
  const img = sharp(file).rotate();
  const { width, height } = (await img.metadata()).autoOrient;
  const scale = Math.max(input.width, input.height) / input.centerCrop / Math.min(width, height);
  const w = Math.max(input.width, Math.round(width * scale)), h = Math.max(input.height, Math.round(height * scale));
  const rgb = await img.resize(w, h, { fit: 'fill' })
    .extract({ left: (w - input.width) >> 1, top: (h - input.height) >> 1, width: input.width, height: input.height })
    .removeAlpha().raw().toBuffer();
  return { rgb, ms: performance.now() - t0 };
}

/** The plain sharp + onnxruntime-node loop over `files`, decodes running ahead as ours. */
async function runPeer(files: string[], session: OrtSession, input: Input, dtype: string): Promise<Run> {
  const plane = input.width * input.height;
  const tensorData = new Float32Array(3 * plane);
  const decodes: Promise<{ rgb: Buffer; ms: number }>[] = [];
  let started = 0;
  const fill = (): void => {
    for (; started < files.length && decodes.length < DECODE_AHEAD; started++) decodes.push(peerDecode(files[started]!, input));
  };
  const d: number[] = [], pre: number[] = [], inf: number[] = [], post: number[] = [], top1: number[] = [];
  const start = performance.now();
  for (let i = 0; i < files.length; i++) {
    fill();
    const { rgb, ms } = await decodes.shift()!;
    fill();
    d.push(ms);
    const t0 = performance.now();
    for (let c = 0; c < 3; c++) {
      const m = input.mean[c]!, s = 1 / input.std[c]!;
      for (let p = 0; p < plane; p++) tensorData[c * plane + p] = (rgb[p * 3 + c]! - m) * s;
    }
    const tensor = session.tensor(tensorData.buffer, [1, 3, input.height, input.width], dtype);
    const t1 = performance.now();
    const logits = (await session.run(tensor)).data as Float32Array;
    const t2 = performance.now();
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const probs = Array.from(logits, (v) => Math.exp(v - max));
    const sum = probs.reduce((a, b) => a + b, 0);
    const top5 = probs.map((p, k) => ({ k, p: p / sum })).sort((a, b) => b.p - a.p).slice(0, 5);
    top1.push(top5[0]?.k ?? -1);
    post.push(performance.now() - t2);
    pre.push(t1 - t0);
    inf.push(t2 - t1);
  }
  const wallMs = performance.now() - start;
  return { imagesPerSec: files.length / (wallMs / 1000), wallMs,
    stages: { decodeMs: mean(d), preprocessMs: mean(pre), inferenceMs: mean(inf), postprocessMs: mean(post) }, top1 };
}

/** onnxruntime's fastest form of the network at `threads`: p50 of 20 runs on a mid-grey input after 3 warm-ups. */
async function fastestPeer(candidates: { name: string; file: string }[], input: Input,
  threads: number): Promise<{ name: string; session: OrtSession; p50Ms: Record<string, number> }> {
  const data = new Float32Array(3 * input.width * input.height);
  let best: { name: string; session: OrtSession; ms: number } | undefined;
  const p50Ms: Record<string, number> = {};
  for (const c of candidates) {
    const session = await OrtSession.open(c.file, { threads, optimization: 'all' });
    const tensor = session.tensor(data.buffer, [1, 3, input.height, input.width], 'float32');
    const times: number[] = [];
    for (let k = 0; k < 23; k++) {
      const t0 = performance.now();
      await session.run(tensor);
      if (k >= 3) times.push(performance.now() - t0);
    }
    const ms = median(times);
    p50Ms[c.name] = ms;
    if (best === undefined || ms < best.ms) {
      await best?.session.release();
      best = { name: c.name, session, ms };
    } else {
      await session.release();
    }
  }
  if (best === undefined) fail('no onnxruntime model to compare with');
  return { name: best.name, session: best.session, p50Ms };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: {
      model: { type: 'string' }, threads: { type: 'string' }, rounds: { type: 'string' }, count: { type: 'string' },
      json: { type: 'string' },
    } });
  } catch (err) {
    fail(firstLine((err as Error).message));
  }
  const { values, positionals } = parsed;
  const int = (v: string | undefined, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`expected an integer in [${min}, ${max}], got '${v}'`);
    return n;
  };
  const threadCounts = (values.threads ?? '1,2').split(',').map((v) => int(v, 1, 1, 64));
  const rounds = int(values.rounds, 2, 1, 100);
  const modelId = values.model ?? DEFAULT_MODEL;
  const manifest = api.readManifest(rawfileDir());
  const entry = manifest.models.find((m) => m.id === modelId) ?? fail(`no model '${modelId}' in ${manifest.file}`);
  const onnx = entry.targets.find((t) => t.name === 'onnx') ?? fail(`${modelId} has no onnx target`);
  // mean/std are not in the manifest summary: the bench models' (ImageNet) are the only ones the peer is written for.
  const input: Input = { width: entry.inputWidth, height: entry.inputHeight, centerCrop: entry.centerCrop,
    mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };
  const candidates = [{ name: path.basename(onnx.path), file: onnx.path }];
  const twin = onnx.path.replace(/\.onnx$/, '_u8act.onnx');
  if (twin !== onnx.path && fs.existsSync(twin)) candidates.push({ name: path.basename(twin), file: twin });
  const fp32 = manifest.models.find((m) => m.id === modelId.replace(/-int8$/, '-fp32') && m.id !== modelId)
    ?.targets.find((t) => t.name === 'onnx');
  if (fp32 !== undefined) candidates.push({ name: path.basename(fp32.path), file: fp32.path });

  const folder = positionals[0] ?? await ensurePhotos(int(values.count, 1000, 1, 100000));
  const { files } = collectImages([folder], []);
  process.stdout.write(`bench:e2e — ${files.length} photos in ${folder}; model ${modelId}; threads ` +
    `${threadCounts.join(', ')}; ${rounds} rounds, ours and the peer alternating; ${DECODE_AHEAD} decodes ahead on ` +
    `both sides\n`);

  const rows = [];
  for (const threads of threadCounts) {
    api.setThreadCount(threads);
    sharp.concurrency(threads);
    const peer = await fastestPeer(candidates, input, threads);
    process.stderr.write(`threads ${threads}: onnxruntime p50 ${Object.entries(peer.p50Ms)
      .map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', ')}; the peer runs ${peer.name}\n`);
    const ours: Run[] = [], theirs: Run[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
        for (const side of order) {
          if (side === 'ours') ours.push(await runOurs(files, modelId));
          else theirs.push(await runPeer(files, peer.session, input, 'float32'));
          process.stderr.write(`threads ${threads} round ${r + 1}: ${side} ` +
            `${(side === 'ours' ? ours : theirs).at(-1)!.imagesPerSec.toFixed(1)} images/s\n`);
        }
      }
    } finally {
      await peer.session.release();
    }
    // Per side the median images/s over the rounds; the stage times of the round nearest to it.
    const pick = (runs: Run[]): Run => {
      const m = median(runs.map((x) => x.imagesPerSec));
      const near = runs.reduce((a, b) => (Math.abs(b.imagesPerSec - m) < Math.abs(a.imagesPerSec - m) ? b : a));
      return { ...near, imagesPerSec: m };
    };
    const o = pick(ours), p = pick(theirs);
    const agree = o.top1.filter((k, i) => k === p.top1[i]).length / Math.max(1, o.top1.length);
    rows.push({ threads, peerModel: peer.name, peerModelP50Ms: peer.p50Ms, ours: o, peer: p,
      oursImagesPerSec: ours.map((x) => x.imagesPerSec), peerImagesPerSec: theirs.map((x) => x.imagesPerSec),
      ratio: o.imagesPerSec / p.imagesPerSec, top1Agreement: agree });
  }

  const f = (v: number): string => v.toFixed(2);
  const line = (side: string, threads: number, run: Run, what: string): string[] => [String(threads), side, what,
    run.imagesPerSec.toFixed(1), f(run.stages.decodeMs), f(run.stages.preprocessMs), f(run.stages.inferenceMs),
    f(run.stages.postprocessMs)];
  process.stdout.write(table(['threads', 'side', 'runs', 'images/s', 'decode ms', 'pre ms', 'inference ms', 'post ms'],
    rows.flatMap((r) => [line('ours', r.threads, r.ours, 'npulens classify'),
      line('peer', r.threads, r.peer, `sharp + onnxruntime-node (${r.peerModel})`)]),
    [true, false, false, true, true, true, true, true], ''));
  for (const r of rows) {
    process.stdout.write(`threads ${r.threads}: ours ${r.ratio.toFixed(2)}x the peer's images/s (rounds: ours ` +
      `${r.oursImagesPerSec.map((v) => v.toFixed(1)).join(', ')}; peer ${r.peerImagesPerSec.map((v) => v.toFixed(1)).join(', ')});` +
      ` top-1 agreement ${(r.top1Agreement * 100).toFixed(1)}%\n`);
  }
  process.stdout.write('images/s: median over the rounds of images / wall time of the image loop (model loaded); ' +
    'stage times: mean per image in the round nearest the median (decode includes time queued behind other decodes; ' +
    'the peer\'s includes its resize and crop); top-1 agreement: ours vs the peer per image\n');
  if (values.json !== undefined) {
    writeJsonFile(values.json, { folder, photos: files.length, model: modelId, rounds,
      rows: rows.map(({ ours, peer, ...r }) => ({ ...r, ours: { ...ours, top1: undefined }, peer: { ...peer, top1: undefined } })) });
  }
}

if (require.main === module) main().catch((err: Error) => fail(firstLine(err.message)));
