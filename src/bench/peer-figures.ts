/*
 * bench:peer's figures, apart from the timing (src/bench/peer.ts runs the sides): which onnxruntime configurations a
 * model is timed in, which of them counts (onnxruntime's best), the ratio, GMAC/s and the share of the measured
 * peak. Pure functions, tested in test/node/bench-peer.test.mjs.
 */

/** onnxruntime on the model's own file. */
export const SAME_FILE = 'same file';
/** onnxruntime on the int8 model's uint8-activation twin (tools/models/bench.py): its fast x86 int8 path (U8S8). */
export const UINT8_TWIN = 'uint8 twin';

export interface PeerConfig { name: string; file: string }

/** tools/models/bench.py's twin name: <key>_int8.onnx -> <key>_int8_u8act.onnx. */
export function twinFile(int8File: string): string {
  if (!int8File.endsWith('.onnx')) throw new RangeError(`${int8File}: not an .onnx file`);
  return `${int8File.slice(0, -'.onnx'.length)}_u8act.onnx`;
}

/** The configurations onnxruntime runs a model in: its file, and for an int8 model also the uint8-activation twin. */
export function peerConfigs(precision: string, file: string): PeerConfig[] {
  const configs = [{ name: SAME_FILE, file }];
  if (precision === 'int8') configs.push({ name: UINT8_TWIN, file: twinFile(file) });
  return configs;
}

/** The fastest of onnxruntime's configurations (lowest p50 ms; the first listed on a tie). */
export function bestPeer(p50Ms: ReadonlyMap<string, number>): { name: string; ms: number } {
  let best: { name: string; ms: number } | undefined;
  for (const [name, ms] of p50Ms) {
    if (!(ms > 0)) throw new RangeError(`${name}: p50 ${ms} ms is not a positive time`);
    if (best === undefined || ms < best.ms) best = { name, ms };
  }
  if (best === undefined) throw new RangeError('no onnxruntime configuration was timed');
  return best;
}

/** Multiply-accumulates per second, in billions, of a model of `macs` that runs in `ms`. */
export function gmacPerSec(macs: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`latency ${ms} ms is not a positive time`);
  return macs / (ms * 1e6);
}

/**
 * Per turn of an interleaved run, ours / onnxruntime's time in that turn (sample i of each side ran in turn i). Their
 * median is the ratio under noise that comes in phases longer than a turn (a neighbour on the same physical core for
 * seconds): both sides of a turn share the phase, where each side's own p50 may fall in a different one.
 */
export function turnRatios(oursMs: readonly number[], peerMs: readonly number[]): number[] {
  if (oursMs.length !== peerMs.length || oursMs.length === 0) {
    throw new RangeError(`turn ratios of ${oursMs.length} and ${peerMs.length} samples: need the same number, not 0`);
  }
  return oursMs.map((ms, i) => {
    const peer = peerMs[i] ?? NaN;
    if (!(ms > 0) || !(peer > 0)) throw new RangeError(`turn ${i}: ${ms} ms / ${peer} ms is not a ratio of positive times`);
    return ms / peer;
  });
}

/** The options a bench:peer run was given, as a pinned child run of some of its thread counts takes them again. */
export interface PeerOptions {
  set: string; models?: string[]; iterations: number; warmup: number; image?: string; peak?: string;
}

/** The command line of a child bench:peer run of `threads` only, writing its report to `json`. */
export function childArgs(o: PeerOptions, threads: readonly number[], json: string): string[] {
  if (threads.length === 0) throw new RangeError('a child run needs a thread count');
  return ['--set', o.set, ...(o.models ?? []).flatMap((m) => ['--model', m]), '--iterations', String(o.iterations),
    '--warmup', String(o.warmup), '--threads', threads.join(','), ...(o.image === undefined ? [] : ['--image', o.image]),
    ...(o.peak === undefined ? [] : ['--peak', o.peak]), '--json', json];
}

/** Rows of several runs as one table: by the models' order, then by thread count. */
export function mergeRows<T extends { id: string; threads: number }>(order: readonly string[], ...runs: T[][]): T[] {
  const at = (id: string): number => {
    const i = order.indexOf(id);
    if (i < 0) throw new RangeError(`row of '${id}', a model the run did not have`);
    return i;
  };
  return runs.flat().map((row) => ({ row, model: at(row.id) }))
    .sort((a, b) => a.model - b.model || a.row.threads - b.row.threads).map(({ row }) => row);
}

export function geometricMean(values: readonly number[]): number {
  if (values.length === 0 || values.some((v) => !(v > 0))) throw new RangeError('geometric mean of no or non-positive values');
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** One core's measured peak, GMAC/s (npulens_peak's report, format npulens-peak/1: peak.fp32 / peak.int8). */
export interface Peak { fp32: number; int8: number; source: string }

/** The peak from npulens_peak's --json report; Error naming the field when the document is not one. */
export function readPeak(doc: unknown, source: string): Peak {
  const d = doc as { format?: unknown; peak?: { fp32?: { gmacPerSec?: unknown }; int8?: { gmacPerSec?: unknown } } };
  if (typeof d !== 'object' || d === null || d.format !== 'npulens-peak/1') {
    throw new Error(`${source}: not an npulens_peak report (format npulens-peak/1)`);
  }
  const value = (kind: 'fp32' | 'int8'): number => {
    const v = d.peak?.[kind]?.gmacPerSec;
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`${source}: peak.${kind}.gmacPerSec is not a positive number`);
    return v;
  };
  return { fp32: value('fp32'), int8: value('int8'), source };
}

/** A model's GMAC/s as a share of the peak of `threads` cores, against the int8 peak for int8 models. */
export function peakShare(gmacs: number, precision: string, threads: number, peak: Peak): number {
  return gmacs / ((precision === 'int8' ? peak.int8 : peak.fp32) * threads);
}
