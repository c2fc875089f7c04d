// Soak (issue 9): 20,000 classify calls and 500 load/release cycles in one process, run on Node's N-API and on the
// OpenHarmony N-API simulation (scripts/test.d/20-node.sh). RSS is taken after a warm-up (allocator pools, JIT,
// the V8 heap reaching its working size) and at the end, both after a full garbage collection, and printed; the
// growth must stay under 5 MB. What it catches: a leaked copy of the pixels per call (the 64x48 image: 12 KB, so
// 240 MB over 20,000 calls), a leaked input tensor or result (>= 3 KB per call, 60 MB), a leaked session per load
// (model bytes, plan, executor: tens of KB each, > 10 MB over 500 loads).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { addonPath, loadTiny, require, rgbaImage, rssMb } from './helpers.mjs';

const addon = require(addonPath);
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

async function settledRssMb() {
  for (let i = 0; i < 3; i++) {
    await setImmediate();
    gc();
  }
  return rssMb();
}

describe('soak', () => {
  it('20,000 classify calls and 500 load/release cycles: RSS grows by less than 5 MB', async (t) => {
    const base = addon.nativeClassifierCount();
    const pixels = rgbaImage(64, 48).buffer;
    const c = await loadTiny('tiny-int8');
    const classifyBatch = (n) => Promise.all(Array.from({ length: n }, () => c.classify(pixels, 64, 48, 'RGBA')));
    const cycle = async (i) => {
      const d = await loadTiny(i % 2 ? 'tiny-int8' : 'tiny-fp32');
      if (i % 50 === 0) await d.classify(pixels, 64, 48, 'RGBA');
      d.release();
    };
    try {
      // Warm-up: the same work, a tenth of it.
      for (let i = 0; i < 2000; i += 50) await classifyBatch(50);
      for (let i = 0; i < 50; i++) await cycle(i);
      const start = await settledRssMb();
      const t0 = Date.now();
      // 400 batches of 50 concurrent calls (they exercise the queue too), with the 500 load/release cycles spread
      // over them so that both kinds of work interleave.
      let loads = 0;
      for (let batch = 0; batch < 400; batch++) {
        await classifyBatch(50);
        const due = Math.floor(((batch + 1) * 500) / 400);
        while (loads < due) await cycle(loads++);
      }
      assert.equal(loads, 500);
      const end = await settledRssMb();
      const growth = end - start;
      t.diagnostic(`20,000 classify + 500 load/release in ${((Date.now() - t0) / 1000).toFixed(1)} s: RSS ${start.toFixed(1)} MB -> ` +
        `${end.toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MB)`);
      assert.ok(growth < 5, `RSS grew by ${growth.toFixed(2)} MB`);
    } finally {
      c.release();
    }
    await setImmediate();
    assert.equal(addon.nativeClassifierCount(), base, 'native classifiers left behind');
  });
});
