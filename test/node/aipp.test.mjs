// Issue 12's JS surface over the real addon: LoadOptions.preprocessing, ModelInfo.preprocessing / preprocessingReason
// / aipp, the NV21 / NV12 formats, Timings.frameCopyMs / cpuBytesIn, and classifyFd on the AIPP path (a memfd sealed
// against shrinking is mapped by the runtime without a copy; any other fd is read with pread). Models: the fixtures'
// aipp/ folder (make_models.py: tiny models "converted with dynamic AIPP", max source 16 KiB, formats NV21 NV12
// RGBA RGB, and one without AIPP). Runs on the plain addon and on the OpenHarmony N-API simulation (20-node.sh).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  addonPath, api, assertFails, bundledRawfileDir, fixtures, releasedAfterTests, require, rgbaImage, yuv420sp,
} from './helpers.mjs';

const native = require(addonPath);
const aippDir = path.join(fixtures, 'aipp');
const load = (modelId, extra = {}) => api.loadClassifier({ rawfileDir: aippDir, modelId, ...extra });

const W = 48, H = 32;  // a frame inside the fixtures' AIPP limit (48x32 RGBA is 6 KiB of 16 KiB)
const picture = rgbaImage(W, H, 3);
const nv21 = yuv420sp(picture, W, H, true);
const nv12 = yuv420sp(picture, W, H, false);
const buf = (bytes) => bytes.slice().buffer;

const keep = releasedAfterTests();

describe('LoadOptions.preprocessing and ModelInfo', () => {
  it('auto picks AIPP where the target declares dynamic AIPP, and says so with the target\'s AIPP', async () => {
    const c = await keep(load('aipp-fp32'));
    assert.equal(c.info.preprocessing, 'aipp');
    assert.match(c.info.preprocessingReason, /dynamic/);
    assert.deepEqual(c.info.aipp, { mode: 'dynamic', maxSrcImageSize: 16384, formats: ['NV21', 'NV12', 'RGBA', 'RGB'] });
  });

  it('auto picks the CPU for a target without AIPP; \'cpu\' is honoured on an AIPP target', async () => {
    const none = await keep(load('no-aipp'));
    assert.equal(none.info.preprocessing, 'cpu');
    assert.deepEqual(none.info.aipp, { mode: 'none', maxSrcImageSize: 0, formats: [] });
    assert.notEqual(none.info.preprocessingReason, '');
    const cpu = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    assert.equal(cpu.info.preprocessing, 'cpu');
    assert.equal(cpu.info.aipp.mode, 'dynamic');
  });

  it('BAD CALL - preprocessing of the wrong type is a TypeError, an unknown name a RangeError', async () => {
    await assertFails(load('aipp-fp32', { preprocessing: 1 }), TypeError, /options\.preprocessing/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    await assertFails(load('aipp-fp32', { preprocessing: 'gpu' }), RangeError, /options\.preprocessing.*gpu/,
      { code: 'NPULENS_OUT_OF_RANGE', step: 'loadClassifier' });
  });

  it('BAD CALL - preprocessing \'aipp\' on a target without dynamic AIPP fails the load, naming the mode', async () => {
    await assertFails(load('no-aipp', { preprocessing: 'aipp' }), Error, /needs a target with dynamic AIPP.*"none"/,
      { code: 'NPULENS_UNSUPPORTED', step: 'session.config' });
  });
});

describe('NV21 / NV12 frames', () => {
  for (const preprocessing of ['cpu', 'aipp']) {
    it(`${preprocessing}: an NV12 frame and the same picture as NV21 give the same scores`, async () => {
      const c = await keep(load('aipp-fp32', { preprocessing }));
      const a = await c.classify(buf(nv21), W, H, 'NV21', undefined, 5);
      const b = await c.classify(buf(nv12), W, H, 'NV12', undefined, 5);
      assert.deepEqual(b.top, a.top);
      // The chroma order matters: the NV21 bytes read as NV12 are another picture.
      const swapped = await c.classify(buf(nv21), W, H, 'NV12', undefined, 5);
      assert.notDeepEqual(swapped.top.map((e) => e.score), a.top.map((e) => e.score));
    });
  }

  it('cpu: an NV21 frame classifies as its RGBA picture does, within chroma subsampling', async () => {
    const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const fromYuv = await c.classify(buf(nv21), W, H, 'NV21', undefined, 5);
    const fromRgba = await c.classify(buf(picture), W, H, 'RGBA', undefined, 5);
    assert.equal(fromYuv.top[0].index, fromRgba.top[0].index);
    for (const e of fromRgba.top) {
      const other = fromYuv.top.find((x) => x.index === e.index);
      assert.ok(Math.abs(other.score - e.score) < 0.05, `class ${e.index}: ${other.score} vs ${e.score}`);
    }
  });

  it('a stride beyond the width reads only the frame\'s rows', async () => {
    const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const stride = W + 16;
    const padded = new Uint8Array(stride * H * 3 / 2).fill(77);
    for (let r = 0; r < H * 3 / 2; r++) padded.set(nv21.subarray(r * W, (r + 1) * W), r * stride);
    const a = await c.classify(buf(nv21), W, H, 'NV21', undefined, 5);
    const b = await c.classify(padded.buffer, W, H, 'NV21', stride, 5);
    assert.deepEqual(b.top, a.top);
  });

  it('BAD CALL - NV21 with an odd side is a RangeError, a short buffer a TypeError, stride < width a RangeError',
    async () => {
      const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
      await assertFails(c.classify(buf(nv21), W - 1, H, 'NV21'), RangeError, /width|odd|even/,
        { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' });
      await assertFails(c.classify(buf(nv21), W, H - 1, 'NV12'), RangeError, /height|odd|even/,
        { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' });
      await assertFails(c.classify(buf(nv21.subarray(0, W * H)), W, H, 'NV21'), TypeError, /\d+/,
        { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      await assertFails(c.classify(buf(nv21), W, H, 'NV21', W - 2), RangeError, /stride/,
        { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' });
      await assertFails(c.classify(buf(nv21), W, H, 'nv21'), RangeError, /format/,
        { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' });
    });
});

describe('the AIPP path: timings, limits, formats', () => {
  it('classify copies the frame once into the AIPP tensor (frameCopyMs, cpuBytesIn) and never pre-processes',
    async () => {
      const c = await keep(load('aipp-fp32'));
      const r = await c.classify(buf(nv21), W, H, 'NV21');
      assert.equal(r.timings.preprocessMs, 0);
      assert.ok(r.timings.frameCopyMs >= 0);
      assert.ok(r.timings.cpuBytesIn >= nv21.length, `cpuBytesIn ${r.timings.cpuBytesIn}`);
      const cpu = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
      const rc = await cpu.classify(buf(nv21), W, H, 'NV21');
      assert.equal(rc.timings.frameCopyMs, 0);
      assert.ok(rc.timings.cpuBytesIn >= nv21.length, `cpu path cpuBytesIn ${rc.timings.cpuBytesIn}`);
    });

  it('RGBA at the model\'s size (no resize): AIPP and the CPU path agree within fp16 rounding', async () => {
    // Catches a channel mix-up between the engine's AIPP parameters and the runtime (RGBA is XRGB8888 + A/X swap).
    const px = rgbaImage(16, 16, 9);
    const aipp = await keep(load('aipp-fp32'));
    const cpu = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const a = await aipp.classify(buf(px), 16, 16, 'RGBA', undefined, 5);
    const b = await cpu.classify(buf(px), 16, 16, 'RGBA', undefined, 5);
    assert.deepEqual(a.top.map((e) => e.index), b.top.map((e) => e.index));
    a.top.forEach((e, i) => assert.ok(Math.abs(e.score - b.top[i].score) < 0.01, `${e.score} vs ${b.top[i].score}`));
  });

  it('a frame AIPP takes goes to it as it is (aippSource \'frame\'); the CPU path has no aippSource', async () => {
    const r = await (await keep(load('aipp-fp32'))).classify(buf(nv21), W, H, 'NV21');
    assert.equal(r.aippSource, 'frame');
    assert.equal(r.aippSourceReason, undefined);
    const rc = await (await keep(load('aipp-fp32', { preprocessing: 'cpu' }))).classify(buf(nv21), W, H, 'NV21');
    assert.equal(rc.aippSource, undefined);
  });

  for (const preprocessing of ['auto', 'aipp']) {
    it(`${preprocessing}: a frame over maxSrcImageSize is resized on the CPU to RGB888 and AIPP converts it ` +
      '(aippSource \'cpu-resized\', the reason, preprocessMs and cpuBytesIn); the CPU path agrees', async () => {
      const big = rgbaImage(128, 128, 1);  // 64 KiB > 16 KiB
      const a = await (await keep(load('aipp-fp32', { preprocessing }))).classify(buf(big), 128, 128, 'RGBA', undefined, 5);
      const b = await (await keep(load('aipp-fp32', { preprocessing: 'cpu' }))).classify(buf(big), 128, 128, 'RGBA', undefined, 5);
      assert.equal(a.aippSource, 'cpu-resized');
      assert.match(a.aippSourceReason, /RGBA 128x128 frame is 65536 bytes, over the model's AIPP limit of 16384/);
      assert.ok(a.timings.preprocessMs > 0);
      assert.equal(a.timings.frameCopyMs, 0);
      // The frame taken out of the buffer (read + written), then read by the resize which writes 16x16x3 bytes.
      assert.equal(a.timings.cpuBytesIn, 2 * big.length + big.length + 16 * 16 * 3);
      assert.deepEqual(a.top.map((e) => e.index), b.top.map((e) => e.index));
      a.top.forEach((e, i) => assert.ok(Math.abs(e.score - b.top[i].score) < 0.01, `${e.score} vs ${b.top[i].score}`));
    });
  }

  it('a format the target\'s AIPP does not list (BGRA) is resized on the CPU to RGB888 (listed) and classified',
    async () => {
      const a = await (await keep(load('aipp-fp32'))).classify(buf(picture), W, H, 'BGRA', undefined, 5);
      assert.equal(a.aippSource, 'cpu-resized');
      assert.match(a.aippSourceReason, /does not take BGRA frames/);
      const b = await (await keep(load('aipp-fp32', { preprocessing: 'cpu' }))).classify(buf(picture), W, H, 'BGRA', undefined, 5);
      assert.equal(a.top[0].index, b.top[0].index);
    });

  it('BAD CALL - on a target whose AIPP lists no RGB, a frame over maxSrcImageSize is a RangeError naming the limit',
    async () => {
      const c = await keep(load('aipp-yuv-only'));
      const big = yuv420sp(rgbaImage(128, 128, 1), 128, 128, true);  // 24 KiB > 16 KiB
      await assertFails(c.classify(buf(big), 128, 128, 'NV21'), RangeError,
        /NV21 128x128 frame is 24576 bytes, over .* limit of 16384 .*lists no RGB/,
        { code: 'NPULENS_OUT_OF_RANGE', step: 'aipp.config' });
    });

  it('BAD CALL - on a target whose AIPP lists no RGB, an unlisted format is refused, naming it; the CPU path takes it',
    async () => {
      const c = await keep(load('aipp-yuv-only'));
      await assertFails(c.classify(buf(picture), W, H, 'BGRA'), Error, /does not take BGRA frames/,
        { code: 'NPULENS_UNSUPPORTED', step: 'aipp.config' });
      const cpu = await keep(load('aipp-yuv-only', { preprocessing: 'cpu' }));
      assert.equal((await cpu.classify(buf(picture), W, H, 'BGRA')).top.length, 5);
    });
});

describe('classifyFd on the AIPP path', () => {
  it('a memfd sealed against shrinking is mapped as it is: no CPU byte, the same result as classify()', async () => {
    const c = await keep(load('aipp-fp32'));
    const fd = native.createMemfd(nv21);
    let r;
    try {
      r = await c.classifyFd(fd, 0, nv21.length, W, H, 'NV21', undefined, 5);
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(r.timings.cpuBytesIn, 0);
    assert.equal(r.timings.frameCopyMs, 0);
    assert.deepEqual(r.top, (await c.classify(buf(nv21), W, H, 'NV21', undefined, 5)).top);
  });

  it('the caller may close the sealed fd as soon as the promise exists (the binding holds its own)', async () => {
    const c = await keep(load('aipp-fp32'));
    const fd = native.createMemfd(nv21);
    // A job ahead in the classifier's queue: the classifyFd job runs only after the fd below is closed.
    const ahead = c.classify(buf(picture), W, H, 'RGBA');
    const pending = c.classifyFd(fd, 0, nv21.length, W, H, 'NV21', undefined, 5);
    fs.closeSync(fd);
    await ahead;
    const r = await pending;
    assert.equal(r.timings.cpuBytesIn, 0);
    assert.deepEqual(r.top, (await c.classify(buf(nv21), W, H, 'NV21', undefined, 5)).top);
  });

  it('an unsealed memfd (it could shrink under a mapping) is read with pread: CPU bytes counted', async () => {
    const c = await keep(load('aipp-fp32'));
    const fd = native.createMemfd(nv21, false);
    let r;
    try {
      r = await c.classifyFd(fd, 0, nv21.length, W, H, 'NV21', undefined, 5);
    } finally {
      fs.closeSync(fd);
    }
    assert.ok(r.timings.cpuBytesIn >= nv21.length, `cpuBytesIn ${r.timings.cpuBytesIn}`);
    const fromBuffer = await c.classify(buf(nv21), W, H, 'NV21', undefined, 5);
    assert.deepEqual(r.top, fromBuffer.top);
    // The binding's own copy is counted as the engine counts: a pread reads the frame once, a memcpy out of the
    // ArrayBuffer reads and writes it; the engine's frame copy into the AIPP tensor is the same for both.
    assert.equal(fromBuffer.timings.cpuBytesIn - r.timings.cpuBytesIn, nv21.length);
  });

  it('the CPU path reads even a sealed memfd (pre-processing needs the pixels)', async () => {
    const c = await keep(load('aipp-fp32', { preprocessing: 'cpu' }));
    const fd = native.createMemfd(nv21);
    try {
      const r = await c.classifyFd(fd, 0, nv21.length, W, H, 'NV21');
      assert.ok(r.timings.cpuBytesIn >= nv21.length);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('BAD CALL - a sealed memfd shorter than offset + byteLength is NPULENS_IO at fd.read', async () => {
    const c = await keep(load('aipp-fp32'));
    const fd = native.createMemfd(nv21.subarray(0, 1000));
    try {
      await assertFails(c.classifyFd(fd, 0, nv21.length, W, H, 'NV21'), Error, /1000 bytes/,
        { code: 'NPULENS_IO', step: 'fd.read' });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('BAD CALL - createMemfd of a non-buffer is a TypeError', () => {
    assert.throws(() => native.createMemfd('pixels'), (e) => e instanceof TypeError && e.code === 'NPULENS_INVALID_ARGUMENT'
      && e.step === 'createMemfd');
    assert.throws(() => native.createMemfd(nv21, 'yes'), (e) => e instanceof TypeError && /sealed/.test(e.message));
  });
});

describe('the bundled shapes models (96x96, AIPP sources up to 3110400 bytes) under auto', () => {
  // A dynamic-AIPP .om takes only raw images through AIPP: a 12 MP photo (48.8 MB RGBA, a 42x shrink) is over the
  // model's source limit and a 1080p camera frame needs a 20x shrink to 96x96 (AIPP: 16x at most), so both are resized
  // on the CPU to the model size and AIPP converts them. Same top-1 as the CPU path on every bundled sample.
  const sharp = require('sharp');
  const samplesDir = path.join(bundledRawfileDir, 'samples');
  const samples = JSON.parse(fs.readFileSync(path.join(samplesDir, 'golden.json'), 'utf8')).samples;
  const cases = [
    // The engine names the first limit a frame breaks: the photo's 42x shrink (it is also 48771072 bytes, over the limit).
    { what: '4032x3024 RGBA photo', width: 4032, height: 3024, format: 'RGBA', reason: /at most 16x per axis; the RGBA 4032x3024 frame's crop 4032x3024 would go to 96x96/ },
    { what: '1920x1080 NV21 frame', width: 1920, height: 1080, format: 'NV21', reason: /at most 16x per axis; the NV21 1920x1080 frame's crop 1920x1080 would go to 96x96/ },
  ];
  for (const k of cases) {
    it(`shapes-int8: a ${k.what} goes through AIPP resized on the CPU, top-1 as the CPU path's`, async () => {
      const auto = await keep(api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8' }));
      const cpu = await keep(api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8', preprocessing: 'cpu' }));
      assert.equal(auto.info.preprocessing, 'aipp');
      const misses = [];
      for (const s of samples) {
        const { data } = await sharp(path.join(samplesDir, s.file)).rotate().resize(k.width, k.height, { fit: 'fill' })
          .ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        const rgba = new Uint8Array(data);
        const frame = k.format === 'NV21' ? yuv420sp(rgba, k.width, k.height, true) : rgba;
        const a = await auto.classify(buf(frame), k.width, k.height, k.format);
        const b = await cpu.classify(buf(frame), k.width, k.height, k.format);
        assert.equal(a.aippSource, 'cpu-resized', s.file);
        assert.match(a.aippSourceReason, k.reason);
        assert.ok(a.timings.preprocessMs > 0 && a.timings.cpuBytesIn >= frame.length, s.file);
        if (a.top[0].label !== b.top[0].label) misses.push(`${s.file}: ${a.top[0].label} vs cpu ${b.top[0].label}`);
      }
      assert.deepEqual(misses, []);
    });
  }
});
