// Leak checks, run on Node's N-API and on the OpenHarmony simulation (where wrapped objects are never collected,
// so whatever release() does not free stays forever):
// - release() frees every native classifier (each owns an InferenceSession) without garbage collection, counted
//   by the addon's test hook nativeClassifierCount();
// - 500 load/release cycles and 10,000 classify calls keep the RSS bounded. The growth is printed. Bounds:
//   allocator caches and JIT warm-up move RSS by a few MB; leaking the 3 KB input tensor per call would add 30 MB
//   over 10,000 calls, and leaking a session per load (model bytes, plan, executor, tensors) more than 20 MB
//   over 500 loads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { addonPath, loadTiny, require, rgbaImage, rssMb } from './helpers.mjs';

const addon = require(addonPath);
const settle = () => setImmediate();
const px = rgbaImage(16, 16).buffer;

describe('leaks', () => {
  it('release() frees every native classifier without garbage collection, also with work in flight', async () => {
    const base = addon.nativeClassifierCount();
    const classifiers = [];
    for (let i = 0; i < 20; i++) classifiers.push(await loadTiny(i % 2 ? 'tiny-int8' : 'tiny-fp32'));
    assert.equal(addon.nativeClassifierCount(), base + 20);
    const running = classifiers[0].classify(px, 16, 16, 'RGBA');
    const queued = classifiers[0].inspect(px, 16, 16, 'RGBA').catch((e) => e.code);
    for (const c of classifiers) c.release();
    assert.equal((await running).top.length, 5);
    assert.equal(await queued, 'NPULENS_RELEASED');
    await settle();
    assert.equal(addon.nativeClassifierCount(), base, 'native classifiers still alive after release()');
  });

  it('500 load/release cycles', async (t) => {
    for (let i = 0; i < 50; i++) (await loadTiny(i % 2 ? 'tiny-int8' : 'tiny-fp32')).release();
    await settle();
    const base = addon.nativeClassifierCount();
    const start = rssMb();
    for (let i = 0; i < 500; i++) {
      const c = await loadTiny(i % 2 ? 'tiny-int8' : 'tiny-fp32');
      if (i % 50 === 0) await c.classify(px, 16, 16, 'RGBA');
      c.release();
    }
    await settle();
    const growth = rssMb() - start;
    t.diagnostic(`500 load/release cycles: RSS ${start.toFixed(1)} MB -> ${(start + growth).toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB)`);
    assert.equal(addon.nativeClassifierCount(), base, 'native classifiers left by 500 load/release cycles');
    assert.ok(growth < 20, `RSS grew by ${growth.toFixed(1)} MB`);
  });

  it('10,000 classify calls', async (t) => {
    const c = await loadTiny('tiny-int8');
    try {
      const pixels = rgbaImage(64, 48).buffer;
      for (let i = 0; i < 500; i++) await c.classify(pixels, 64, 48, 'RGBA');
      await settle();
      const start = rssMb();
      // Batches of concurrent calls also exercise the queue.
      for (let i = 0; i < 10000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, () => c.classify(pixels, 64, 48, 'RGBA')));
      }
      await settle();
      const growth = rssMb() - start;
      t.diagnostic(`10,000 classify calls: RSS ${start.toFixed(1)} MB -> ${(start + growth).toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB)`);
      assert.ok(growth < 15, `RSS grew by ${growth.toFixed(1)} MB`);
    } finally {
      c.release();
    }
  });
});
