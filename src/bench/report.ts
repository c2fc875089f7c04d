/*
 * The benchmark report, npulens-benchmark/2: the one result format written by `npulens bench --json`, by
 * tools/bench's npulens_bench and by the app's export, defined by tools/bench/benchmark-report.schema.json (the tests
 * validate every producer's output against it). Here: the document `npulens bench` writes, and the reader and
 * comparison behind `npulens bench --compare`, so a result from the phone and one from the host are compared by the
 * same code.
 */
import os from 'node:os';
import type { BenchmarkResult, DevicePolicy, LatencyStats, ModelInfo } from '../api';

export const REPORT_FORMAT = 'npulens-benchmark/2';

export interface ReportDevice {
  marketName: string;
  productModel: string;
  osFullName: string;
  distributionOSApiVersion: number;
  sdkApiVersion: number;
}

export interface ReportConfig {
  runLength: string;
  iterations: number;
  durationSec: number;
  warmup: number;
  threads?: number;
}

export interface ReportRun {
  role: 'baseline' | 'precision' | 'io' | 'source';
  modelId: string;
  precision: string;
  computePrecision: string;
  devicePolicy: string;
  device: string;
  deviceType: string;
  selection: string;
  mode: string;
  loadMs: number;
  compileColdMs: number;
  compileCachedMs: number | null;
  compilationCache: 'applied' | 'refused' | 'off';
  compilationCacheRefusedWith: string | null;
  firstRunMs: number;
  iterations: number;
  warmup: number;
  latencyMs: LatencyStats;
  throughputPerSec: number;
  windowP50Ms: number[];
  driftLastOverFirst: number;
  memoryDeltaKb: number | null;
  valid: boolean;
  speedupVsBaseline: number;
  cancelled: boolean;
  error: string;
  samplesMs?: number[];
  /** Source runs (source frame → result, one per path): the path, who pre-processed, the frame, the stage medians. */
  path?: string;
  preprocessing?: 'cpu' | 'aipp';
  source?: { width: number; height: number; format: string; bytes: number };
  stagesP50Ms?: {
    preprocess: number; frameCopy: number; copyIn: number; inference: number; copyOut: number; postprocess: number;
    total: number;
  };
  cpuBytesIn?: number;
  nonInferenceFraction?: number;
}

export interface BenchmarkReport {
  format: typeof REPORT_FORMAT;
  producer: 'npulens bench' | 'npulens_bench' | 'NpuLens app';
  startedAt: string;
  device: ReportDevice;
  config: ReportConfig;
  peakRssMb?: number;
  runs: ReportRun[];
}

/** Rounds to µs, as every producer does. */
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export interface HostBenchmark {
  startedAt: Date;
  info: ModelInfo;
  policy: DevicePolicy;
  config: ReportConfig;
  results: BenchmarkResult[];
}

/** The report of `npulens bench` on this host: one run per I/O mode, the first mode the baseline. */
export function hostReport(b: HostBenchmark): BenchmarkReport {
  const [first] = b.results;
  const baselineP50 = first?.latencyMs.p50 ?? 0;
  return {
    format: REPORT_FORMAT,
    producer: 'npulens bench',
    startedAt: b.startedAt.toISOString(),
    device: {
      marketName: os.hostname(), productModel: os.machine(), osFullName: `${os.type()} ${os.release()}`,
      distributionOSApiVersion: 0, sdkApiVersion: 0,
    },
    config: b.config,
    peakRssMb: round3(process.resourceUsage().maxRSS / 1024),
    runs: b.results.map((r, i): ReportRun => ({
      role: r.source !== undefined ? 'source' : i === 0 ? 'baseline' : 'io',
      modelId: b.info.modelId,
      precision: b.info.precision,
      computePrecision: b.info.precision,
      devicePolicy: b.policy,
      device: b.info.device.name,
      deviceType: b.info.device.type,
      selection: b.info.selection,
      mode: r.mode,
      loadMs: round3(b.info.loadMs),
      compileColdMs: round3(b.info.compileMs),
      compileCachedMs: null,
      compilationCache: 'off',
      compilationCacheRefusedWith: null,
      firstRunMs: round3(r.firstRunMs),
      iterations: r.iterations,
      warmup: r.warmup,
      latencyMs: {
        min: round3(r.latencyMs.min), p50: round3(r.latencyMs.p50), p90: round3(r.latencyMs.p90),
        p99: round3(r.latencyMs.p99), max: round3(r.latencyMs.max), mean: round3(r.latencyMs.mean),
        std: round3(r.latencyMs.std),
      },
      throughputPerSec: round3(r.throughputPerSec),
      windowP50Ms: r.windowP50Ms.map(round3),
      driftLastOverFirst: round3(r.drift),
      memoryDeltaKb: null,
      valid: r.valid,
      speedupVsBaseline: r.latencyMs.p50 > 0 ? round3(baselineP50 / r.latencyMs.p50) : 0,
      cancelled: r.cancelled,
      error: '',
      samplesMs: r.samplesMs.map(round3),
      ...sourceFields(r),
    })),
  };
}

/** A source benchmark's additions to its run (none for a model benchmark). */
function sourceFields(r: BenchmarkResult): Partial<ReportRun> {
  const { source, path, preprocessing, stagesP50Ms: st, cpuBytesIn, nonInferenceFraction } = r;
  if (source === undefined || path === undefined || preprocessing === undefined || st === undefined) return {};
  return {
    path, preprocessing, source: { ...source },
    stagesP50Ms: {
      preprocess: round3(st.preprocessMs), frameCopy: round3(st.frameCopyMs), copyIn: round3(st.copyInMs),
      inference: round3(st.inferenceMs), copyOut: round3(st.copyOutMs), postprocess: round3(st.postprocessMs),
      total: round3(st.totalMs),
    },
    cpuBytesIn: cpuBytesIn ?? 0,
    nonInferenceFraction: Math.round((nonInferenceFraction ?? 0) * 10000) / 10000,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses a report's text. Throws a RangeError saying what is wrong when it is not JSON, not an npulens-benchmark/2
 * document, or lacks a field the comparison reads (the full check is the schema's, in the tests).
 */
export function readReport(text: string): BenchmarkReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RangeError(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw new RangeError(`not a benchmark report (not a JSON object)`);
  if (doc['format'] !== REPORT_FORMAT) {
    throw new RangeError(`format is ${JSON.stringify(doc['format'])}, expected '${REPORT_FORMAT}'`);
  }
  const runs = doc['runs'];
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError(`runs must be a non-empty array`);
  runs.forEach((run: unknown, i) => {
    if (!isObject(run)) throw new RangeError(`runs[${i}] is not an object`);
    for (const key of ['modelId', 'mode', 'device'] as const) {
      if (typeof run[key] !== 'string') throw new RangeError(`runs[${i}].${key} must be a string`);
    }
    const latency = run['latencyMs'];
    if (!isObject(latency)) throw new RangeError(`runs[${i}].latencyMs must be an object`);
    for (const key of ['p50', 'p90', 'mean']) {
      const v = latency[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new RangeError(`runs[${i}].latencyMs.${key} must be a number >= 0`);
      }
    }
  });
  return doc as unknown as BenchmarkReport;
}

export interface ComparedRun {
  modelId: string;
  mode: string;
  /** p50 in a and in b, ms; b / a (> 1: b is slower). */
  p50A: number;
  p50B: number;
  ratio: number;
  deviceA: string;
  deviceB: string;
}

/** What a run measured beyond its model: the I/O mode, or for a source run its path and source frame. */
function runKind(r: ReportRun): string {
  if (r.path === undefined || r.source === undefined) return r.mode;
  return `${r.path} ${r.source.width}x${r.source.height} ${r.source.format}`;
}

/**
 * The runs of a and b with the same model and kind (I/O mode; a source run's path and frame), in a's order; runs only
 * one of them has are left out.
 */
export function compareReports(a: BenchmarkReport, b: BenchmarkReport): ComparedRun[] {
  const out: ComparedRun[] = [];
  for (const ra of a.runs) {
    const kind = runKind(ra);
    const rb = b.runs.find((r) => r.modelId === ra.modelId && runKind(r) === kind && !r.error);
    if (rb === undefined || ra.error) continue;
    out.push({
      modelId: ra.modelId, mode: kind, p50A: ra.latencyMs.p50, p50B: rb.latencyMs.p50,
      ratio: ra.latencyMs.p50 > 0 ? rb.latencyMs.p50 / ra.latencyMs.p50 : 0, deviceA: ra.device, deviceB: rb.device,
    });
  }
  return out;
}
