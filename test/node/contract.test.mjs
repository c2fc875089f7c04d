// The native API contract is written once (entry/src/main/cpp/types/libentry/Index.d.ts) and generated into the Node
// API and the app by tools/contract/generate.mjs: the generated files in the tree are current, a stale one fails
// --check with a diff, the generator refuses what ArkTS cannot consume or what would leave part of the contract out,
// and the compiled addon exports what the declarations promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { api, loadTiny, repoRoot, require } from './helpers.mjs';

const generator = path.join(repoRoot, 'tools/contract/generate.mjs');
const { CONTRACT_OUTPUTS, LIMITS, LIMITS_OUTPUTS, main, OUTPUTS, readLimits, SOURCE } = await import(generator);
const deviceFile = path.join(repoRoot, SOURCE);
const nodeApiFile = path.join(repoRoot, 'src/api/index.ts');

function parse(file) {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

const norm = (text) => text.replace(/\s+/g, ' ').trim();

/** name -> {members: Map<name, 'method' | 'field' | 'optional'>, heritage: string[]} for the exported interfaces. */
function exportedInterfaces(source) {
  const types = new Map();
  for (const st of source.statements) {
    if (!ts.isInterfaceDeclaration(st)) continue;
    const members = new Map();
    for (const m of st.members) {
      members.set(m.name.getText(source), ts.isMethodSignature(m) ? 'method' : m.questionToken ? 'optional' : 'field');
    }
    const heritage = (st.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(source)));
    types.set(st.name.text, { members, heritage });
  }
  return types;
}

/** Members of an interface including those of the interfaces it extends (same file). */
function flatMembers(types, name) {
  const t = types.get(name);
  const all = new Map();
  for (const base of t.heritage) for (const [k, v] of flatMembers(types, base)) all.set(k, v);
  for (const [k, v] of t.members) all.set(k, v);
  return all;
}

const device = exportedInterfaces(parse(deviceFile));

const tmpRoots = [];
after(() => tmpRoots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The files the generator reads: Index.d.ts, limits.json and the documentation that quotes a limit. */
function inputs() {
  const quoting = JSON.parse(fs.readFileSync(path.join(repoRoot, LIMITS), 'utf8')).limits
    .flatMap((l) => (l.quotedIn ?? []).map(([file]) => file));
  return [...new Set([SOURCE, LIMITS, ...quoting])];
}

/** A repository root holding copies of the generator's inputs and outputs; `edits` maps a path to a text edit. */
function scratchRoot(edits = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-contract-'));
  tmpRoots.push(root);
  for (const rel of [...inputs(), ...OUTPUTS]) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    const text = fs.readFileSync(path.join(repoRoot, rel), 'utf8');
    fs.writeFileSync(path.join(root, rel), edits[rel] ? edits[rel](text) : text);
  }
  return root;
}

/** The generator in-process: {status, stdout, stderr} like spawnSync's. */
function generate(root, ...args) {
  const stdout = [];
  const stderr = [];
  const status = main([...args, '--root', root], (line) => stdout.push(line), (line) => stderr.push(line));
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('the contract generator (tools/contract/generate.mjs)', () => {
  it('finds the generated files in the tree current', () => {
    const r = generate(repoRoot, '--check');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /match entry\/src\/main\/cpp\/types\/libentry\/Index\.d\.ts/);
  });

  it('exits 1 from the command line when a generated file is stale', () => {
    const root = scratchRoot({ [SOURCE]: (text) => text.replace('export type Precision =', 'export type Precision = \'int4\' |') });
    const r = spawnSync(process.execPath, [generator, '--check', '--root', root], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^\+export type Precision = 'int4' \| 'fp32' \| 'fp16' \| 'int8';$/m);
  });

  it('fails --check with a diff when Index.d.ts changed and the generated files did not, then regenerates them', () => {
    const root = scratchRoot({ [SOURCE]: (text) => text.replace('export interface Timings {\n',
      'export interface Timings {\n  /** Time spent waiting in the queue, ms. */\n  queuedMs: number;\n') });
    const stale = generate(root, '--check');
    assert.equal(stale.status, 1);
    for (const out of CONTRACT_OUTPUTS) assert.match(stale.stderr, new RegExp(`${out.replace(/\./g, '\\.')} is stale`));
    for (const out of LIMITS_OUTPUTS) assert.doesNotMatch(stale.stderr, new RegExp(`${out.replace(/\./g, '\\.')} is stale`));
    assert.match(stale.stderr, /^\+ {2}queuedMs: number;$/m);
    assert.equal(generate(root).status, 0);
    for (const out of CONTRACT_OUTPUTS) assert.match(fs.readFileSync(path.join(root, out), 'utf8'), /^ {2}queuedMs: number;$/m);
    assert.equal(generate(root, '--check').status, 0);
  });

  it('fails --check when a generated file was edited by hand', () => {
    const root = scratchRoot();
    const out = path.join(root, CONTRACT_OUTPUTS[1]);
    fs.writeFileSync(out, fs.readFileSync(out, 'utf8').replace("export type IoMode = 'zero-copy' | 'copy';",
      "export type IoMode = 'zero-copy' | 'copy' | 'mapped';"));
    const r = generate(root, '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^-export type IoMode = 'zero-copy' \| 'copy' \| 'mapped';$/m);
  });

  it('copies the shared declarations with their doc comments and leaves out the device\'s loading', () => {
    const text = fs.readFileSync(path.join(repoRoot, CONTRACT_OUTPUTS[0]), 'utf8');
    assert.match(text, /^ \* GENERATED from entry\/src\/main\/cpp\/types\/libentry\/Index\.d\.ts by tools\/contract\/generate\.mjs/m);
    assert.match(text, /\/\*\* Which device to run on\.[^]*?\*\/\nexport type DevicePolicy = /);
    assert.match(text, /^export interface CompileOptions \{$/m);
    assert.doesNotMatch(text, /LoadOptions \{|loadClassifier|listDevices|resourceManager/);
    assert.equal(fs.readFileSync(path.join(repoRoot, CONTRACT_OUTPUTS[1]), 'utf8'), text);
  });

  it('BAD CALL - refuses a shared declaration that uses a device-only one', () => {
    const r = generate(scratchRoot({ [SOURCE]: (text) => text.replace('export interface ClassifyResult {\n',
      'export interface ClassifyResult {\n  request: LoadOptions;\n') }), '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Index\.d\.ts:\d+: ClassifyResult uses LoadOptions, which is device-only/);
  });

  it('BAD CALL - refuses what ArkTS cannot consume (any, unknown, index signatures)', () => {
    const r = generate(scratchRoot({ [SOURCE]: (text) => text.replace('export interface Timings {\n',
      'export interface Timings {\n  extra: any;\n  more: unknown;\n  [name: string]: number;\n') }), '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /'any' \(ArkTS has no any\/unknown\)/);
    assert.match(r.stderr, /'unknown' \(ArkTS has no any\/unknown\)/);
    assert.match(r.stderr, /index signature \(not allowed in ArkTS\)/);
  });

  it('BAD CALL - refuses a statement it would not copy (an enum, an unexported interface)', () => {
    let r = generate(scratchRoot({ [SOURCE]: (text) => `${text}\nexport enum Speed { Slow, Fast }\n` }), '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Index\.d\.ts:\d+: EnumDeclaration is not part of the contract the generator copies/);
    r = generate(scratchRoot({ [SOURCE]: (text) => `${text}\ninterface Hidden { a: number; }\n` }), '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Index\.d\.ts:\d+: Hidden is not exported/);
  });
});

describe('the limits (tools/contract/limits.json)', () => {
  const read = (rel) => fs.readFileSync(path.join(repoRoot, rel), 'utf8');
  const edit = (from, to) => (text) => {
    assert.ok(text.includes(from), from);
    return text.replace(from, to);
  };

  it('are constants of the same value in C++, TypeScript and ArkTS', () => {
    const [cpp, ts1, ets] = LIMITS_OUTPUTS.map(read);
    const limits = readLimits(repoRoot);
    assert.ok(limits.length >= 10);
    for (const l of limits) {
      const upper = l.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
      const value = l.type === 'ms' ? `${l.value}.0` : String(l.value);
      assert.match(cpp, new RegExp(`^inline constexpr \\w+ k${l.name[0].toUpperCase()}${l.name.slice(1)} = ${value};`, 'm'));
      assert.match(ts1, new RegExp(`^export const ${upper} = ${l.value};`, 'm'));
    }
    assert.equal(ets, ts1);
    assert.match(cpp, /^inline constexpr uint64_t kModelFileMaxBytes = 1073741824; {2}\/\/ 1 GiB$/m);
  });

  it('a changed limit needs the documentation that quotes it changed too, then makes the generated files stale', () => {
    const bigger = edit('"value": "1 GiB"', '"value": "2 GiB"');
    let r = generate(scratchRoot({ [LIMITS]: bigger }), '--check');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/README\.md does not say 'model 2 GiB' \(modelFileMaxBytes = 2 GiB\)/);
    const root = scratchRoot({ [LIMITS]: bigger, 'src/README.md': edit('model 1 GiB', 'model 2 GiB') });
    r = generate(root, '--check');
    assert.equal(r.status, 1);
    for (const out of LIMITS_OUTPUTS) assert.match(r.stderr, new RegExp(`${out.replace(/\./g, '\\.')} is stale`));
    for (const out of CONTRACT_OUTPUTS) assert.doesNotMatch(r.stderr, new RegExp(`${out.replace(/\./g, '\\.')} is stale`));
    assert.match(r.stderr, /^\+inline constexpr uint64_t kModelFileMaxBytes = 2147483648; {2}\/\/ 2 GiB$/m);
    assert.equal(generate(root).status, 0);
    assert.match(fs.readFileSync(path.join(root, LIMITS_OUTPUTS[1]), 'utf8'), /^export const MODEL_FILE_MAX_BYTES = 2147483648;/m);
  });

  it('a doc comment that quotes a limit may wrap anywhere', () => {
    const r = generate(scratchRoot({ [SOURCE]: edit('integer in [1, 1000000]; default 100.',
      'integer in [1,\n   *   1000000]; default\n   * 100.') }), '--check');
    assert.equal(r.status, 1);  // Index.d.ts changed, so the generated contract is stale; the quote still holds
    assert.doesNotMatch(r.stderr, /does not say/);
    assert.match(r.stderr, /contract\.generated\.ts is stale/);
  });

  it('BAD CALL - refuses a limits.json it cannot use, naming the entry', () => {
    const cases = [
      [edit('"value": 1000000', '"value": 1.5'), /limits\[0\] \(benchmarkIterationsMax\): value must be an integer >= 0$/m],
      [edit('"value": "4 MiB"', '"value": "4 MB"'), /\(labelsFileMaxBytes\): value must be an integer >= 0 or '<n> KiB\|MiB\|GiB'/],
      [edit('"name": "topKDefault", "type": "count"', '"name": "topKDefault", "type": "percent"'),
        /\(topKDefault\): type must be count, bytes or ms/],
      [edit('"name": "imageSideMax"', '"name": "modelInputSideMax"'), /\(modelInputSideMax\): name is not unique/],
      [edit('"name": "imageSideMax"', '"name": "image-side"'), /limits\[\d+\] \(image-side\): name must be camelCase/],
      [edit('default {benchmarkWarmupDefault}', 'default {benchmarkWarmupDefualt}'),
        /benchmarkWarmupMax: quotedIn names no limit 'benchmarkWarmupDefualt'/],
      [edit('"limits": [', '"limits": [,'), /tools\/contract\/limits\.json: Unexpected token[^]*is not valid JSON/],
    ];
    for (const [change, message] of cases) {
      const r = generate(scratchRoot({ [LIMITS]: change }), '--check');
      assert.equal(r.status, 1, String(message));
      assert.match(r.stderr, message);
    }
  });
});

/** name -> return type text of the functions Index.d.ts exports (`export const f: (...) => R`). */
function deviceFunctions() {
  const source = parse(deviceFile);
  const fns = new Map();
  for (const st of source.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      assert.ok(d.type && ts.isFunctionTypeNode(d.type), `Index.d.ts: ${d.name.getText(source)} is not a function`);
      fns.set(d.name.getText(source), norm(d.type.type.getText(source)));
    }
  }
  return fns;
}

describe('the platform parts: the device\'s and the Node API\'s loading functions', () => {
  it('every function of Index.d.ts is a function of the Node API with the same result', () => {
    const device = deviceFunctions();
    assert.ok(device.has('loadClassifier') && device.has('listDevices'));
    const nodeSource = parse(nodeApiFile);
    const node = new Map();
    for (const st of nodeSource.statements) {
      if (ts.isFunctionDeclaration(st) && st.name) node.set(st.name.text, norm(st.type.getText(nodeSource)));
    }
    for (const [name, result] of device) assert.equal(node.get(name), result, `src/api/index.ts ${name}()`);
  });
});

describe('the compiled addon provides what Index.d.ts declares', () => {
  it('exports the declared functions', () => {
    const addon = require(process.env.NPULENS_ADDON);
    for (const fn of deviceFunctions().keys()) assert.equal(typeof addon[fn], 'function', fn);
  });

  it('gives Classifier objects every declared member and ModelInfo every declared field', async () => {
    const c = await loadTiny();
    try {
      for (const [member, sig] of flatMembers(device, 'Classifier')) {
        if (sig === 'method') assert.equal(typeof c[member], 'function', `Classifier.${member}`);
        else assert.ok(c[member] !== undefined, `Classifier.${member}`);
      }
      for (const field of flatMembers(device, 'ModelInfo').keys()) assert.ok(field in c.info, `ModelInfo.${field}`);
      const r = await c.classify(new ArrayBuffer(16 * 16 * 4), 16, 16, 'RGBA');
      // Every required field (aippSource/aippSourceReason exist on the AIPP path only: aipp.test.mjs checks them).
      for (const [field, kind] of flatMembers(device, 'ClassifyResult')) {
        if (kind !== 'optional') assert.ok(field in r, `ClassifyResult.${field}`);
      }
      for (const field of flatMembers(device, 'Timings').keys()) assert.equal(typeof r.timings[field], 'number', `Timings.${field}`);
      // A model benchmark has every required field; a source benchmark (options.source) every field.
      const b = await c.benchmark({ iterations: 3, warmup: 0 });
      const s = await c.benchmark({ iterations: 3, warmup: 0, source: { width: 16, height: 16, format: 'RGBA' } });
      for (const [field, kind] of flatMembers(device, 'BenchmarkResult')) {
        if (kind !== 'optional') assert.ok(field in b, `BenchmarkResult.${field}`);
        assert.ok(field in s, `BenchmarkResult.${field} (source benchmark)`);
      }
      for (const field of flatMembers(device, 'DeviceInfo').keys()) assert.ok(field in api.listDevices()[0], `DeviceInfo.${field}`);
    } finally {
      c.release();
    }
  });
});
