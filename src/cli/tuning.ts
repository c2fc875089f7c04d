/*
 * CANN Kit online tuning (异构) and runtime profiling for `npulens classify` and `npulens bench`:
 * `--tuning off|auto|heter [--tuning-cache DIR]` loads with HMS_HiAIOptions_SetTuningMode + SetTuningCacheDir (the
 * cache, by default a per-user folder, is created); `bench --tuning auto,heter,off` compares per mode the compile time
 * of a load with an empty tuning cache (cold) with the next load over the same cache (cached).
 * `bench --profile DIR`: HMS_HiAIOptions_SetOmOptions(PROFILING, DIR); after the run the runtime has written its
 * per-op CSV (<model>_op.csv, <model>_model.csv) there, and the slowest ops are printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelInfo, OptionReport, TuningMode } from '../api';
import { stringFlag, type Options, type Parsed } from './args';
import { CliError, UsageError, writeJsonTarget } from './errors';
import { ms, printable, table } from './format';
import type { Io } from './io';
import { withClassifier, type Backend, type ModelChoice } from './model';

export const TUNING_MODES: readonly TuningMode[] = ['off', 'auto', 'heter'];

export const TUNING_FLAGS: Options = {
  tuning: { type: 'string' },
  'tuning-cache': { type: 'string' },
};

/** The per-user tuning cache: $XDG_CACHE_HOME/npulens/tuning, else ~/.cache/npulens/tuning. */
export function defaultTuningCache(): string {
  const base = process.env.XDG_CACHE_HOME !== undefined && process.env.XDG_CACHE_HOME !== ''
    ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'npulens', 'tuning');
}

function makeDir(dir: string, flag: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CliError(`cannot create the ${flag} folder: ${(err as Error).message}`, dir);
  }
  if (!fs.statSync(dir).isDirectory()) throw new CliError(`the ${flag} path is not a folder`, dir);
  return path.resolve(dir);
}

/** --tuning as a list of modes (one for classify); undefined without the flag. */
export function tuningModes(values: Parsed['values'], allowList: boolean): TuningMode[] | undefined {
  const v = stringFlag(values, 'tuning');
  if (v === undefined) {
    if (values['tuning-cache'] !== undefined) throw new UsageError('--tuning-cache needs --tuning auto|heter');
    return undefined;
  }
  const modes = v.split(',').map((m) => m.trim());
  for (const m of modes) {
    if (!(TUNING_MODES as readonly string[]).includes(m)) {
      throw new UsageError(`--tuning must be ${allowList ? 'a comma-separated list of' : 'one of'} ` +
        `${TUNING_MODES.join(', ')}, got '${v}'`);
    }
  }
  if (!allowList && modes.length !== 1) throw new UsageError(`--tuning takes one mode here (${TUNING_MODES.join(', ')})`);
  if (new Set(modes).size !== modes.length) throw new UsageError(`--tuning lists a mode twice: '${v}'`);
  if (values['tuning-cache'] !== undefined && modes.every((m) => m === 'off')) {
    throw new UsageError('--tuning-cache needs --tuning auto|heter');
  }
  return modes as TuningMode[];
}

/** --tuning-cache, or the per-user default; created. */
export function tuningCache(values: Parsed['values']): string {
  return makeDir(stringFlag(values, 'tuning-cache') ?? defaultTuningCache(), '--tuning-cache');
}

/** The choice loading with `mode` over `cacheDir` ('off': as it is). */
export function withTuning(choice: ModelChoice, mode: TuningMode, cacheDir: string): ModelChoice {
  if (mode === 'off') return choice;
  return { ...choice, load: { ...choice.load, tuningMode: mode, tuningCacheDir: cacheDir } };
}

/** 'tuning_mode applied, tuning_cache_dir applied' for the options named (all when `names` is undefined). */
function optionStates(options: OptionReport[], names?: string[]): string {
  const set = options.filter((o) => names === undefined || names.includes(o.name));
  if (set.length === 0) return 'none';
  return set.map((o) => `${o.name} ${o.accepted ? 'applied' : `refused (${o.code})`}`).join(', ');
}

export interface TuningRow {
  mode: TuningMode;
  /** The tuning cache of the mode (empty before the cold load); '' for off. */
  cacheDir: string;
  options: OptionReport[];
  coldCompileMs: number;
  cachedCompileMs: number;
  /** The cached load's inference latency (zero-copy runs). */
  p50Ms: number;
  p90Ms: number;
}

/** Runs of each mode's latency benchmark (bench's --iterations / --warmup). */
export interface TuningRuns {
  iterations: number;
  warmup: number;
}

/**
 * `bench --tuning a,b,...`: per mode two loads, the first with an empty tuning cache (<cache>/<model>_<mode>, emptied
 * first), the second over what the first left there, whose inference is then timed; 'off' loads twice without tuning
 * (the same comparison with no cache involved, for scale).
 */
export async function benchTuning(modes: TuningMode[], cacheRoot: string, choice: ModelChoice, runs: TuningRuns,
  backend: Backend, jsonTarget: string | undefined, io: Io): Promise<number> {
  const rows: TuningRow[] = [];
  let device = '';
  for (const mode of modes) {
    let cacheDir = '';
    if (mode !== 'off') {
      cacheDir = path.join(cacheRoot, `${choice.id.replace(/[^A-Za-z0-9_]/g, '_')}_${mode}`);
      fs.rmSync(cacheDir, { recursive: true, force: true });
      makeDir(cacheDir, '--tuning-cache');
    }
    const tuned = withTuning(choice, mode, cacheDir);
    const cold = await withClassifier(tuned, backend, async (c) => c.info);
    const [cached, latency] = await withClassifier(tuned, backend, async (c) => [c.info,
      (await c.benchmark({ iterations: runs.iterations, warmup: runs.warmup, mode: 'zero-copy' })).latencyMs] as const);
    device = `${cached.device.name} (${cached.device.type})`;
    rows.push({ mode, cacheDir, options: cached.options, coldCompileMs: cold.compileMs,
      cachedCompileMs: cached.compileMs, p50Ms: latency.p50, p90Ms: latency.p90 });
  }
  const doc = { model: { id: choice.id, path: choice.path, precision: choice.precision }, device, tuning: rows };
  if (jsonTarget === '-') {
    io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  io.stdout.write(`model: ${choice.id} (${choice.precision}, ${choice.path})\n`);
  io.stdout.write(`device: ${device}\n`);
  io.stdout.write(table(['tuning', 'options', 'compile cold', 'compile cached', 'cached/cold', 'p50', 'p90'],
    rows.map((r) => [r.mode, optionStates(r.options), ms(r.coldCompileMs), ms(r.cachedCompileMs),
      (r.cachedCompileMs / r.coldCompileMs).toFixed(3), ms(r.p50Ms), ms(r.p90Ms)]),
  [false, false, true, true, true, true, true], ''));
  io.stdout.write('ms; compile = construct + options + build + executor + tensors: cold = the first load with an empty ' +
    `tuning cache, cached = the next load over the same cache; p50/p90 = its inference (${runs.iterations} zero-copy ` +
    `runs after ${runs.warmup} warm-up)\n`);
  for (const r of rows) if (r.cacheDir !== '') io.stdout.write(`${r.mode} cache: ${r.cacheDir}\n`);
  writeJsonTarget(jsonTarget, doc, io);
  return 0;
}

/** What the tuning of a load did, for classify's and bench's summary lines. */
export function tuningLine(info: ModelInfo): string {
  return `tuning: ${optionStates(info.options, ['tuning_mode', 'tuning_cache_dir'])}`;
}

/** classify --dump DIR: created; the load's dumpDir. */
export function withDump(choice: ModelChoice, dir: string): ModelChoice {
  return { ...choice, load: { ...choice.load, dumpDir: makeDir(dir, '--dump') } };
}

/** What the runtime did with the load's om_options (profiling or dump), for the summary lines. */
export function omOptionsLine(info: ModelInfo): string {
  return `om_options: ${optionStates(info.options, ['om_options'])}`;
}

/** --profile DIR: created; the load's profilingDir. */
export function withProfiling(choice: ModelChoice, dir: string): ModelChoice {
  return { ...choice, load: { ...choice.load, profilingDir: makeDir(dir, '--profile') } };
}

export interface OpRow {
  op: string;
  type: string;
  backend: string;
  calls: number;
  totalMs: number;
  avgMs: number;
  /** The op's fastest run: steadier than the mean on a busy machine. */
  minMs: number;
}

/** Splits one CSV line (RFC 4180 quoting, as the runtime writes names with commas or quotes). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** The ops of a runtime's <model>_op.csv (header: index,op,type,name,backend,output_shape,macs,calls,total_ms,...). */
export function readOpCsv(file: string): OpRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const header = csvCells(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new CliError(`the profile has no '${name}' column`, file);
    return i;
  };
  const [op, type, backend, calls, total, avg, min] =
    ['op', 'type', 'backend', 'calls', 'total_ms', 'avg_ms', 'min_ms'].map(col);
  return lines.slice(1).map((l) => {
    const c = csvCells(l);
    return { op: c[op!] ?? '', type: c[type!] ?? '', backend: c[backend!] ?? '', calls: Number(c[calls!]),
      totalMs: Number(c[total!]), avgMs: Number(c[avg!]), minMs: Number(c[min!]) };
  });
}

/**
 * After a profiled run: the option's outcome, the files the runtime wrote into dir since `since`, and the `top`
 * slowest ops of its op CSV. A refused option or no CSV is an error: the run was asked for a profile.
 */
/** The CSV files in `dir`, each with what tells a rewrite apart (inode, mtime, size): taken before a profiled load, so
 *  that the files the runtime then writes are found without trusting file times against the wall clock (the kernel
 *  stamps files from a clock that can lag it by a tick, and a short run writes within one). */
export function csvFilesIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(dir).filter((name) => name.endsWith('.csv'))) {
    const st = fs.statSync(path.join(dir, f));
    files.set(f, `${st.ino}:${st.mtimeMs}:${st.size}`);
  }
  return files;
}

export function printProfile(info: ModelInfo, dir: string, before: Map<string, string>, top: number, io: Io): void {
  const option = info.options.find((o) => o.name === 'om_options');
  if (option === undefined || !option.accepted) {
    throw new CliError(`profiling was refused: ${option === undefined ? 'not set'
      : `${option.code}${option.detail === '' ? '' : ` — ${option.detail}`}`}`, dir);
  }
  const written = [...csvFilesIn(dir)].filter(([f, id]) => before.get(f) !== id).map(([f]) => f).sort();
  const opFile = written.find((f) => f.endsWith('_op.csv'));
  if (opFile === undefined) throw new CliError('the runtime wrote no per-op profile (*_op.csv)', dir);
  const ops = readOpCsv(path.join(dir, opFile));
  const total = ops.reduce((s, o) => s + o.totalMs, 0);
  io.stdout.write(`profile: ${written.map((f) => path.join(dir, f)).join(', ')}\n`);
  io.stdout.write(table(['#', 'op', 'backend', 'calls', 'min', 'avg', 'total', 'share'],
    [...ops].sort((a, b) => b.totalMs - a.totalMs).slice(0, top).map((o, i) => [String(i + 1), printable(o.op),
      printable(o.backend), String(o.calls), ms(o.minMs), ms(o.avgMs), ms(o.totalMs),
      `${(total > 0 ? (100 * o.totalMs) / total : 0).toFixed(1)}%`]),
    [true, false, false, true, true, true, true, true], ''));
  io.stdout.write(`top ${Math.min(top, ops.length)} of ${ops.length} ops by total time (ms, every run of the ` +
    'profiled load incl. warm-up)\n');
}
