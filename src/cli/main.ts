/*
 * The `npulens` host CLI: classify, bench, devices, models.
 * Exit codes: 0 success; 1 runtime error (one line `error: <what> (<where>)` on stderr); 2 usage error.
 */
import fs from 'node:fs';
import * as api from '../api';
import type { BenchmarkResult, Classifier, DevicePolicy, IoMode } from '../api';
import { enumFlag, intFlag, parse, positiveFlag, stringFlag, type Options } from './args';
import { UsageError, toCliError, writeJsonFile } from './errors';
import { ms, percent, printable, progressBar, table } from './format';
import { decodeImage } from './image';
import { chooseModel, defaultModel, displayPath, rawfileDir, type Backend, type ModelChoice } from './model';
import { SHORT_USAGE, USAGE } from './usage';
import { runVerify } from '../verify';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
}

const DEVICE_POLICIES: readonly DevicePolicy[] = ['auto', 'npu', 'cpu'];
const MODEL_FLAGS: Options = {
  model: { type: 'string' },
  labels: { type: 'string' },
  size: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  bgr: { type: 'boolean' },
  device: { type: 'string' },
};

/** Runs one CLI invocation and returns the exit code; never throws. */
export async function runCli(argv: string[], io: Io = process, backend: Backend = api): Promise<number> {
  let context = '';
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'classify': context = 'classify'; return await classify(rest, io, backend);
      case 'bench': context = 'bench'; return await bench(rest, io, backend);
      case 'verify': return await runVerify(rest, io);
      case 'devices': context = 'devices'; return devices(rest, io, backend);
      case 'models': context = 'models'; return models(rest, io, backend);
      case 'help': case '--help': case '-h': io.stdout.write(USAGE); return 0;
      case undefined: throw new UsageError('missing command');
      default: throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${printable(err.message)}\n${SHORT_USAGE}`);
      return 2;
    }
    io.stderr.write(`error: ${toCliError(err, context).message}\n`);
    return 1;
  }
}

async function withClassifier<T>(choice: ModelChoice, backend: Backend, fn: (c: Classifier) => Promise<T>): Promise<T> {
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

// ---- classify ---------------------------------------------------------------------------------------------------

async function classify(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, { ...MODEL_FLAGS, top: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (positionals.length === 0) throw new UsageError('classify needs at least one image');
  const top = intFlag(values, 'top', 1, 1000);
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  const choice = chooseModel(values, backend, device);
  const json = values.json === true;

  return withClassifier(choice, backend, async (classifier) => {
    const info = classifier.info;
    const results = [];
    for (const image of positionals) {
      const decoded = await decodeImage(image);
      let result;
      try {
        // --top above the class count shows every class; without --top the native default (5) applies.
        const topK = top === undefined ? undefined : Math.min(top, info.classes);
        result = await classifier.classify(decoded.pixels, decoded.width, decoded.height, 'RGBA', undefined, topK);
      } catch (err) {
        throw toCliError(err, image);
      }
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
      };
      results.push(entry);
      if (!json) {
        io.stdout.write(`${printable(image)}  (${decoded.width}x${decoded.height})\n`);
        io.stdout.write(table(['rank', 'label', 'score'],
          entry.top.map((e) => [String(e.rank), e.label, percent(e.score)]), [true, false, true]));
        const tm = entry.timings;
        io.stdout.write(`  time (ms): decode ${ms(tm.decodeMs)}, preprocess ${ms(tm.preprocessMs)}, ` +
          `inference ${ms(tm.inferenceMs)}, postprocess ${ms(tm.postprocessMs)}, total ${ms(tm.totalMs)}\n\n`);
      }
    }
    const model = { id: choice.id, path: choice.path, precision: choice.precision };
    if (json) {
      io.stdout.write(JSON.stringify({ model, device: { name: info.device.name, type: info.device.type }, results },
        null, 2) + '\n');
    } else {
      io.stdout.write(`model: ${model.id} (${model.precision}, ${printable(model.path)})\n`);
      io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
    }
    return 0;
  });
}

// ---- bench ------------------------------------------------------------------------------------------------------

async function bench(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values } = parse(args, {
    ...MODEL_FLAGS,
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'string' },
  }, false);
  const durationS = positiveFlag(values, 'duration', 86400);
  const iterations = intFlag(values, 'iterations', 1, 1_000_000) ?? (durationS !== undefined ? 1_000_000 : 100);
  const warmup = intFlag(values, 'warmup', 0, 100_000) ?? 10;
  const modeFlag = enumFlag(values, 'mode', ['zero-copy', 'copy', 'both'] as const) ?? 'zero-copy';
  const jsonTarget = stringFlag(values, 'json');
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  const choice = chooseModel(values, backend, device);
  const modes: IoMode[] = modeFlag === 'both' ? ['zero-copy', 'copy'] : [modeFlag];

  return withClassifier(choice, backend, async (classifier) => {
    const info = classifier.info;
    const runs: BenchmarkResult[] = [];
    const tty = io.stderr.isTTY === true;
    // Ctrl-C stops the running benchmark; it resolves with what it has.
    const onSigint = (): void => classifier.cancel();
    process.on('SIGINT', onSigint);
    try {
      for (const mode of modes) {
        const onProgress = tty
          ? (p: { done: number; total: number; lastMs: number }): void => {
            io.stderr.write(`\r${mode.padEnd(9)} ${progressBar(p.done, p.total, p.lastMs)}\x1b[K`);  // erase the rest of the line
          }
          : undefined;
        let r: BenchmarkResult;
        try {
          r = await classifier.benchmark({ iterations, warmup, durationMs: durationS === undefined ? undefined : durationS * 1000, mode }, onProgress);
        } finally {
          if (tty) io.stderr.write('\n');
        }
        runs.push(r);
        if (r.cancelled) break;
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const [firstRun] = runs;
    if (firstRun === undefined) throw new Error('benchmark: no run was made');  // modes is never empty
    const doc = {
      model: { id: choice.id, path: choice.path, precision: choice.precision },
      device: { name: info.device.name, type: info.device.type },
      iterations,
      warmup,
      loadMs: info.loadMs,
      compileMs: info.compileMs,
      firstRunMs: firstRun.firstRunMs,
      runs: runs.map((r) => ({
        mode: r.mode,
        iterations: r.iterations,
        cancelled: r.cancelled,
        latencyMs: r.latencyMs,
        throughputPerSec: r.throughputPerSec,
        samplesMs: r.samplesMs,
      })),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    if (jsonTarget === '-') {
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(`model: ${doc.model.id} (${doc.model.precision}, ${doc.model.path})\n`);
    io.stdout.write(`device: ${doc.device.name} (${doc.device.type}) — ${info.selection}\n`);
    io.stdout.write(`load ${ms(doc.loadMs)} ms, compile ${ms(doc.compileMs)} ms, first run ${ms(doc.firstRunMs)} ms, ` +
      `warm-up ${warmup}, peak RSS ${doc.peakRssMb.toFixed(1)} MB\n`);
    io.stdout.write(table(
      ['mode', 'runs', 'min', 'p50', 'p90', 'p99', 'max', 'mean', 'std', 'inf/s'],
      runs.map((r) => [r.mode + (r.cancelled ? ' (cancelled)' : ''), String(r.iterations),
        ...[r.latencyMs.min, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max, r.latencyMs.mean,
          r.latencyMs.std].map(ms), r.throughputPerSec.toFixed(1)]),
      [false, true, true, true, true, true, true, true, true, true], ''));
    io.stdout.write('latency in ms per run: RunSync, plus the input/output memcpy in copy mode\n');
    if (jsonTarget !== undefined) {
      writeJsonFile(jsonTarget, doc);
      io.stdout.write(`JSON written to ${jsonTarget}\n`);
    }
    return 0;
  });
}

// ---- devices / models -------------------------------------------------------------------------------------------

function devices(args: string[], io: Io, backend: Backend): number {
  parse(args, {}, false);
  const list = backend.listDevices();
  io.stdout.write(table(['device', 'type', 'picked by'],
    list.map((d) => [d.name, d.type, d.selectedBy.length > 0 ? d.selectedBy.join(', ') : '-']), [false, false, false], ''));
  for (const policy of DEVICE_POLICIES) {
    const picked = list.find((d) => d.selectedBy.includes(policy));
    io.stdout.write(`--device ${policy}: ${picked ? `${picked.name} (${picked.type})` : 'no device (fails)'}\n`);
  }
  if (!list.some((d) => d.name === 'HIAI_F')) {
    io.stdout.write('This host has no NPU (no NNRt device named HIAI_F): models run on the host CPU runtime.\n');
  }
  return 0;
}

function models(args: string[], io: Io, backend: Backend): number {
  parse(args, {}, false);
  const manifest = backend.readManifest(rawfileDir());
  io.stdout.write(`manifest: ${displayPath(manifest.file)}\n`);
  const chosen = defaultModel(manifest);
  io.stdout.write(table(['id', 'precision', 'input', 'classes', 'targets', 'title'],
    manifest.models.map((m) => [
      m.id + (m === chosen ? ' *' : ''),
      m.precision,
      `${m.inputWidth}x${m.inputHeight}`,
      String(m.classes),
      m.targets.map((t) => `${t.name}:${t.file}${fs.existsSync(t.path) ? '' : ' (missing)'}`).join(' '),
      m.title + (m.pretrained ? '' : ' [random weights]'),
    ]), [false, false, false, true, false, false], ''));
  io.stdout.write('* = the model classify/bench use without --model (the manifest default, if it has an onnx target)\n');
  return 0;
}
