/*
 * `npm run bench:ort-profile -- --model FILE.onnx [--ours REPORT.json]`: onnxruntime-node's own per-node profile of a
 * model in its best form (all graph optimisations; for an int8 model `<key>_int8.onnx` its uint8-activation twin
 * `<key>_int8_u8act.onnx` beside it, MLAS's fast x86 int8 path, unless --same-file), next to ours: given
 * `npulens_bench --profile RUNS --json REPORT.json` of the same model, each op side by side matched by ONNX node name
 * (our fused int8 op carries its Conv node's name; onnxruntime's fused nodes carry theirs, with a `_token_N` suffix in
 * a QDQ model), and the ratio per op class (1x1 conv, 3x3 conv, depthwise, FC, other) from the model's graph.
 * onnxruntime's profiler records every run; each node's time is its fastest run after the warm-up (its mean beside it),
 * as ours is. Input: zeros of the model's input shape (the time of these ops does not depend on the data).
 *
 * Options: --model FILE (required) --threads N (default 1) --runs N (default 50) --warmup N (default 5)
 *          --same-file (onnxruntime on the given int8 file itself) --ours FILE (npulens_bench --json with a profile)
 *          --top N (rows of the node table; default 25) --json FILE
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { firstLine, writeJsonFile } from '../cli/errors';
import { ms, table } from '../cli/format';
import { OrtSession } from '../ort/session';
import { type ConvWindow, convWindows } from './macs';
import { twinFile } from './peer-figures';

export type OpClass = '1x1 conv' | '3x3 conv' | 'depthwise' | 'FC' | 'other';
const CLASSES: OpClass[] = ['1x1 conv', '3x3 conv', 'depthwise', 'FC', 'other'];

/** One onnxruntime node: its times over the profiled runs. */
interface OrtNode { name: string; node: string; opType: string; cls: OpClass; minMs: number; meanMs: number; runs: number }
/** One of our ops, from npulens_bench's report. */
interface OurOp { op: string; node: string; backend: string; minMs: number; meanMs: number; gmacPerSec: number }

function fail(message: string): never {
  process.stderr.write(`bench:ort-profile: ${message}\n`);
  process.exit(1);
}

/**
 * The ONNX node an onnxruntime node was made from: `conv_1_token_2` (QDQ fusion) -> `conv_1`, `conv_6_nchwc` (NCHWc
 * layout) -> `conv_6`, and a fused Conv named after the Relu / Add it absorbed -> that Conv.
 */
export function sourceNode(ortName: string, graph: ReturnType<typeof convWindows>): string {
  const node = ortName.replace(/_token_\d+$/, '').replace(/_nchwc$/, '');
  return graph.follows.get(node) ?? node;
}

export function opClass(node: string, graph: ReturnType<typeof convWindows>): OpClass {
  if (graph.fullyConnected.has(node)) return 'FC';
  const conv: ConvWindow | undefined = graph.convs.get(node);
  if (conv === undefined) return 'other';
  if (conv.group > 1 && conv.inPerGroup === 1) return 'depthwise';
  if (conv.group === 1 && conv.kernel.every((k) => k === 1)) return '1x1 conv';
  if (conv.group === 1 && conv.kernel.every((k) => k === 3)) return '3x3 conv';
  return 'other';
}

interface ProfileEvent { cat?: string; name?: string; dur?: number; args?: { op_name?: string; node_index?: string } }

/** onnxruntime's `Node` kernel events per node (by node index: inserted nodes may share a name), warm-up dropped. */
export function aggregate(events: ProfileEvent[], warmup: number, graph: ReturnType<typeof convWindows>): OrtNode[] {
  const byNode = new Map<string, { name: string; opType: string; durs: number[] }>();
  for (const e of events) {
    if (e.cat !== 'Node' || e.name === undefined || !e.name.endsWith('_kernel_time') || e.dur === undefined) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const key = e.args?.node_index ?? name;
    const entry = byNode.get(key) ?? { name, opType: e.args?.op_name ?? '?', durs: [] };
    entry.durs.push(e.dur / 1000);
    byNode.set(key, entry);
  }
  const nodes: OrtNode[] = [];
  for (const { name, opType, durs } of byNode.values()) {
    const timed = durs.slice(warmup);
    if (timed.length === 0) continue;
    const node = sourceNode(name, graph);
    nodes.push({
      name, node, opType, cls: opClass(node, graph), minMs: Math.min(...timed),
      meanMs: timed.reduce((a, b) => a + b, 0) / timed.length, runs: timed.length,
    });
  }
  return nodes.sort((a, b) => b.minMs - a.minMs);
}

/** Our ops from an npulens_bench --profile report; the node name is the one in quotes of the op's label. */
export function readOurs(file: string): OurOp[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { producer?: string; profile?: unknown };
  if (doc.producer !== 'npulens_bench' || !Array.isArray(doc.profile)) {
    throw new Error(`${file} is not an npulens_bench --profile report (no "profile")`);
  }
  return (doc.profile as Array<{ op: string; backend: string; minMs: number; meanMs: number; gmacPerSec: number }>)
    .map((p) => ({ ...p, node: /'(.*)'/.exec(p.op)?.[1] ?? p.op }));
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: 'string' }, threads: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' },
        'same-file': { type: 'boolean' }, ours: { type: 'string' }, top: { type: 'string' }, json: { type: 'string' },
      },
    }));
  } catch (err) {
    fail(firstLine((err as Error).message));
  }
  const int = (v: string | undefined, fallback: number, min: number, flag: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) fail(`${flag}: expected an integer >= ${min}, got '${v}'`);
    return n;
  };
  if (values.model === undefined) fail('--model FILE.onnx is required');
  const threads = int(values.threads, 1, 1, '--threads');
  const runs = int(values.runs, 50, 1, '--runs');
  const warmup = int(values.warmup, 5, 0, '--warmup');
  const top = int(values.top, 25, 1, '--top');
  let file = values.model;
  if (!values['same-file'] && /_int8\.onnx$/.test(file) && fs.existsSync(twinFile(file))) file = twinFile(file);
  let graph: ReturnType<typeof convWindows>;
  try {
    graph = convWindows(fs.readFileSync(file));
  } catch (err) {
    fail(`${file}: ${firstLine((err as Error).message)}`);
  }
  let ours: OurOp[] | undefined;
  if (values.ours !== undefined) {
    try {
      ours = readOurs(values.ours);
    } catch (err) {
      fail(`--ours: ${firstLine((err as Error).message)}`);
    }
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-ort-profile-'));
  let events: ProfileEvent[];
  try {
    const session = await OrtSession.open(file, { threads, optimization: 'all', profilePrefix: path.join(dir, 'ort') });
    const shape = session.inputShape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = session.inputType === 'float32' ? 4 : session.inputType === 'float16' ? 2 : 1;
    const input = session.tensor(new ArrayBuffer(size * bytes), shape, session.inputType);
    for (let r = 0; r < warmup + runs; ++r) await session.run(input);
    session.endProfiling();
    await session.release();
    const [written] = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (written === undefined) throw new Error('onnxruntime wrote no profile');
    events = JSON.parse(fs.readFileSync(path.join(dir, written), 'utf8')) as ProfileEvent[];
  } catch (err) {
    fail(firstLine((err as Error).message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const nodes = aggregate(events, warmup, graph);
  if (nodes.length === 0) fail(`onnxruntime's profile of ${file} has no node events`);
  const total = nodes.reduce((a, n) => a + n.minMs, 0);

  process.stdout.write(`onnxruntime-node per-node profile: ${path.basename(file)}, ${threads} thread(s), all graph ` +
    `optimisations, ${runs} runs after ${warmup} warm-up; time = the node's fastest run (mean beside it); sum of ` +
    `the nodes' fastest runs ${ms(total)} ms\n`);
  let cum = 0;
  const rows = nodes.slice(0, top).map((n) => {
    cum += n.minMs;
    return [ms(n.minMs), ms(n.meanMs), (100 * n.minMs / total).toFixed(1), (100 * cum / total).toFixed(1), n.opType,
      n.cls, n.name, n.node];
  });
  process.stdout.write(table(['min ms', 'mean ms', '%', 'cum%', 'op', 'class', 'node', 'ONNX node'], rows,
    [true, true, true, true, false, false, false, false]));
  const byType = new Map<string, number>();
  for (const n of nodes) byType.set(n.opType, (byType.get(n.opType) ?? 0) + n.minMs);
  process.stdout.write('\nby op type\n');
  process.stdout.write(table(['op', 'ms', '%'], [...byType].sort((a, b) => b[1] - a[1])
    .map(([op, t]) => [op, ms(t), (100 * t / total).toFixed(1)]), [false, true, true]));

  let side: Array<{ node: string; cls: OpClass; oursMs: number | null; ortMs: number | null }> = [];
  const classes: Array<{ cls: OpClass; oursMs: number; ortMs: number; ratio: number | null }> = [];
  if (ours !== undefined) {
    const ortByNode = new Map<string, number>();
    for (const n of nodes) ortByNode.set(n.node, (ortByNode.get(n.node) ?? 0) + n.minMs);
    const oursByNode = new Map<string, number>();
    for (const o of ours) {  // an op of ours after a Conv that onnxruntime fused into it: counted with the Conv
      const node = graph.follows.get(o.node) ?? o.node;
      oursByNode.set(node, (oursByNode.get(node) ?? 0) + o.minMs);
    }
    side = [...new Set([...oursByNode.keys(), ...ortByNode.keys()])].map((node) => ({
      node, cls: opClass(node, graph), oursMs: oursByNode.get(node) ?? null, ortMs: ortByNode.get(node) ?? null,
    })).sort((a, b) => (b.oursMs ?? 0) - (a.oursMs ?? 0));
    for (const cls of CLASSES) {
      const inClass = side.filter((s) => s.cls === cls);
      const oursMs = inClass.reduce((a, s) => a + (s.oursMs ?? 0), 0), ortMs = inClass.reduce((a, s) => a + (s.ortMs ?? 0), 0);
      if (oursMs > 0 || ortMs > 0) classes.push({ cls, oursMs, ortMs, ratio: ortMs > 0 ? oursMs / ortMs : null });
    }
    const oursTotal = ours.reduce((a, o) => a + o.minMs, 0);
    const f = (v: number | null): string => (v === null ? '-' : ms(v));
    const r = (a: number | null, b: number | null): string => (a !== null && b !== null && b > 0 ? (a / b).toFixed(2) : '-');
    process.stdout.write(`\nours (${values.ours}) next to onnxruntime, by ONNX node (each side's fastest run; '-': ` +
      `no op of that node on that side, e.g. fused into another or inserted by onnxruntime)\n`);
    process.stdout.write(table(['ours ms', 'ort ms', 'ours/ort', 'class', 'node'],
      side.slice(0, top).map((s) => [f(s.oursMs), f(s.ortMs), r(s.oursMs, s.ortMs), s.cls, s.node]),
      [true, true, true, false, false]));
    process.stdout.write('\nby op class\n');
    process.stdout.write(table(['class', 'ours ms', 'ort ms', 'ours/ort'],
      [...classes.map((c) => [c.cls, ms(c.oursMs), ms(c.ortMs), c.ratio === null ? '-' : c.ratio.toFixed(2)]),
        ['total', ms(oursTotal), ms(total), (oursTotal / total).toFixed(2)]], [false, true, true, true]));
  }
  if (values.json !== undefined) {
    writeJsonFile(values.json, { model: file, threads, runs, warmup, ortNodes: nodes, side, classes });
  }
}

main().catch((err: Error) => fail(firstLine(err.message)));
