// `npulens` over the real addon: exit codes (0 ok, 1 runtime error with one `error: <what> (<where>)` line, 2 usage),
// the --json shapes of classify and bench, and no crash or stack trace on bad files and flags. The commands run
// in-process through runCli (the entry bin/npulens.js calls, with string sinks for stdout and stderr); a few cases
// at the end spawn bin/npulens.js for what only a process shows: its exit status and its real stdout/stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import {
  assertCliUsageError as assertUsageError, assertRuntimeError, assertValidReport, fixtures, repoRoot, require,
  runInProcess,
} from './helpers.mjs';

const sharp = require('sharp');
const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const bin = path.join(repoRoot, 'bin', 'npulens.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-cli-'));
const file = (name) => path.join(tmp, name);
const labels = path.join(fixtures, 'models', 'tiny_labels.txt');

// As a spawned `npx npulens` would see it: the fixtures' manifest, paths shown relative to the repository.
process.env.NPULENS_RAWFILE_DIR = fixtures;
process.chdir(repoRoot);

/** One CLI invocation in this process. */
const run = (...args) => runInProcess(runCli, args);

/** One CLI invocation as a process: node bin/npulens.js. */
function spawnRun(args, env = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot, encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A PNG whose header claims huge dimensions (the pixel data is never reached).
function hugePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2;  // 8-bit RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

before(async () => {
  const raw = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 256;
  const img = () => sharp(raw, { raw: { width: 64, height: 48, channels: 3 } });
  await img().png().toFile(file('a.png'));
  await img().jpeg().toFile(file('b.jpg'));
  await img().webp().toFile(file('c.webp'));
  const jpeg = fs.readFileSync(file('b.jpg'));
  fs.writeFileSync(file('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  fs.writeFileSync(file('random.png'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)));
  fs.writeFileSync(file('empty.png'), Buffer.alloc(0));
  fs.writeFileSync(file('huge.png'), hugePng(100000, 100000));
  // An EXIF-rotated JPEG: orientation 6 (90° clockwise) turns 64x48 into 48x64.
  await img().jpeg().withMetadata({ orientation: 6 }).toFile(file('rotated.jpg'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('usage errors exit 2 with a short usage', () => {
  it('no command', async () => assertUsageError(await run(), /^error: missing command$/));
  it('unknown command', async () => assertUsageError(await run('frobnicate'), /^error: unknown command 'frobnicate'$/));
  it('classify without images', async () => assertUsageError(await run('classify'), /^error: classify needs at least one image$/));
  it('unknown flag', async () => assertUsageError(await run('classify', file('a.png'), '--bogus'), /^error: Unknown option '--bogus'/));
  it('--top not a number', async () => assertUsageError(await run('classify', file('a.png'), '--top', 'abc'), /^error: --top must be an integer, got 'abc'$/));
  it('--top 0', async () => assertUsageError(await run('classify', file('a.png'), '--top', '0'), /^error: --top must be between 1 and 1000, got '0'$/));
  it('--device gpu', async () => assertUsageError(await run('classify', file('a.png'), '--device', 'gpu'), /^error: --device must be one of auto, npu, cpu, got 'gpu'$/));
  it('--size with a manifest model', async () => assertUsageError(await run('classify', file('a.png'), '--size', '16x16'), /^error: --size applies to a model file only/));
  it('model file without --size', async () =>
    assertUsageError(await run('classify', file('a.png'), '--model', path.join(fixtures, 'models/tiny_fp32.onnx')), /^error: --size WxH is required with a model file$/));
  it('bad --size', async () =>
    assertUsageError(await run('classify', file('a.png'), '--model', 'x.onnx', '--size', '0x5'), /^error: --size must be WxH with sides in \[1, 4096\]/));
  it('bad --std', async () =>
    assertUsageError(await run('classify', file('a.png'), '--model', 'x.onnx', '--size', '16x16', '--labels', labels, '--std', '1,0,1'), /^error: --std must be three positive numbers/));
  it('bench --iterations 0', async () => assertUsageError(await run('bench', '--iterations', '0'), /^error: --iterations must be between 1 and 1000000/));
  it('bench --mode fast', async () => assertUsageError(await run('bench', '--mode', 'fast'), /^error: --mode must be one of zero-copy, copy, both, got 'fast'$/));
  it('bench --duration -1', async () => assertUsageError(await run('bench', '--duration=-1'), /^error: --duration must be a number in \(0, 86400\]/));
  it('bench with a positional', async () => assertUsageError(await run('bench', 'x'), /^error: Unexpected argument 'x'/));
});

describe('classify', () => {
  it('prints a table and timings per image, then the model and device', async () => {
    const r = await run('classify', file('a.png'), file('b.jpg'), '--top', '3');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    // The JPEG is decoded at the size the 16x16 model needs (image.ts), the PNG whole.
    for (const img of ['a.png  \\(64x48\\)', 'b.jpg  \\(64x48, decoded at 22x16\\)']) assert.match(r.stdout, new RegExp(`${img}\\n  rank  label +score\\n(     [1-3]  \\S+ +\\d+\\.\\d\\d%\\n){3}`));
    assert.equal((r.stdout.match(/time \(ms\): decode [\d.]+, preprocess [\d.]+, inference [\d.]+, postprocess [\d.]+, total [\d.]+/g) ?? []).length, 2);
    assert.match(r.stdout, /model: tiny-int8 \(int8, .*tiny_int8\.onnx\)/, 'the manifest default model');
    assert.match(r.stdout, /device: hostnn_cpu \(cpu\) — no HIAI_F device/);
  });

  it('--json prints exactly the documented document', async () => {
    const r = await run('classify', file('a.png'), file('rotated.jpg'), '--json', '--model', 'tiny-int8', '--top', '2');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), ['model', 'device', 'preprocessing', 'results', 'throughput']);
    assert.deepEqual(doc.preprocessing, { used: 'cpu', reason: 'auto: the target\'s AIPP is "none"' });
    assert.equal(doc.throughput.images, 2);
    assert.deepEqual(Object.keys(doc.model), ['id', 'path', 'precision']);
    assert.equal(doc.model.id, 'tiny-int8');
    assert.equal(doc.model.precision, 'int8');
    assert.deepEqual(doc.device, { name: 'hostnn_cpu', type: 'cpu' });
    assert.equal(doc.results.length, 2);
    for (const res of doc.results) {
      assert.deepEqual(Object.keys(res), ['image', 'top', 'timings']);
      assert.deepEqual(Object.keys(res.timings), ['decodeMs', 'preprocessMs', 'inferenceMs', 'postprocessMs', 'totalMs']);
      assert.equal(res.top.length, 2);
      for (const e of res.top) {
        assert.deepEqual(Object.keys(e), ['rank', 'index', 'label', 'score']);
        assert.ok(e.score >= 0 && e.score <= 1);
      }
      assert.ok(res.timings.totalMs >= res.timings.decodeMs + res.timings.inferenceMs);
    }
  });

  it('a model file with explicit pre-processing matches the same manifest model', async () => {
    const viaManifest = JSON.parse((await run('classify', file('a.png'), '--json', '--model', 'tiny-fp32')).stdout);
    const r = await run('classify', file('a.png'), '--json', '--model', path.join(fixtures, 'models/tiny_fp32.onnx'), '--size', '16x16',
      '--mean', '123.675,116.28,103.53', '--std', '58.395,57.12,57.375', '--labels', labels);
    assert.equal(r.code, 0, r.stderr);
    const viaFile = JSON.parse(r.stdout);
    assert.equal(viaFile.model.id, 'tiny_fp32');
    assert.equal(viaFile.model.precision, 'unknown');
    assert.deepEqual(viaFile.results[0].top, viaManifest.results[0].top);
  });

  it('--top above the class count shows every class', async () => {
    const doc = JSON.parse((await run('classify', file('a.png'), '--json', '--top', '50')).stdout);
    assert.deepEqual(doc.results[0].top.map((e) => e.rank), [1, 2, 3, 4, 5]);
  });

  it('honours EXIF orientation', async () => {
    const r = await run('classify', file('rotated.jpg'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rotated\.jpg {2}\(48x64, decoded at 16x22\)/);
  });

  it('EXPECTED FAILURE - corrupt, truncated, empty, foreign, huge, missing images and directories', async () => {
    assertRuntimeError(await run('classify', file('random.png')), /^error: cannot decode image: .+ \(.*random\.png\)$/);
    assertRuntimeError(await run('classify', file('truncated.jpg')), /^error: cannot decode image: .+ \(.*truncated\.jpg\)$/);
    assertRuntimeError(await run('classify', file('empty.png')), /^error: image file is empty \(.*empty\.png\)$/);
    assertRuntimeError(await run('classify', file('c.webp')), /^error: unsupported image format 'webp' \(PNG and JPEG only\) \(.*c\.webp\)$/);
    assertRuntimeError(await run('classify', file('huge.png')), /^error: cannot decode image: .*pixel limit.* \(.*huge\.png\)$/);
    assertRuntimeError(await run('classify', file('nope.png')), /^error: image not found \(.*nope\.png\)$/);
    assertRuntimeError(await run('classify', tmp), /^error: image is a directory \(/);
  });

  it('EXPECTED FAILURE - bad models and devices', async () => {
    const model = (f) => ['--model', path.join(fixtures, f), '--size', '16x16', '--labels', labels];
    assertRuntimeError(await run('classify', file('a.png'), ...model('bad/truncated.onnx')),
      /^error: OH_NN_INVALID_FILE \(6\): .*not an ONNX protobuf.* \(compile\.build, .*truncated\.onnx\)$/);
    assertRuntimeError(await run('classify', file('a.png'), ...model('bad/unsupported_op.onnx')),
      /^error: OH_NN_UNSUPPORTED \(10\): .*unsupported op 'Tanh'.* \(compile\.build, .*unsupported_op\.onnx\)$/);
    assertRuntimeError(await run('classify', file('a.png'), ...model('bad/empty.onnx')), /^error: NPULENS_IO \(1002\): .*the model file is empty \(io\.read, /);
    assertRuntimeError(await run('classify', file('a.png'), ...model('bad/missing.onnx')), /No such file or directory \(io\.read, /);
    assertRuntimeError(await run('classify', file('a.png'), '--model', 'nope'), /^error: unknown model 'nope' \(known: tiny-fp32, tiny-int8, device-only\) \(.*manifest\.json\)$/);
    assertRuntimeError(await run('classify', file('a.png'), '--model', 'device-only'), /has no onnx target; it runs on the device only/);
    assertRuntimeError(await run('classify', file('a.png'), '--device', 'npu'), /^error: NPULENS_DEVICE_NOT_FOUND \(1007\): policy npu needs the device named HIAI_F.* \(device\.select, /);
  });
});

describe('bench', () => {
  it('--json - prints the shared report (npulens-benchmark/2) for both modes', async () => {
    const r = await run('bench', '--iterations', '25', '--warmup', '2', '--mode', 'both', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertValidReport(doc);
    assert.equal(doc.format, 'npulens-benchmark/2');
    assert.equal(doc.producer, 'npulens bench');
    assert.equal(doc.config.iterations, 25);
    assert.equal(doc.config.warmup, 2);
    assert.deepEqual(doc.runs.map((x) => [x.mode, x.role]), [['zero-copy', 'baseline'], ['copy', 'io']]);
    for (const run_ of doc.runs) {
      assert.deepEqual(Object.keys(run_.latencyMs), ['min', 'p50', 'p90', 'p99', 'max', 'mean', 'std']);
      assert.ok(run_.throughputPerSec > 0);
      assert.equal(run_.samplesMs.length, 25);
      assert.equal(run_.windowP50Ms.length, 10);
      assert.equal(run_.warmup, 2);
    }
    assert.equal(doc.runs[0].speedupVsBaseline, 1);
    assert.ok(doc.peakRssMb > 10);
  });

  it('--compare reads two reports and prints p50 a, p50 b and b/a per model and mode', async () => {
    const a = file('cmp-a.json'), b = file('cmp-b.json');
    assert.equal((await run('bench', '--iterations', '5', '--mode', 'both', '--json', a)).code, 0);
    const docB = JSON.parse(fs.readFileSync(a, 'utf8'));
    docB.runs[1].latencyMs.p50 = docB.runs[0].latencyMs.p50 * 2;  // copy: twice zero-copy's p50
    docB.runs[0].latencyMs.p50 = docB.runs[0].latencyMs.p50 * 4;
    fs.writeFileSync(b, JSON.stringify({ ...docB, runs: [docB.runs[1], docB.runs[0]] }));
    const r = await run('bench', '--compare', a, b);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^model +mode +device a +device b +p50 a +p50 b +b\/a$/m);
    assert.match(r.stdout, /^tiny-int8 +zero-copy +hostnn_cpu +hostnn_cpu .* 4\.000$/m);
  });

  it('EXPECTED FAILURE - --compare with a file that is not a report, of another format, or one file', async () => {
    const notJson = file('cmp-bad.json'), old = file('cmp-old.json');
    fs.writeFileSync(notJson, '{"format": ');
    fs.writeFileSync(old, JSON.stringify({ format: 'npulens-benchmark/1', runs: [] }));
    assertRuntimeError(await run('bench', '--compare', notJson, old), new RegExp(`^error: not JSON \\(.*\\) \\(${notJson}\\)$`));
    assertRuntimeError(await run('bench', '--compare', old, notJson),
      new RegExp(`^error: format is "npulens-benchmark/1", expected 'npulens-benchmark/2' \\(${old}\\)$`));
    assertUsageError(await run('bench', '--compare', old), /^error: --compare takes two report files: --compare a\.json b\.json/);
  });

  it('prints a table and writes --json FILE', async () => {
    const out = file('bench.json');
    const r = await run('bench', '--iterations', '10', '--json', out, '--model', 'tiny-int8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mode +runs +min +p50 +p90 +p99 +max +mean +std +inf\/s\nzero-copy +10 /);
    assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).runs[0].modelId, 'tiny-int8');
  });

  it('--duration limits the run', async () => {
    const r = await run('bench', '--duration', '0.2', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.ok(doc.runs[0].iterations > 0 && doc.runs[0].iterations < 1000000);
  });

  it('EXPECTED FAILURE - unwritable --json file', async () => {
    assertRuntimeError(await run('bench', '--iterations', '2', '--json', path.join(tmp, 'no', 'such', 'dir.json')), /^error: cannot write JSON: ENOENT \(/);
  });
});

describe('verify', () => {
  it('is dispatched: the default model on our engine and on onnxruntime agrees, --json - prints the summary', async () => {
    const r = await run('verify', file('a.png'), file('b.jpg'), '--against-engine', 'ort', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.summary.images, 2);
    assert.equal(doc.summary.top1Agreement, 1);
  });

  it('a threshold that cannot be met exits 1 with one error line', async () => {
    assertRuntimeError(await run('verify', file('a.png'), '--model', 'tiny-fp32', '--against', 'tiny-int8', '--max-abs', '0'), /max-abs/);
  });
});

describe('devices and models', () => {
  it('devices says plainly that the host has no NPU', async () => {
    const r = await run('devices');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hostnn_cpu +cpu +auto, cpu/);
    assert.match(r.stdout, /--device npu: no device \(fails\)/);
    assert.match(r.stdout, /This host has no NPU/);
  });

  it('models lists the manifest with missing files marked', async () => {
    const r = await run('models');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tiny-fp32 +fp32 +16x16 +5 +onnx:tiny_fp32\.onnx/);
    assert.match(r.stdout, /tiny-int8 \* +int8 +16x16 +5 +onnx:tiny_int8\.onnx/);
    assert.match(r.stdout, /device-only .* om:x\.om \(missing\)/);
  });

  it('EXPECTED FAILURE - models without a manifest', async () => {
    process.env.NPULENS_RAWFILE_DIR = tmp;
    try {
      assertRuntimeError(await run('models'), /manifest\.json: No such file or directory \(io\.read, models\)$/);
    } finally {
      process.env.NPULENS_RAWFILE_DIR = fixtures;
    }
  });
});

describe('the npulens process (bin/npulens.js spawned)', () => {
  it('a usage error exits 2: the error and the short usage on stderr, nothing on stdout', () => {
    assertUsageError(spawnRun([]), /^error: missing command$/);
  });

  it('EXPECTED FAILURE - a runtime error exits 1 with one line on stderr', () => {
    assertRuntimeError(spawnRun(['classify', file('nope.png')]), /^error: image not found \(.*nope\.png\)$/);
  });

  it('success exits 0 with the document on stdout and nothing on stderr', () => {
    const r = spawnRun(['classify', file('a.png'), '--json', '--top', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(JSON.parse(r.stdout).results[0].top.length, 2);
  });

  it('EXPECTED FAILURE - $NPULENS_RAWFILE_DIR without a manifest: exit 1 naming the manifest', () => {
    assertRuntimeError(spawnRun(['models'], { NPULENS_RAWFILE_DIR: tmp }),
      /manifest\.json: No such file or directory \(io\.read, models\)$/);
  });
});

describe('never a crash', () => {
  it('seeded random command lines exit 0, 1 or 2 without a stack trace', async () => {
    const tokens = ['classify', 'bench', 'devices', 'models', 'help', '--model', 'tiny-int8', 'nope', '--top', '0', '3', '-1',
      '--size', '16x16', 'x', '--mean', '1,2', '--std', '0,0,0', '--bgr', '--json', '-', '--device', 'npu', 'cpu', '--iterations',
      '2', '--warmup', '--duration', '0.01', '--mode', 'both', 'copy', '--labels', '', '--', '-x', file('a.png'), file('random.png'),
      file('c.webp'), tmp, path.join(fixtures, 'bad/random.onnx'), path.join(fixtures, 'models/tiny_fp32.onnx'), labels];
    let seed = 20261122;
    // LCG; the high bits (the low ones cycle with short periods).
    const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % n; };
    const seen = new Set();
    for (let i = 0; i < 30; i++) {
      // Half start from a valid command line, so runs get past the flags too.
      const base = rand(2) === 0 ? [] : [['classify', file('a.png')], ['bench', '--iterations', '2'], ['devices'], ['models']][rand(4)];
      const args = [...base, ...Array.from({ length: rand(4) }, () => tokens[rand(tokens.length)])];
      const r = await run(...args);
      seen.add(r.code);
      assert.ok([0, 1, 2].includes(r.code), `exit ${r.code} for ${JSON.stringify(args)}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `stack trace for ${JSON.stringify(args)}`);
      if (r.code !== 0) assert.match(r.stderr, /^error: /, `error line for ${JSON.stringify(args)}`);
    }
    assert.ok(seen.size >= 2, 'the sample covers more than one outcome');
  });
});
