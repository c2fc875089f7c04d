// classify()/classifyFd()'s rotation (clockwise degrees that turn a camera frame upright) over the real addon, and
// `npulens classify --rotate`: a sensor-oriented frame of each bundled sample classifies like the upright picture on
// the CPU path and on the AIPP path (where dynamic AIPP cannot rotate, so the frame is turned on the CPU:
// aippSource 'cpu-resized'); bad rotations are a TypeError / RangeError with .code and .step; the CLI flag.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  api, assertCliUsageError, assertFails, bundledRawfileDir, fixtures, releasedAfterTests, repoRoot, require, rgbaImage,
  runInProcess, yuv420sp,
} from './helpers.mjs';

const sharp = require('sharp');
const buf = (bytes) => bytes.slice().buffer;
const keep = releasedAfterTests();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-rotation-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The upright picture as a portrait W x H NV21 frame, and as a sensor would give it: turned 90° counter-clockwise
// (a landscape H x W frame that needs a 90° clockwise turn to be upright).
const W = 240, H = 320;
async function frames(file) {
  const upright = await sharp(file).rotate().resize(W, H, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
  const sensor = await sharp(upright, { raw: { width: W, height: H, channels: 4 } }).rotate(270).raw().toBuffer();
  return { upright: yuv420sp(new Uint8Array(upright), W, H, true), sensor: yuv420sp(new Uint8Array(sensor), H, W, true) };
}

describe('classify with rotation on the bundled shapes-int8 (AIPP under auto, and the CPU path)', () => {
  const samplesDir = path.join(bundledRawfileDir, 'samples');
  const samples = JSON.parse(fs.readFileSync(path.join(samplesDir, 'golden.json'), 'utf8')).samples;

  it('a 90°-rotated frame of every sample classifies like the upright one on both paths', async () => {
    const auto = await keep(api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8' }));
    const cpu = await keep(api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8', preprocessing: 'cpu' }));
    assert.equal(auto.info.preprocessing, 'aipp');
    const misses = [];
    let sidewaysDiffers = 0;
    for (const s of samples) {
      const { upright, sensor } = await frames(path.join(samplesDir, s.file));
      for (const [name, c] of [['aipp', auto], ['cpu', cpu]]) {
        const want = await c.classify(buf(upright), W, H, 'NV21');
        const got = await c.classify(buf(sensor), H, W, 'NV21', undefined, 5, 90);
        const sideways = await c.classify(buf(sensor), H, W, 'NV21', undefined, 5);
        if (name === 'aipp') {
          assert.equal(want.aippSource, 'frame', s.file);
          assert.equal(got.aippSource, 'cpu-resized', s.file);
          assert.match(got.aippSourceReason,
            /NV21 320x240 frame needs a 90° turn: dynamic AIPP cannot rotate \(the guide: rotation only in static AIPP\)/);
        }
        if (got.top[0].label !== want.top[0].label) misses.push(`${name} ${s.file}: ${got.top[0].label} vs ${want.top[0].label}`);
        if (sideways.top[0].label !== want.top[0].label) sidewaysDiffers++;
      }
    }
    assert.deepEqual(misses, []);
    // The check can fail: without the rotation some samples classify differently.
    assert.ok(sidewaysDiffers > 0, 'every sideways frame classified like the upright one');
  });

  it('classifyFd with rotation 90 classifies like classify() with it (read and turned, never wrapped)', async () => {
    const auto = await keep(api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8' }));
    const { sensor } = await frames(path.join(samplesDir, samples[0].file));
    const fd = api.createMemfd(sensor);
    try {
      const viaFd = await auto.classifyFd(fd, 0, sensor.length, H, W, 'NV21', undefined, 5, 90);
      const viaMemory = await auto.classify(buf(sensor), H, W, 'NV21', undefined, 5, 90);
      assert.equal(viaFd.aippSource, 'cpu-resized');
      assert.ok(viaFd.timings.cpuBytesIn > 0);
      assert.deepEqual(viaFd.top.map((e) => e.index), viaMemory.top.map((e) => e.index));
      for (let i = 0; i < viaFd.top.length; i++) assert.ok(Math.abs(viaFd.top[i].score - viaMemory.top[i].score) < 1e-6);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('BAD CALL - rotation', () => {
  const aippDir = path.join(fixtures, 'aipp');
  const w = 48, h = 32;
  const nv21 = yuv420sp(rgbaImage(w, h, 3), w, h, true);

  it('BAD CALL - a rotation that is not a number is a TypeError, another angle a RangeError, on both methods',
    async () => {
      const c = await keep(api.loadClassifier({ rawfileDir: aippDir, modelId: 'aipp-fp32' }));
      await assertFails(c.classify(buf(nv21), w, h, 'NV21', undefined, 1, '90'), TypeError, /rotation must be a number/,
        { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      for (const bad of [45, -90, 360, 90.5, Number.NaN]) {
        await assertFails(c.classify(buf(nv21), w, h, 'NV21', undefined, 1, bad), RangeError,
          /rotation must be 0, 90, 180 or 270 \(clockwise degrees\), got /,
          { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' });
      }
      const fd = api.createMemfd(nv21);
      try {
        await assertFails(c.classifyFd(fd, 0, nv21.length, w, h, 'NV21', undefined, 1, 45), RangeError,
          /rotation must be 0, 90, 180 or 270 \(clockwise degrees\), got 45/,
          { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
        await assertFails(c.classifyFd(fd, 0, nv21.length, w, h, 'NV21', undefined, 1, {}), TypeError,
          /rotation must be a number/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyFd' });
      } finally {
        fs.closeSync(fd);
      }
    });

  it('BAD CALL - a rotated frame on a target whose AIPP lists no RGB is refused at aipp.config, naming why', async () => {
    const c = await keep(api.loadClassifier({ rawfileDir: aippDir, modelId: 'aipp-yuv-only' }));
    await assertFails(c.classify(buf(nv21), w, h, 'NV21', undefined, 1, 270), Error,
      /dynamic AIPP cannot rotate.*lists no RGB/, { code: 'NPULENS_UNSUPPORTED', step: 'aipp.config' });
  });
});

describe('npulens classify --rotate', () => {
  const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
  const run = (...args) => runInProcess(runCli, args);
  const samplesDir = path.join(bundledRawfileDir, 'samples');

  it('a sensor-oriented clip classifies as the upright picture with --rotate 90 (memory and fd)', async () => {
    // The tree: sideways, shapes-int8 takes it for the moon.
    const { upright, sensor } = await frames(path.join(samplesDir, 'tree_1200x1600_exif6.jpg'));
    const clip = path.join(tmp, 'sensor.nv21');
    fs.writeFileSync(clip, sensor);
    const uprightClip = path.join(tmp, 'upright.nv21');
    fs.writeFileSync(uprightClip, upright);
    const env = process.env.NPULENS_RAWFILE_DIR;
    process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
    try {
      const want = await run('classify', '--model', 'shapes-int8', '--frame', `nv21:${W}x${H}`, uprightClip, '--json');
      assert.equal(want.code, 0, want.stderr);
      const label = JSON.parse(want.stdout).frames[0].top[0].label;
      assert.equal(label, 'tree');
      const sideways = await run('classify', '--model', 'shapes-int8', '--frame', `nv21:${H}x${W}`, clip, '--json');
      assert.notEqual(JSON.parse(sideways.stdout).frames[0].top[0].label, label);
      for (const store of ['memory', 'fd']) {
        const r = await run('classify', '--model', 'shapes-int8', '--frame', `nv21:${H}x${W}`, clip, '--rotate', '90',
          '--store', store, '--json');
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.equal(doc.frame.rotation, 90);
        assert.equal(doc.frames[0].top[0].label, label, store);
      }
    } finally {
      if (env === undefined) delete process.env.NPULENS_RAWFILE_DIR;
      else process.env.NPULENS_RAWFILE_DIR = env;
    }
  });

  it('BAD CALL - --rotate 45 is a usage error naming the allowed angles', async () => {
    const r = await run('classify', '--rotate', '45', path.join(samplesDir, 'house_640x480.png'));
    assertCliUsageError(r, /--rotate must be one of 0, 90, 180, 270, got '45'/);
  });
});
