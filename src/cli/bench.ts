/* `npulens bench`: a model's inference latency and throughput per I/O mode, as a table and/or a JSON document. */
import type { BenchmarkResult, IoMode } from '../api';
import {
  BENCHMARK_DURATION_MAX_MS, BENCHMARK_ITERATIONS_DEFAULT, BENCHMARK_ITERATIONS_MAX, BENCHMARK_WARMUP_DEFAULT,
  BENCHMARK_WARMUP_MAX,
} from '../api/limits.generated';
import { enumFlag, intFlag, parse, positiveFlag, stringFlag } from './args';
import { writeJsonFile } from './errors';
import { ms, progressBar, table } from './format';
import type { Io } from './io';
import { DEVICE_POLICIES, MODEL_FLAGS, chooseModel, withClassifier, type Backend } from './model';

export async function bench(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values } = parse(args, {
    ...MODEL_FLAGS,
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'string' },
  }, false);
  const durationS = positiveFlag(values, 'duration', BENCHMARK_DURATION_MAX_MS / 1000);
  const iterations = intFlag(values, 'iterations', 1, BENCHMARK_ITERATIONS_MAX)
    ?? (durationS !== undefined ? BENCHMARK_ITERATIONS_MAX : BENCHMARK_ITERATIONS_DEFAULT);
  const warmup = intFlag(values, 'warmup', 0, BENCHMARK_WARMUP_MAX) ?? BENCHMARK_WARMUP_DEFAULT;
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

