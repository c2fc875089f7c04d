/*
 * `npulens bench`: a model's inference latency and throughput per I/O mode, as a table and/or the shared benchmark
 * report (npulens-benchmark/2, src/bench/report.ts); `--compare a.json b.json` compares two reports from any producer
 * (this command, tools/bench's npulens_bench, the app's export).
 * `--source nv21:1920x1080 [--preprocessing cpu|aipp|both]` times the whole way from a synthetic source frame to the
 * result instead, per path (benchmark({source}): the runner's BenchmarkSource): CPU pre-processing + copy and
 * zero-copy (per --mode, default both), the frame copied into the AIPP tensor, and a memfd-backed frame on the AIPP
 * path; each stage's median, the bytes the CPU touched before inference, the share that is not inference.
 * `--batch 1,2,4,8` loads the model once per batch size (LoadOptions.batchSize: one of info.batchSizes) and times
 * each: latency per run (the whole batch), ms per image and images per second.
 */
import type { BenchmarkResult, BenchmarkSource, DevicePolicy, IoMode, ModelInfo } from '../api';
import { compareReports, hostReport, readReport, type BenchmarkReport } from '../bench/report';
import {
  BENCHMARK_DURATION_MAX_MS, BENCHMARK_ITERATIONS_DEFAULT, BENCHMARK_ITERATIONS_MAX, BENCHMARK_REPORT_FILE_MAX_BYTES,
  BENCHMARK_WARMUP_DEFAULT, BENCHMARK_WARMUP_MAX,
} from '../api/limits.generated';
import { enumFlag, intFlag, parse, positiveFlag, stringFlag } from './args';
import { CliError, UsageError, writeJsonTarget } from './errors';
import { readRegularFile, type FileKind } from './files';
import { ms, progressBar, table } from './format';
import type { Io } from './io';
import { parseFrameSpec } from './frames';
import { DEVICE_POLICIES, MODEL_FLAGS, chooseModel, withClassifier, withPreprocessing, type Backend, type ModelChoice } from './model';
import { TUNING_FLAGS, benchTuning, csvFilesIn, printProfile, tuningCache, tuningModes, withProfiling } from './tuning';

const REPORT_FILE: FileKind = { name: 'benchmark report', maxBytes: BENCHMARK_REPORT_FILE_MAX_BYTES };

function readReportFile(file: string): BenchmarkReport {
  const text = readRegularFile(file, REPORT_FILE).toString('utf8');
  try {
    return readReport(text);
  } catch (err) {
    throw new CliError((err as Error).message, file);
  }
}

/** `--compare a.json b.json`: p50 per model and I/O mode that both reports ran, and b / a. */
function compare(files: string[], io: Io): number {
  const [fileA, fileB] = files;
  if (fileA === undefined || fileB === undefined || files.length !== 2) {
    throw new UsageError('--compare takes two report files: --compare a.json b.json');
  }
  const a = readReportFile(fileA), b = readReportFile(fileB);
  const rows = compareReports(a, b);
  if (rows.length === 0) throw new CliError('the reports share no model and I/O mode', `${fileA}, ${fileB}`);
  io.stdout.write(`a: ${fileA} (${a.producer}, ${a.device.marketName}, ${a.startedAt})\n`);
  io.stdout.write(`b: ${fileB} (${b.producer}, ${b.device.marketName}, ${b.startedAt})\n`);
  io.stdout.write(table(['model', 'mode', 'device a', 'device b', 'p50 a', 'p50 b', 'b/a'],
    rows.map((r) => [r.modelId, r.mode, r.deviceA, r.deviceB, ms(r.p50A), ms(r.p50B), r.ratio.toFixed(3)]),
    [false, false, false, false, true, true, true], ''));
  return 0;
}

export async function bench(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS,
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'string' },
    compare: { type: 'string' },
    source: { type: 'string' },
    preprocessing: { type: 'string' },
    ...TUNING_FLAGS,
    profile: { type: 'string' },
    batch: { type: 'string' },
  }, true);
  const compareFirst = stringFlag(values, 'compare');
  if (compareFirst !== undefined) return compare([compareFirst, ...positionals], io);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'`);
  const durationS = positiveFlag(values, 'duration', BENCHMARK_DURATION_MAX_MS / 1000);
  const iterations = intFlag(values, 'iterations', 1, BENCHMARK_ITERATIONS_MAX)
    ?? (durationS !== undefined ? BENCHMARK_ITERATIONS_MAX : BENCHMARK_ITERATIONS_DEFAULT);
  const warmup = intFlag(values, 'warmup', 0, BENCHMARK_WARMUP_MAX) ?? BENCHMARK_WARMUP_DEFAULT;
  const modeFlag = enumFlag(values, 'mode', ['zero-copy', 'copy', 'both'] as const) ?? 'zero-copy';
  const jsonTarget = stringFlag(values, 'json');
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  const choice = chooseModel(values, backend, device);
  const modes: IoMode[] = modeFlag === 'both' ? ['zero-copy', 'copy'] : [modeFlag];
  const sourceFlag = stringFlag(values, 'source');
  const preprocessing = enumFlag(values, 'preprocessing', ['cpu', 'aipp', 'both'] as const);
  if (sourceFlag === undefined && preprocessing !== undefined) throw new UsageError('--preprocessing needs --source');
  const tuning = tuningModes(values, true);
  const profileDir = stringFlag(values, 'profile');
  if (sourceFlag !== undefined && (tuning !== undefined || profileDir !== undefined)) {
    throw new UsageError('--tuning and --profile do not apply to --source');
  }
  const batchFlag = stringFlag(values, 'batch');
  if (batchFlag !== undefined) {
    if (sourceFlag !== undefined || tuning !== undefined || profileDir !== undefined) {
      throw new UsageError('--batch is a run of its own: not with --source, --tuning or --profile');
    }
    return benchBatches(batchSizes(batchFlag), modes, { iterations, warmup, durationS, jsonTarget, device }, choice,
      backend, io);
  }
  if (tuning !== undefined) {
    if (profileDir !== undefined) throw new UsageError('--profile and --tuning are separate runs: give one');
    return benchTuning(tuning, tuningCache(values), choice, { iterations, warmup }, backend, jsonTarget, io);
  }
  if (profileDir !== undefined && jsonTarget === '-') throw new UsageError('--profile prints a table: use --json FILE');
  if (sourceFlag !== undefined) {
    const frame = parseFrameSpec('source', sourceFlag);
    const sourceModes: IoMode[] = values['mode'] === undefined ? ['copy', 'zero-copy'] : modes;
    return benchSource({ width: frame.width, height: frame.height, format: frame.format }, preprocessing,
      sourceModes, { iterations, warmup, durationS, jsonTarget, device }, choice, backend, io);
  }

  const startedAt = new Date();
  const loaded = profileDir === undefined ? choice : withProfiling(choice, profileDir);
  const csvBefore = profileDir === undefined ? new Map<string, string>() : csvFilesIn(profileDir);
  let profiled: ModelInfo | undefined;
  const code = await withClassifier(loaded, backend, async (classifier) => {
    const info = classifier.info;
    profiled = info;
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
          const limit = durationS === undefined ? {} : { durationMs: durationS * 1000 };
          r = await classifier.benchmark({ iterations, warmup, ...limit, mode }, onProgress);
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
    const doc = hostReport({
      startedAt, info, policy: device ?? 'auto', results: runs,
      config: {
        runLength: durationS === undefined ? 'iterations' : 'duration', iterations, durationSec: durationS ?? 0, warmup,
        threads: info.threads,
      },
    });
    if (jsonTarget === '-') {
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(`model: ${choice.id} (${choice.precision}, ${choice.path})\n`);
    io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
    io.stdout.write(`load ${ms(info.loadMs)} ms, compile ${ms(info.compileMs)} ms, first run ${ms(firstRun.firstRunMs)} ` +
      `ms, warm-up ${warmup}, peak RSS ${(doc.peakRssMb ?? 0).toFixed(1)} MB\n`);
    io.stdout.write(table(
      ['mode', 'runs', 'min', 'p50', 'p90', 'p99', 'max', 'mean', 'std', 'inf/s'],
      runs.map((r) => [r.mode + (r.cancelled ? ' (cancelled)' : ''), String(r.iterations),
        ...[r.latencyMs.min, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max, r.latencyMs.mean,
          r.latencyMs.std].map(ms), r.throughputPerSec.toFixed(1)]),
      [false, true, true, true, true, true, true, true, true, true], ''));
    io.stdout.write('latency in ms per run: RunSync, plus the input/output memcpy in copy mode\n');
    writeJsonTarget(jsonTarget, doc, io);
    return 0;
  });
  // The runtime writes the profile when the executor goes: after the classifier's release.
  if (profileDir !== undefined && profiled !== undefined) printProfile(profiled, profileDir, csvBefore, 10, io);
  return code;
}


interface RunLength {
  iterations: number;
  warmup: number;
  durationS: number | undefined;
  jsonTarget: string | undefined;
  device: DevicePolicy | undefined;
}

/**
 * `--source`: each path of each pre-processing in turn on one classifier per pre-processing (without --preprocessing,
 * AIPP only where the target declares dynamic AIPP).
 */
async function benchSource(source: BenchmarkSource, preprocessing: 'cpu' | 'aipp' | 'both' | undefined,
  modes: IoMode[], run: RunLength, choice: ModelChoice, backend: Backend, io: Io): Promise<number> {
  const startedAt = new Date();
  const results: BenchmarkResult[] = [];
  const notes: string[] = [];
  const limit = run.durationS === undefined ? {} : { durationMs: run.durationS * 1000 };
  let info: ModelInfo | undefined;
  for (const pre of ['cpu', 'aipp'] as const) {
    if (preprocessing !== undefined && preprocessing !== 'both' && preprocessing !== pre) continue;
    if (pre === 'aipp' && preprocessing === undefined && info?.aipp.mode !== 'dynamic') {
      notes.push(`aipp: not measured: the target declares no dynamic AIPP (aipp.mode ${info?.aipp.mode ?? 'none'})`);
      continue;
    }
    await withClassifier(withPreprocessing(choice, pre), backend, async (classifier) => {
      info = classifier.info;
      notes.push(`${pre}: ${classifier.info.preprocessingReason}`);
      const paths: [IoMode, 'memory' | 'fd'][] = pre === 'cpu' ? modes.map((m) => [m, 'memory'])
        : [['zero-copy', 'memory'], ['zero-copy', 'fd']];
      for (const [mode, store] of paths) {
        results.push(await classifier.benchmark({
          iterations: run.iterations, warmup: run.warmup, ...limit, mode, source: { ...source, store },
        }));
      }
    });
  }
  if (info === undefined || results.length === 0) throw new Error('benchmark: no path was measured');
  const doc = hostReport({
    startedAt, info, policy: run.device ?? 'auto', results,
    config: {
      runLength: run.durationS === undefined ? 'iterations' : 'duration', iterations: run.iterations,
      durationSec: run.durationS ?? 0, warmup: run.warmup, threads: info.threads,
    },
  });
  if (run.jsonTarget === '-') {
    io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  const first = results[0]!;
  io.stdout.write(`model: ${choice.id} (${choice.precision}, ${choice.path})\n`);
  io.stdout.write(`source: ${source.width}x${source.height} ${source.format}, ${kb(first.source?.bytes ?? 0)} (synthetic)\n`);
  for (const n of notes) io.stdout.write(`${n}\n`);
  io.stdout.write(table(
    ['path', 'runs', 'e2e p50', 'p90', 'pre', 'frame cp', 'copy in', 'infer', 'copy out', 'post', 'CPU bytes', 'non-inf'],
    results.map((r) => {
      const st = r.stagesP50Ms!;
      return [(r.path ?? '') + (r.cancelled ? ' (cancelled)' : ''), String(r.iterations),
        ...[r.latencyMs.p50, r.latencyMs.p90, st.preprocessMs, st.frameCopyMs, st.copyInMs, st.inferenceMs, st.copyOutMs,
          st.postprocessMs].map(ms), kb(r.cpuBytesIn ?? 0), `${(100 * (r.nonInferenceFraction ?? 0)).toFixed(1)}%`];
    }),
    [false, true, true, true, true, true, true, true, true, true, true, true], ''));
  io.stdout.write('ms: end to end (source frame -> top-1) and each stage\'s median; CPU bytes: read or written by the ' +
    'CPU before inference per run; non-inf: median share of end to end that is not inference\n');
  writeJsonTarget(run.jsonTarget, doc, io);
  return 0;
}

/** `--batch 1,2,4,8`: batch sizes 1..64, each once. */
export function batchSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => part.trim());
  const bad = sizes.find((part) => !/^[0-9]{1,2}$/.test(part) || Number(part) < 1 || Number(part) > 64);
  if (bad !== undefined || sizes.length === 0) {
    throw new UsageError(`--batch takes batch sizes from 1 to 64 separated by commas (e.g. 1,2,4,8); got '${text}'`);
  }
  const numbers = sizes.map(Number);
  if (new Set(numbers).size !== numbers.length) throw new UsageError(`--batch lists a batch size twice: '${text}'`);
  return numbers;
}

interface BatchRun {
  batchSize: number;
  mode: IoMode;
  iterations: number;
  cancelled: boolean;
  firstRunMs: number;
  latencyMs: BenchmarkResult['latencyMs'];
  msPerImage: number;
  imagesPerSec: number;
}

/** `--batch`: one load per batch size, each mode benchmarked on it. */
async function benchBatches(sizes: number[], modes: IoMode[], run: RunLength, choice: ModelChoice, backend: Backend,
  io: Io): Promise<number> {
  const startedAt = new Date();
  const runs: BatchRun[] = [];
  let info: ModelInfo | undefined;
  const limit = run.durationS === undefined ? {} : { durationMs: run.durationS * 1000 };
  for (const batchSize of sizes) {
    await withClassifier({ ...choice, load: { ...choice.load, batchSize } }, backend, async (classifier) => {
      info = classifier.info;
      for (const mode of modes) {
        const r = await classifier.benchmark({ iterations: run.iterations, warmup: run.warmup, ...limit, mode });
        runs.push({
          batchSize: r.batchSize, mode, iterations: r.iterations, cancelled: r.cancelled, firstRunMs: r.firstRunMs,
          latencyMs: r.latencyMs, msPerImage: r.latencyMs.p50 / r.batchSize, imagesPerSec: r.imagesPerSec,
        });
      }
    });
  }
  if (info === undefined) throw new Error('benchmark: no batch size was measured');  // sizes is never empty
  const doc = {
    format: 'npulens-bench-batch/1', startedAt: startedAt.toISOString(),
    model: { id: choice.id, path: choice.path, precision: choice.precision, batchSizes: info.batchSizes },
    device: { name: info.device.name, type: info.device.type }, threads: info.threads,
    config: { iterations: run.iterations, durationSec: run.durationS ?? 0, warmup: run.warmup }, runs,
  };
  if (run.jsonTarget === '-') {
    io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  io.stdout.write(`model: ${choice.id} (${choice.precision}, ${choice.path}), batch sizes ${info.batchSizes.join(', ')}\n`);
  io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
  io.stdout.write(table(['batch', 'mode', 'runs', 'p50', 'p90', 'ms/image', 'images/s'],
    runs.map((r) => [String(r.batchSize), r.mode + (r.cancelled ? ' (cancelled)' : ''), String(r.iterations),
      ms(r.latencyMs.p50), ms(r.latencyMs.p90), ms(r.msPerImage), r.imagesPerSec.toFixed(1)]),
    [true, false, true, true, true, true, true], ''));
  io.stdout.write('latency in ms per run of the whole batch (RunSync, plus the memcpy in copy mode); ms/image: p50 / ' +
    'batch; images/s: batch x runs per second of wall time\n');
  writeJsonTarget(run.jsonTarget, doc, io);
  return 0;
}

function kb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
}
