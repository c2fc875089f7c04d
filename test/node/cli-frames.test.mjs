// `npulens classify --frame FMT:WxH` (raw frames back to back: per-frame latency and top-1, sustained fps, --json),
// `--preprocessing auto|cpu|aipp`, and `npulens verify --aipp` (CPU pre-processing vs the AIPP path on the same
// images or frames), over the real addon and the fixtures' dynamic-AIPP models (make_models.py, aipp/). Bad flags
// and files: exit 2 with the usage, or exit 1 with one `error: <what> (<where>)` line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  assertCliUsageError, assertRuntimeError, fixtures, repoRoot, require, rgbaImage, runInProcess, yuv420sp,
} from './helpers.mjs';

const sharp = require('sharp');
const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-frames-'));
const file = (name) => path.join(tmp, name);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

process.env.NPULENS_RAWFILE_DIR = path.join(fixtures, 'aipp');
process.chdir(repoRoot);

const run = (...args) => runInProcess(runCli, args);

const W = 48, H = 32;
const FRAME = W * H * 3 / 2;
// Three different frames back to back.
const clip = file('clip.nv21');
fs.writeFileSync(clip, Buffer.concat([1, 2, 3].map((seed) => Buffer.from(yuv420sp(rgbaImage(W, H, seed), W, H, true)))));

describe('classify --frame', () => {
  it('classifies every frame of the file: per-frame latency and top-1, sustained fps, the path used', async () => {
    const r = await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.frame, { format: 'NV21', width: W, height: H, bytes: FRAME, store: 'memory', rotation: 0 });
    assert.equal(doc.preprocessing.used, 'aipp');  // the default model of aipp/ declares dynamic AIPP
    assert.equal(doc.frames.length, 3);
    doc.frames.forEach((f, i) => {
      assert.equal(f.frame, i);
      assert.ok(f.latencyMs > 0);
      assert.equal(f.top.length, 1);
      assert.equal(typeof f.top[0].label, 'string');
      assert.ok(f.timings.cpuBytesIn >= FRAME);
      assert.equal(f.timings.preprocessMs, 0);
    });
    assert.equal(doc.summary.frames, 3);
    assert.ok(doc.summary.fps > 0);
    assert.ok(doc.summary.latencyMs.p50 >= doc.summary.latencyMs.min);
  });

  it('says what went into the AIPP input: the frame itself, or a CPU resize with its reason', async () => {
    const small = JSON.parse((await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json')).stdout);
    small.frames.forEach((f) => assert.equal(f.aippSource, 'frame'));
    // 256x192 NV21 is 73728 bytes, over the fixture target's maxSrcImageSize of 16384: resized on the CPU.
    const big = file('big.nv21');
    fs.writeFileSync(big, Buffer.from(yuv420sp(rgbaImage(256, 192, 4), 256, 192, true)));
    const doc = JSON.parse((await run('classify', '--frame', 'nv21:256x192', big, '--json')).stdout);
    assert.equal(doc.frames[0].aippSource, 'cpu-resized');
    assert.match(doc.frames[0].aippSourceReason, /16384/);
    const r = await run('classify', '--frame', 'nv21:256x192', big);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /AIPP input: resized on the CPU for 1 of 1 frames — .*16384/);
    const cpu = JSON.parse((await run('classify', '--frame', 'nv21:256x192', big, '--json', '--preprocessing', 'cpu'))
      .stdout);
    assert.equal(cpu.frames[0].aippSource, undefined);  // the CPU path has no AIPP input
    // An image (decoded 256x192 RGBA, 196608 bytes) likewise, in the per-image table and the JSON.
    const png = file('big.png');
    await sharp(Buffer.from(rgbaImage(256, 192, 4)), { raw: { width: 256, height: 192, channels: 4 } }).png()
      .toFile(png);
    const image = await run('classify', png);
    assert.equal(image.code, 0, image.stderr);
    assert.match(image.stdout, /\n {2}AIPP input: resized on the CPU — .*16384/);
    const imageDoc = JSON.parse((await run('classify', png, '--json')).stdout);
    assert.equal(imageDoc.results[0].aippSource, 'cpu-resized');
  });

  it('the CPU path on request, and the table output', async () => {
    const r = await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--preprocessing', 'cpu');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /frame 0: [\d.]+ ms {2}\S+ [\d.]+%\n/);
    assert.match(r.stdout, /frame 2: /);
    assert.match(r.stdout, /pre-processing: cpu — /);
    assert.match(r.stdout, /frames: 3 of 48x32 NV21 in [\d.]+ ms: [\d.]+ fps sustained/);
    assert.match(r.stdout, /latency \(ms\): min [\d.]+, p50 [\d.]+, p90 [\d.]+, max [\d.]+/);
  });

  it('--store fd: each frame in a sealed memfd through classifyFd, read in place on the AIPP path', async () => {
    const memory = JSON.parse((await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json')).stdout);
    const r = await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json', '--store', 'fd');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.frame.store, 'fd');
    assert.deepEqual(doc.frames.map((f) => f.top), memory.frames.map((f) => f.top));
    for (const f of doc.frames) {
      assert.equal(f.timings.cpuBytesIn, 0);
      assert.equal(f.timings.frameCopyMs, 0);
    }
    // The CPU path reads the memfd (pread) and pre-processes: CPU bytes.
    const cpu = JSON.parse((await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json', '--store', 'fd',
      '--preprocessing', 'cpu')).stdout);
    for (const f of cpu.frames) assert.ok(f.timings.cpuBytesIn >= FRAME);
    const human = await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--store', 'fd');
    assert.match(human.stdout, /frames: 3 of 48x32 NV21 from a sealed memfd each \(classifyFd\) in [\d.]+ ms/);
    assert.match(human.stdout, /CPU bytes before inference per frame: 0\n/);
  });

  it('NV12 frames of the same pictures give the same top-1 as NV21', async () => {
    const nv12 = file('clip.nv12');
    fs.writeFileSync(nv12, Buffer.concat([1, 2, 3].map((s) => Buffer.from(yuv420sp(rgbaImage(W, H, s), W, H, false)))));
    const a = JSON.parse((await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--json')).stdout);
    const b = JSON.parse((await run('classify', '--frame', `nv12:${W}x${H}`, nv12, '--json')).stdout);
    assert.deepEqual(b.frames.map((f) => f.top), a.frames.map((f) => f.top));
  });

  it('BAD CALL - a malformed --frame, odd NV21 sides, an unknown --preprocessing or --store: usage errors (exit 2)',
    async () => {
      assertCliUsageError(await run('classify', '--frame', 'nv21', clip), /--frame must be <format>:<W>x<H>/);
      assertCliUsageError(await run('classify', '--frame', 'yuv444:48x32', clip), /--frame must be .*nv21\|nv12/);
      assertCliUsageError(await run('classify', '--frame', 'nv21:47x32', clip), /even sides.*47x32/);
      assertCliUsageError(await run('classify', '--frame', 'nv21:0x32', clip), /sides must be in \[1, 16384\]/);
      assertCliUsageError(await run('classify', '--frame', `nv21:${W}x${H}`), /needs a frame file/);
      assertCliUsageError(await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--preprocessing', 'npu'),
        /--preprocessing must be one of auto, cpu, aipp, got 'npu'/);
      assertCliUsageError(await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--store', 'ion'),
        /--store must be one of memory, fd, got 'ion'/);
      assertCliUsageError(await run('classify', clip, '--store', 'fd'), /--store applies to --frame only/);
    });

  it('BAD CALL - a file that is not whole frames, empty, missing or a directory: one error line (exit 1)', async () => {
    const ragged = file('ragged.nv21');
    fs.writeFileSync(ragged, Buffer.alloc(FRAME * 2 + 100));
    assertRuntimeError(await run('classify', '--frame', `nv21:${W}x${H}`, ragged),
      /not a whole number of 48x32 NV21 frames \(2304 bytes each\): 2 frames and 100 bytes over \(.*ragged\.nv21\)/);
    const empty = file('empty.nv21');
    fs.writeFileSync(empty, '');
    assertRuntimeError(await run('classify', '--frame', `nv21:${W}x${H}`, empty), /frame file is empty/);
    assertRuntimeError(await run('classify', '--frame', `nv21:${W}x${H}`, file('missing.nv21')), /frame file not found/);
    assertRuntimeError(await run('classify', '--frame', `nv21:${W}x${H}`, tmp), /not a regular file/);
  });

  it('BAD CALL - a frame over the model\'s AIPP limit, or --preprocessing aipp on a model without AIPP (exit 1)',
    async () => {
      // On a target listing RGB the engine resizes such a frame on the CPU for AIPP; aipp-yuv-only lists none.
      const big = file('big.nv21');
      fs.writeFileSync(big, Buffer.from(yuv420sp(rgbaImage(128, 128, 1), 128, 128, true)));
      assertRuntimeError(await run('classify', '--frame', 'nv21:128x128', big, '--model', 'aipp-yuv-only'),
        /16384.*frame 0/);
      assertRuntimeError(await run('classify', '--frame', `nv21:${W}x${H}`, clip, '--model', 'no-aipp',
        '--preprocessing', 'aipp'), /AIPP/i);
    });
});

describe('verify --aipp', () => {
  it('compares the CPU pre-processing with the AIPP path on frames and states the difference', async () => {
    const r = await run('verify', '--aipp', '--frame', `nv21:${W}x${H}`, clip, '--json', '-', '--min-cosine', '0');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.reference.preprocessing, 'cpu');
    assert.equal(doc.candidate.preprocessing, 'aipp');
    assert.match(doc.difference, /resize/);
    assert.match(doc.difference, /fp16/);
    assert.equal(doc.images.length, 3);
    for (const row of doc.images) {
      assert.ok(row.cosine > -1 && row.cosine <= 1 + 1e-9);
      assert.ok(row.maxAbsError >= 0);
    }
    assert.equal(doc.summary.images, 3);
    assert.ok(doc.summary.top1Agreement >= 0 && doc.summary.top1Agreement <= 1);
  });

  it('on images, with the table; a threshold it cannot meet fails (exit 1) saying by how much', async () => {
    const images = file('images');
    fs.mkdirSync(images);
    for (const seed of [4, 5]) {
      await sharp(Buffer.from(rgbaImage(40, 30, seed)), { raw: { width: 40, height: 30, channels: 4 } })
        .png().toFile(path.join(images, `p${seed}.png`));
    }
    const ok = await run('verify', '--aipp', images, '--min-cosine', '0');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /reference: aipp-int8 .* with CPU pre-processing/);
    assert.match(ok.stdout, /difference: CPU: .*resize bilinear.*AIPP \(host emulation of the guide\): .*fp16/);
    assert.match(ok.stdout, /p4\.png +-?[\d.]+ +[\d.e+-]+ /);
    assert.match(ok.stdout, /result: pass/);
    const strict = await run('verify', '--aipp', images, '--max-abs', '0');
    // Exact equality of the two paths is not expected (resize method, fp16): exit 1 naming the comparison.
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stderr, /max abs error .* > --max-abs 0 .*verify --aipp aipp-int8: cpu vs aipp/);
  });

  it('BAD CALL - --aipp with --against / --engine, --frame without --aipp: usage errors', async () => {
    const usage = /usage: npulens verify/;
    assertCliUsageError(await run('verify', '--aipp', clip, '--against', 'no-aipp'), /--against does not apply to --aipp/,
      usage);
    assertCliUsageError(await run('verify', '--aipp', clip, '--engine', 'ort'), /--engine does not apply/, usage);
    assertCliUsageError(await run('verify', '--frame', `nv21:${W}x${H}`, clip), /--frame applies to --aipp only/, usage);
  });

  it('BAD CALL - --aipp on a model without dynamic AIPP fails with one error line', async () => {
    assertRuntimeError(await run('verify', '--aipp', '--frame', `nv21:${W}x${H}`, clip, '--model', 'no-aipp'), /AIPP/i);
  });
});
