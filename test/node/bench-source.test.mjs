// Classifier.benchmark({source}): the one benchmark runner timing the whole way from a source frame to the result
// (nnrt/session_benchmark.h BenchmarkSource) on each path the classifier has: CPU pre-processing + copy, CPU
// pre-processing zero-copy, the frame copied into the AIPP input tensor, and a frame in a shrink-sealed memfd that
// the AIPP path wraps with no CPU pass. The binding only converts and schedules: the figures are the runner's, so these
// tests check the paths, the bytes the CPU touched (exact), that the stage medians belong to the samples, and the
// argument errors. Models: the fixtures' aipp/ folder (dynamic AIPP, sources up to 16 KiB; formats NV21 NV12 RGBA RGB).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  api, assertCliUsageError, assertFails, assertValidReport, fixtures, releasedAfterTests, repoRoot, require,
} from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const { compareReports, readReport } = require(path.join(repoRoot, 'dist', 'bench', 'report.js'));

async function run(...args) {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: { write(s) { out.stdout += s; return true; } }, stderr: { write(s) { out.stderr += s; return true; } },
  };
  const prev = process.env.NPULENS_RAWFILE_DIR;
  process.env.NPULENS_RAWFILE_DIR = path.join(fixtures, 'aipp');
  try {
    return { code: await runCli(args, io), ...out };
  } finally {
    if (prev === undefined) delete process.env.NPULENS_RAWFILE_DIR;
    else process.env.NPULENS_RAWFILE_DIR = prev;
  }
}

const aippDir = path.join(fixtures, 'aipp');
const load = (modelId, extra = {}) => api.loadClassifier({ rawfileDir: aippDir, modelId, ...extra });
const keep = releasedAfterTests();

const W = 48, H = 32;
const NV21_BYTES = W * H * 3 / 2;
const RUNS = { iterations: 4, warmup: 1 };

/** The end-to-end samples' p50 is the total stage's median, inference is part of it, the rest is its share. */
function assertConsistent(r) {
  assert.equal(r.iterations, 4);
  assert.equal(r.samplesMs.length, 4);
  assert.equal(r.stagesP50Ms.totalMs, r.latencyMs.p50);
  assert.ok(r.stagesP50Ms.inferenceMs > 0 && r.stagesP50Ms.inferenceMs <= r.stagesP50Ms.totalMs);
  assert.ok(r.nonInferenceFraction > 0 && r.nonInferenceFraction < 1, String(r.nonInferenceFraction));
}

describe('benchmark({source}): source frame -> result per path', () => {
  it('CPU pre-processing + copy and zero-copy: the frame read, the input written, copy mode\'s memcpy', async () => {
    const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const inBytes = c.info.inputs[0].byteLength;
    const copy = await c.benchmark({ ...RUNS, mode: 'copy', source: { width: W, height: H, format: 'NV21' } });
    assertConsistent(copy);
    assert.equal(copy.path, 'cpu+copy');
    assert.equal(copy.preprocessing, 'cpu');
    assert.deepEqual(copy.source, { width: W, height: H, format: 'NV21', bytes: NV21_BYTES });
    assert.equal(copy.cpuBytesIn, NV21_BYTES + inBytes + 2 * inBytes);
    assert.ok(copy.stagesP50Ms.preprocessMs > 0 && copy.stagesP50Ms.copyInMs > 0);
    assert.equal(copy.stagesP50Ms.frameCopyMs, 0);
    const zero = await c.benchmark({ ...RUNS, mode: 'zero-copy', source: { width: W, height: H, format: 'NV21' } });
    assertConsistent(zero);
    assert.equal(zero.path, 'cpu+zero-copy');
    assert.equal(zero.cpuBytesIn, NV21_BYTES + inBytes);
    assert.equal(zero.stagesP50Ms.copyInMs, 0);
  });

  it('AIPP: the frame copied into the AIPP tensor (read + written), or wrapped from a sealed memfd (nothing)', async () => {
    const c = await keep(load('aipp-fp32'));
    assert.equal(c.info.preprocessing, 'aipp');
    const copied = await c.benchmark({ ...RUNS, source: { width: W, height: H, format: 'RGBA' } });
    assertConsistent(copied);
    assert.equal(copied.path, 'aipp+copy');
    assert.equal(copied.preprocessing, 'aipp');
    assert.equal(copied.cpuBytesIn, 2 * W * H * 4);
    assert.equal(copied.stagesP50Ms.preprocessMs, 0);
    assert.ok(copied.stagesP50Ms.frameCopyMs > 0);
    const wrapped = await c.benchmark({ ...RUNS, source: { width: W, height: H, format: 'NV21', store: 'fd' } });
    assertConsistent(wrapped);
    assert.equal(wrapped.path, 'aipp+fd');
    assert.equal(wrapped.cpuBytesIn, 0);
    assert.equal(wrapped.stagesP50Ms.frameCopyMs, 0);
  });

  it('without source the benchmark times the model alone and has no source fields', async () => {
    const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const r = await c.benchmark(RUNS);
    assert.equal(r.path, undefined);
    assert.equal(r.stagesP50Ms, undefined);
    assert.equal(r.cpuBytesIn, undefined);
  });

  it('BAD CALL - source of the wrong type or shape is a TypeError naming the field', async () => {
    const c = await keep(load('aipp-fp32'));
    const bad = { code: 'NPULENS_INVALID_ARGUMENT', step: 'benchmark' };
    await assertFails(c.benchmark({ source: 'nv21:48x32' }), TypeError, /options\.source must be an object/, bad);
    await assertFails(c.benchmark({ source: { width: W, height: H } }), TypeError, /options\.source\.format is required/,
      bad);
    await assertFails(c.benchmark({ source: { width: '48', height: H, format: 'NV21' } }), TypeError,
      /options\.source\.width/, bad);
  });

  it('BAD CALL - sides out of range, odd YUV sides and unknown formats or stores are RangeErrors', async () => {
    const c = await keep(load('aipp-fp32'));
    const range = { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' };
    await assertFails(c.benchmark({ source: { width: 0, height: H, format: 'RGBA' } }), RangeError,
      /options\.source\.width must be within 1\.\.16384, got 0/, range);
    await assertFails(c.benchmark({ source: { width: 47, height: H, format: 'NV21' } }), RangeError,
      /options\.source: a NV21 source needs even sides \(got 47x32\)/, range);
    await assertFails(c.benchmark({ source: { width: W, height: H, format: 'YUYV' } }), RangeError,
      /options\.source\.format must be one of 'RGBA', 'BGRA', 'RGB', 'NV21', 'NV12', got 'YUYV'/, range);
    await assertFails(c.benchmark({ source: { width: W, height: H, format: 'RGBA', store: 'ion' } }), RangeError,
      /options\.source\.store must be one of 'memory', 'fd', got 'ion'/, range);
  });

  it('BAD CALL - a format the AIPP target does not take, a source over its limit: the engine\'s errors', async () => {
    // aipp-yuv-only lists no RGB (on a target listing it the engine resizes such frames on the CPU for AIPP).
    const c = await keep(load('aipp-yuv-only'));
    await assertFails(c.benchmark({ ...RUNS, source: { width: W, height: H, format: 'BGRA' } }), Error,
      /does not take BGRA frames/, { code: 'NPULENS_UNSUPPORTED', step: 'aipp.config' });
    await assertFails(c.benchmark({ ...RUNS, source: { width: 256, height: 192, format: 'NV21' } }), RangeError,
      /73728 bytes, over the model's AIPP limit of 16384/, { code: 'NPULENS_OUT_OF_RANGE', step: 'aipp.config' });
  });
});

describe('npulens bench --source', () => {
  it('one row per path with the CPU bytes, and a report the schema and --compare accept beside an old one', async () => {
    const r = await run('bench', '--model', 'aipp-fp32', '--source', `nv21:${W}x${H}`, '--iterations', '3',
      '--warmup', '0', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertValidReport(doc, 'bench --source');
    assert.deepEqual(doc.runs.map((x) => x.path), ['cpu+copy', 'cpu+zero-copy', 'aipp+copy', 'aipp+fd']);
    assert.ok(doc.runs.every((x) => x.role === 'source' && x.source.bytes === NV21_BYTES));
    assert.deepEqual(doc.runs.map((x) => x.preprocessing), ['cpu', 'cpu', 'aipp', 'aipp']);
    assert.equal(doc.runs[2].cpuBytesIn, 2 * NV21_BYTES);
    assert.equal(doc.runs[3].cpuBytesIn, 0);
    // An old report (model runs only) and the new one: --compare matches source runs only with source runs.
    const old = await run('bench', '--model', 'aipp-fp32', '--iterations', '3', '--warmup', '0', '--json', '-');
    assert.equal(old.code, 0, old.stderr);
    const a = readReport(old.stdout), b = readReport(r.stdout);
    assert.deepEqual(compareReports(a, b), []);
    const rows = compareReports(b, b);
    assert.deepEqual(rows.map((x) => x.mode), ['cpu+copy 48x32 NV21', 'cpu+zero-copy 48x32 NV21',
      'aipp+copy 48x32 NV21', 'aipp+fd 48x32 NV21']);
    assert.equal(compareReports(a, a).length, 1);
  });

  it('the table names each path, and a model without AIPP is measured on the CPU paths only, saying why', async () => {
    const r = await run('bench', '--model', 'no-aipp', '--source', `rgba:${W}x${H}`, '--iterations', '2', '--warmup', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^source: 48x32 RGBA, 6\.1 kB \(synthetic\)$/m);
    assert.match(r.stdout, /^aipp: not measured: the target declares no dynamic AIPP \(aipp\.mode none\)$/m);
    assert.match(r.stdout, /^cpu\+copy +2 /m);
    assert.match(r.stdout, /^cpu\+zero-copy +2 /m);
    assert.doesNotMatch(r.stdout, /^aipp\+/m);
  });

  it('BAD CALL - a bad --source, --preprocessing without --source, aipp on a model without it', async () => {
    assertCliUsageError(await run('bench', '--source', 'nv21:47x32'), /--source: NV21 frames have even sides/,
      /npulens bench \[--model .*--source FMT:WxH/);
    assertCliUsageError(await run('bench', '--source', '48x32:nv21'), /--source must be <format>:<W>x<H>/,
      /npulens bench \[--model .*--source FMT:WxH/);
    assertCliUsageError(await run('bench', '--preprocessing', 'aipp'), /--preprocessing needs --source/,
      /npulens bench \[--model .*--source FMT:WxH/);
    const r = await run('bench', '--model', 'no-aipp', '--source', `nv21:${W}x${H}`, '--preprocessing', 'aipp');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dynamic AIPP/);
  });
});
