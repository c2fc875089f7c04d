// CANN online tuning and runtime profiling through the API and the CLI: LoadOptions.profilingDir (the runtime's
// HMS_HiAIOptions_SetOmOptions, which on the host writes <model>_op.csv and <model>_model.csv when the classifier is
// released) and returnOutput; `npulens classify --tuning`, `npulens bench --tuning a,b,c` (cold vs cached compile) and
// `npulens bench --profile DIR`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  assertCliUsageError, assertFails, assertRuntimeError, fixtures, loadTiny, repoRoot, require, rgbaImage,
  runInProcess,
} from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-tuning-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = (name) => {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

process.env.NPULENS_RAWFILE_DIR = fixtures;
const run = (...args) => runInProcess(runCli, args);
const image = path.join(fixtures, 'tuning-image.png');

/** The rows of a CSV the runtime wrote (no quoted commas in the tiny model's names). */
// RFC 4180 fields: the runtime quotes one with a comma (a kernel label such as 'AVX2 Winograd F(2x2,3x3)').
const csvCells = (line) => [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)]
  .map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]));
const csv = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').map(csvCells);

describe('profilingDir and returnOutput (API)', () => {
  it('profilingDir sets om_options and the runtime writes the per-op and per-model CSV at release', async () => {
    const out = dir('api-profile');
    const c = await loadTiny('tiny-fp32', { profilingDir: out });
    const option = c.info.options.find((o) => o.name === 'om_options');
    assert.deepEqual(option, { name: 'om_options', value: `PROFILING:${out}`, accepted: true, code: 'OH_NN_SUCCESS',
      detail: '' });
    const px = rgbaImage(16, 16);
    for (let i = 0; i < 3; i++) await c.classify(px.buffer, 16, 16, 'RGBA');
    assert.deepEqual(fs.readdirSync(out), [], 'written when the executor goes, not before');
    c.release();
    const files = fs.readdirSync(out).sort();
    assert.equal(files.length, 2, files.join(' '));
    const [model, ops] = files.map((f) => csv(path.join(out, f)));
    assert.match(files[0], /_model\.csv$/);
    assert.deepEqual(model[0], ['model', 'ops', 'runs', 'total_ms', 'avg_ms']);
    assert.equal(model[1][2], '3', 'three runs');
    assert.deepEqual(ops[0].slice(0, 8), ['index', 'op', 'type', 'name', 'backend', 'output_shape', 'macs', 'calls']);
    assert.equal(ops.length - 1, Number(model[1][1]), 'one row per op');
    for (const row of ops.slice(1)) assert.equal(row[7], '3');
  });

  it('without profilingDir no om_options is set', async () => {
    const c = await loadTiny('tiny-fp32');
    try {
      assert.equal(c.info.options.find((o) => o.name === 'om_options'), undefined);
    } finally {
      c.release();
    }
  });

  it('returnOutput gives the output tensor, whose softmax is the top-K scores; without it there is none', async () => {
    const px = rgbaImage(16, 16, 3);
    const plain = await loadTiny('tiny-fp32');
    const withOutput = await loadTiny('tiny-fp32', { returnOutput: true });
    try {
      const r0 = await plain.classify(px.buffer, 16, 16, 'RGBA');
      assert.equal('output' in r0, false);
      const r = await withOutput.classify(px.buffer, 16, 16, 'RGBA', undefined, withOutput.info.classes);
      assert.equal(r.output.length, withOutput.info.classes);
      const max = Math.max(...r.output);
      const sum = r.output.reduce((s, v) => s + Math.exp(v - max), 0);
      for (const e of r.top) assert.ok(Math.abs(Math.exp(r.output[e.index] - max) / sum - e.score) < 1e-5, `class ${e.index}`);
      assert.deepEqual(r.top.slice(0, r0.top.length), r0.top, 'the same top-K as without returnOutput');
    } finally {
      plain.release();
      withOutput.release();
    }
  });

  it('int8: the output is dequantized (its argmax is top-1)', async () => {
    const c = await loadTiny('tiny-int8', { returnOutput: true });
    try {
      const r = await c.classify(rgbaImage(16, 16, 5).buffer, 16, 16, 'RGBA');
      assert.equal(r.output.length, c.info.classes);
      assert.ok(r.output.some((v) => !Number.isInteger(v)), 'dequantized values, not raw int8');
      assert.equal(r.output.indexOf(Math.max(...r.output)), r.top[0].index);
    } finally {
      c.release();
    }
  });

  it('BAD CALL - profilingDir / returnOutput of the wrong type or a profiling dir that does not exist', async () => {
    await assertFails(loadTiny('tiny-fp32', { profilingDir: 5 }), TypeError, /options\.profilingDir/);
    await assertFails(loadTiny('tiny-fp32', { returnOutput: 'yes' }), TypeError, /options\.returnOutput/);
    await assertFails(loadTiny('tiny-fp32', { profilingDir: path.join(tmp, 'missing') }), Error,
      /the profiling dir ".*missing" is not an existing directory/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'compile.options.om_options' });
  });
});

describe('npulens classify / bench --tuning', () => {
  it('classify --tuning heter --tuning-cache DIR applies the tuning pair and says so', async () => {
    const sharp = require('sharp');
    await sharp(Buffer.from(rgbaImage(20, 20)), { raw: { width: 20, height: 20, channels: 4 } }).png().toFile(image);
    const cache = dir('classify-cache');
    const r = await run('classify', image, '--model', 'tiny-fp32', '--tuning', 'heter', '--tuning-cache', cache);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tuning: tuning_mode applied, tuning_cache_dir applied$/m);
    const j = await run('classify', image, '--model', 'tiny-fp32', '--tuning', 'auto', '--tuning-cache', cache, '--json');
    assert.equal(j.code, 0, j.stderr);
    const options = JSON.parse(j.stdout).options;
    assert.deepEqual(options.map((o) => [o.name, o.value, o.accepted]),
      [['tuning_mode', 'AUTO', true], ['tuning_cache_dir', cache, true]]);
  });

  it('without --tuning-cache the cache is a per-user folder, created', async () => {
    const home = dir('xdg');
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try {
      const j = await run('classify', image, '--model', 'tiny-fp32', '--tuning', 'heter', '--json');
      assert.equal(j.code, 0, j.stderr);
      const cache = path.join(home, 'npulens', 'tuning');
      assert.ok(fs.statSync(cache).isDirectory());
      assert.equal(JSON.parse(j.stdout).options.find((o) => o.name === 'tuning_cache_dir').value, cache);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('bench --tuning auto,heter,off: per mode a cold load over an emptied cache and a cached one', async () => {
    const cache = dir('bench-cache');
    const stale = path.join(cache, 'tiny_fp32_auto');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'left-over'), 'x');
    const r = await run('bench', '--model', 'tiny-fp32', '--tuning', 'auto,heter,off', '--tuning-cache', cache,
      '--iterations', '20', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.tuning.map((t) => t.mode), ['auto', 'heter', 'off']);
    for (const t of doc.tuning) {
      assert.ok(t.coldCompileMs > 0 && t.cachedCompileMs > 0 && t.p50Ms > 0 && t.p90Ms >= t.p50Ms, JSON.stringify(t));
      assert.deepEqual(t.options.map((o) => [o.name, o.accepted]),
        t.mode === 'off' ? [] : [['tuning_mode', true], ['tuning_cache_dir', true]]);
      if (t.mode !== 'off') assert.equal(t.cacheDir, path.join(cache, `tiny_fp32_${t.mode}`));
    }
    assert.equal(fs.existsSync(path.join(stale, 'left-over')), false, 'the cold load starts from an empty cache');
    const text = await run('bench', '--model', 'tiny-fp32', '--tuning', 'heter', '--tuning-cache', cache,
      '--iterations', '7', '--warmup', '2');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^heter +tuning_mode applied, tuning_cache_dir applied( +[\d.]+){5}$/m);
    assert.match(text.stdout, /p50\/p90 = its inference \(7 zero-copy runs after 2 warm-up\)/);
  });

  it('BAD CALL - tuning flags', async () => {
    const usage = /usage: npulens classify/;
    assertCliUsageError(await run('classify', image, '--tuning', 'fast'), /--tuning must be one of off, auto, heter/, usage);
    assertCliUsageError(await run('classify', image, '--tuning', 'auto,heter'), /--tuning takes one mode here/, usage);
    assertCliUsageError(await run('classify', image, '--tuning-cache', tmp), /--tuning-cache needs --tuning/, usage);
    assertCliUsageError(await run('bench', '--tuning', 'auto,auto'), /--tuning lists a mode twice/, usage);
    assertCliUsageError(await run('bench', '--tuning', 'off', '--tuning-cache', tmp), /--tuning-cache needs/, usage);
    assertCliUsageError(await run('bench', '--tuning', 'auto', '--source', 'nv21:64x64'),
      /--tuning and --profile do not apply to --source/, usage);
    assertCliUsageError(await run('bench', '--tuning', 'auto', '--profile', tmp), /separate runs/, usage);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    assertRuntimeError(await run('classify', image, '--model', 'tiny-fp32', '--tuning', 'auto', '--tuning-cache', file),
      /cannot create the --tuning-cache folder|the --tuning-cache path is not a folder/);
  });
});

describe('npulens bench --profile', () => {
  it('writes the runtime profile into DIR and prints its slowest ops', async () => {
    const out = path.join(tmp, 'bench-profile');  // created by the CLI
    const r = await run('bench', '--model', 'tiny-int8', '--iterations', '5', '--warmup', '1', '--profile', out);
    assert.equal(r.code, 0, r.stderr);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files.map((f) => f.replace(/^.*_(op|model)\.csv$/, '$1')), ['model', 'op']);
    assert.match(r.stdout, new RegExp(`^profile: .*${files[0]}, .*${files[1]}$`, 'm'));
    const ops = csv(path.join(out, files.find((f) => f.endsWith('_op.csv')))).slice(1);
    const rows = r.stdout.split('\n').filter((l) => /^\d+ +\S/.test(l));
    assert.equal(rows.length, Math.min(10, ops.length));
    // Slowest first, as the CSV's total_ms says.
    const totals = ops.map((o) => Number(o[8])).sort((a, b) => b - a);
    assert.match(rows[0], new RegExp(` ${totals[0] >= 100 ? totals[0].toFixed(1) : totals[0] >= 10 ? totals[0].toFixed(2)
      : totals[0].toFixed(3)} `));
    assert.match(r.stdout, new RegExp(`top ${rows.length} of ${ops.length} ops by total time`));
  });

  it('takes only the files this run wrote: a CSV already in DIR is not its profile, whatever its time', async () => {
    const out = path.join(tmp, 'bench-profile-stale');
    fs.mkdirSync(out);
    const stale = path.join(out, 'stale_op.csv');
    fs.writeFileSync(stale, 'a stale profile\n');
    const future = new Date(Date.now() + 3600e3);
    fs.utimesSync(stale, future, future);  // file times are no proof of who wrote a file
    const r = await run('bench', '--model', 'tiny-int8', '--iterations', '3', '--warmup', '1', '--profile', out);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /stale_op\.csv/);
    assert.match(r.stdout, /^profile: .*_model\.csv, .*_op\.csv$/m);
  });

  it('BAD CALL - --profile with --json - (the table would break the JSON)', async () => {
    assertCliUsageError(await run('bench', '--profile', tmp, '--json', '-'), /--profile prints a table/,
      /usage: npulens classify/);
  });
});
