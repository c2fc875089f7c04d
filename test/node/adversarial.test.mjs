// Adversarial use of the API (issue 9), run on the normal, the ASan + UBSan and the OpenHarmony N-API simulation
// builds: buffers that change under a call (detached, resized, written to), files truncated while classifyFd runs,
// process.exit() with work in flight, native exceptions from workers, release during load/classify/benchmark,
// many concurrent calls across classifiers with random release, calls after release, wrong receivers, odd numbers
// and buffer kinds. Crashes are observed in child processes (a signal, an abort or a hang kills the child, not the
// test runner). Special files (/dev/zero, FIFOs, ...) are test/node/adversarial-files.test.mjs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { addonPath, api, assertFails, fixtures, loadTiny, repoRoot, require, rgbaImage, settlesWithin } from './helpers.mjs';

const addon = require(addonPath);
const px = rgbaImage(16, 16).buffer;
const tmp = (name) => path.join(os.tmpdir(), `npulens-adv-${process.pid}-${name}`);

// Runs `body` (an ES module text; `api`, `addon`, `loadTiny`, `rgbaImage` are in scope) in a fresh node with the
// same addon and fixtures. Returns {code, signal, stdout, stderr, ms}; a child still running after `timeoutMs` is
// killed (signal SIGKILL).
function runChild(body, { timeoutMs = 20000, nodeArgs = [] } = {}) {
  const prelude = `
    import { createRequire } from 'node:module';
    const require = createRequire(${JSON.stringify(path.join(repoRoot, 'test', 'node', 'x.mjs'))});
    const api = require(${JSON.stringify(path.join(repoRoot, 'dist', 'api', 'index.js'))});
    const addon = require(process.env.NPULENS_ADDON);
    const { rgbaImage } = await import(${JSON.stringify(path.join(repoRoot, 'test', 'node', 'helpers.mjs'))});
    const loadTiny = (id = 'tiny-fp32', extra = {}) =>
      api.loadClassifier({ rawfileDir: process.env.NPULENS_TEST_FIXTURES, modelId: id, ...extra });
  `;
  const start = Date.now();
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', prelude + body], {
    env: process.env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - start };
}

const describeChild = (r) => `code ${r.code}, signal ${r.signal}, ${r.ms} ms, stderr:\n${r.stderr.slice(-3000)}`;

describe('buffers that change under a call', () => {
  it('a pixel ArrayBuffer transferred away and collected while its classify waits behind a benchmark', () => {
    // 64 MB: glibc serves it with mmap and unmaps it when V8 frees it, so reading it afterwards faults even without
    // ASan. The answer must be the one for the pixels at call time.
    const r = runChild(`
      const c = await loadTiny();
      const w = 4096, h = 4096;
      const pixels = new Uint8Array(w * h * 4);
      pixels.set(rgbaImage(64, 64, 3).subarray(0, 64 * 4), 0);
      for (let i = 0; i < pixels.length; i += 4093) pixels[i] = (i * 7) & 255;
      const keep = new Uint8Array(pixels);
      const bench = c.benchmark({ iterations: 400, warmup: 0 });
      const waiting = c.classify(pixels.buffer, w, h, 'RGBA');
      let moved = structuredClone(pixels.buffer, { transfer: [pixels.buffer] });
      if (pixels.buffer.byteLength !== 0) throw new Error('not detached');
      moved = null;
      for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
      const got = await waiting;
      await bench;
      const want = await c.classify(keep.buffer, w, h, 'RGBA');
      console.log(JSON.stringify({ got: got.top, want: want.top }));
      c.release();
    `, { nodeArgs: ['--expose-gc'], timeoutMs: 60000 });
    assert.equal(r.code, 0, describeChild(r));
    const { got, want } = JSON.parse(r.stdout);
    assert.deepEqual(got, want, 'the answer for the pixels at call time');
  });

  it('writes to the pixels after the call do not change its answer', async () => {
    const c = await loadTiny();
    try {
      const a = rgbaImage(16, 16, 1);
      const b = rgbaImage(16, 16, 9);
      const want = await c.classify(new Uint8Array(a).buffer, 16, 16, 'RGBA', undefined, 5);
      const other = await c.classify(new Uint8Array(b).buffer, 16, 16, 'RGBA', undefined, 5);
      assert.notDeepEqual(want.top.map((e) => e.score), other.top.map((e) => e.score), 'the two images differ');
      const blocker = c.benchmark({ iterations: 50, warmup: 0 });
      const pixels = new Uint8Array(a);
      const pending = c.classify(pixels.buffer, 16, 16, 'RGBA', undefined, 5);
      pixels.set(b);  // while the call waits behind the benchmark
      assert.deepEqual((await pending).top, want.top);
      await blocker;
    } finally {
      c.release();
    }
  });

  it('a resizable ArrayBuffer shrunk while its classify waits, and a length-tracking view of it', async () => {
    const c = await loadTiny();
    try {
      const want = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
      for (const view of [false, true]) {
        const rab = new ArrayBuffer(1024, { maxByteLength: 1 << 20 });
        new Uint8Array(rab).set(new Uint8Array(px));
        const blocker = c.benchmark({ iterations: 50, warmup: 0 });
        const pending = c.classify(view ? new Uint8Array(rab) : rab, 16, 16, 'RGBA', undefined, 5);
        rab.resize(0);
        rab.resize(1 << 20);
        assert.deepEqual((await pending).top, want.top, view ? 'length-tracking view' : 'resizable buffer');
        await blocker;
      }
      const rab = new ArrayBuffer(0, { maxByteLength: 1024 });
      await assertFails(c.classify(rab, 16, 16, 'RGBA'), TypeError, /pixels is empty/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
    } finally {
      c.release();
    }
  });

  it('BAD CALL - detached buffers and views of detached buffers', async () => {
    const c = await loadTiny();
    try {
      const buf = new ArrayBuffer(1024);
      const view = new Uint8Array(buf);
      globalThis.structuredClone(buf, { transfer: [buf] });
      await assertFails(c.classify(buf, 16, 16, 'RGBA'), TypeError, /^classify: NPULENS_INVALID_ARGUMENT \(1000\): pixels is empty/,
        { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      await assertFails(c.classify(view, 16, 16, 'RGBA'), TypeError, /pixels is empty/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      await assertFails(c.inspect(view, 16, 16, 'RGBA'), TypeError, /pixels is empty/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'inspect' });
    } finally {
      c.release();
    }
  });

  it('BAD CALL - SharedArrayBuffer, DataView, plain arrays and Node Buffers of the wrong size', async () => {
    const c = await loadTiny();
    try {
      const kinds = [new SharedArrayBuffer(1024), new DataView(px), Array.from(new Uint8Array(px)), 'pixels', null];
      for (const pixels of kinds) {
        await assertFails(c.classify(pixels, 16, 16, 'RGBA'), TypeError, /^classify: NPULENS_INVALID_ARGUMENT \(1000\): pixels must be an ArrayBuffer/,
          { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      }
      await assertFails(c.classify(Buffer.alloc(1023), 16, 16, 'RGBA'), TypeError, /image buffer has 1023 bytes, needs 1024 \(stride 64 × 15 \+ 64\)/,
        { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
      // Typed arrays of any element type are their bytes: a BigInt64Array or a Float64Array of 1024 bytes is fine.
      const want = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
      assert.deepEqual((await c.classify(new BigInt64Array(px), 16, 16, 'RGBA', undefined, 5)).top, want.top);
      assert.deepEqual((await c.classify(new Float64Array(px), 16, 16, 'RGBA', undefined, 5)).top, want.top);
      // A view at an offset reads only its own bytes.
      const shifted = new Uint8Array(1024 + 3);
      shifted.set(new Uint8Array(px), 3);
      assert.deepEqual((await c.classify(shifted.subarray(3), 16, 16, 'RGBA', undefined, 5)).top, want.top);
    } finally {
      c.release();
    }
  });
});

describe('numbers', () => {
  let c;
  before(async () => { c = await loadTiny(); });
  after(() => c.release());

  const cases = [
    ['width 0', [px, 0, 16, 'RGBA'], RangeError, /image size 0x16 must be > 0/],
    ['negative width', [px, -16, 16, 'RGBA'], RangeError, /width must be within 0\.\.2147483647, got -16/],
    ['NaN height', [px, 16, NaN, 'RGBA'], RangeError, /height must be an integer, got NaN/],
    ['Infinity height', [px, 16, Infinity, 'RGBA'], RangeError, /height must be an integer, got Infinity/],
    ['fractional width', [px, 15.5, 16, 'RGBA'], RangeError, /width must be an integer, got 15\.5/],
    ['width 2^31', [px, 2 ** 31, 16, 'RGBA'], RangeError, /width must be within/],
    ['width 2^53 + 2', [px, 2 ** 53 + 2, 16, 'RGBA'], RangeError, /width must be within/],
    ['-0 height', [px, 16, -0, 'RGBA'], RangeError, /image size 16x0 must be > 0/],
    ['width as a string', [px, '16', 16, 'RGBA'], TypeError, /width must be a number/],
    ['width as a BigInt', [px, 16n, 16, 'RGBA'], TypeError, /width must be a number/],
    ['width as a Number object', [px, Object(16), 16, 'RGBA'], TypeError, /width must be a number/],
    ['width*height*4 above 32 bits', [px, 65536, 65536, 'RGBA'], RangeError, /image size 65536x65536 exceeds 16384x16384/],
    ['width, height and stride at the int32 limit', [px, 2 ** 31 - 1, 2 ** 31 - 1, 'RGBA', 2 ** 31 - 1], RangeError, /exceeds 16384x16384/],
    ['the largest image with the largest stride', [px, 16384, 16384, 'RGBA', 2 ** 31 - 1], TypeError,
      /image buffer has 1024 bytes, needs 35182224654337 \(stride 2147483647 × 16383 \+ 65536\)/],
    ['stride NaN', [px, 16, 16, 'RGBA', NaN], RangeError, /stride must be an integer, got NaN/],
    ['stride negative', [px, 16, 16, 'RGBA', -64], RangeError, /stride must be within/],
    ['stride below a row', [px, 16, 16, 'RGBA', 63], RangeError, /stride/],
    ['stride fractional', [px, 16, 16, 'RGBA', 64.5], RangeError, /stride must be an integer/],
    ['stride huge', [px, 16, 16, 'RGBA', 2 ** 31 - 1], TypeError, /image buffer has 1024 bytes, needs 32212254769 \(stride 2147483647 × 15 \+ 64\)/],
    ['format lower case', [px, 16, 16, 'rgba'], RangeError, /format must be one of 'RGBA', 'BGRA', 'RGB', 'NV21', 'NV12', got 'rgba'/],
    ['format not a string', [px, 16, 16, 4], TypeError, /format must be a string/],
    ['topK 0', [px, 16, 16, 'RGBA', undefined, 0], RangeError, /topK must be within 1\.\.5, got 0/],
    ['topK above the classes', [px, 16, 16, 'RGBA', undefined, 6], RangeError, /topK must be within 1\.\.5, got 6/],
    ['topK NaN', [px, 16, 16, 'RGBA', undefined, NaN], RangeError, /topK must be an integer/],
    ['topK -1', [px, 16, 16, 'RGBA', undefined, -1], RangeError, /topK/],
    ['topK null', [px, 16, 16, 'RGBA', undefined, null], TypeError, /topK must be a number/],
  ];
  for (const [name, args, cls, message] of cases) {
    const code = cls === TypeError ? 'NPULENS_INVALID_ARGUMENT' : 'NPULENS_OUT_OF_RANGE';
    it(`BAD CALL - classify with ${name}`, () => assertFails(c.classify(...args), cls, message, { code, step: 'classify' }));
  }
  it('BAD CALL - classifyFd with odd numbers', async () => {
    await assertFails(c.classifyFd(-1, 0, 1024, 16, 16, 'RGBA'), RangeError, /fd must be within/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
    await assertFails(c.classifyFd(0.5, 0, 1024, 16, 16, 'RGBA'), RangeError, /fd must be an integer/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
    await assertFails(c.classifyFd(0, -4096, 1024, 16, 16, 'RGBA'), RangeError, /offset must be within/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
    await assertFails(c.classifyFd(0, 0, 0, 16, 16, 'RGBA'), RangeError, /byteLength must be within/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
    await assertFails(c.classifyFd(0, 0, 2 ** 53, 16, 16, 'RGBA'), RangeError, /byteLength must be within/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyFd' });
    await assertFails(c.classifyFd(999999, 0, 1024, 16, 16, 'RGBA'), Error, /fd 999999: Bad file descriptor/, { code: 'NPULENS_IO' });
  });
  it('BAD CALL - benchmark with odd options', async () => {
    await assertFails(c.benchmark({ iterations: NaN }), RangeError, /options\.iterations must be an integer/, { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' });
    await assertFails(c.benchmark({ iterations: 1.5 }), RangeError, /options\.iterations must be an integer/, { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' });
    await assertFails(c.benchmark({ warmup: -1 }), RangeError, /options\.warmup must be within 0\.\.100000/, { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' });
    await assertFails(c.benchmark({ durationMs: Infinity }), RangeError, /options\.durationMs must be a finite number/, { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' });
    await assertFails(c.benchmark({ durationMs: -5 }), RangeError, /options\.durationMs/, { code: 'NPULENS_OUT_OF_RANGE', step: 'benchmark' });
    await assertFails(c.benchmark({ get iterations() { throw new Error('getter'); } }), TypeError, /reading options\.iterations threw: getter/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'benchmark' });
    await assertFails(c.benchmark(5), TypeError, /options must be an object/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'benchmark' });
  });
});

describe('uniform error contract: argument errors carry .code and .step', () => {
  it('BAD CALL - loadClassifier(undefined) and a rawfileDir that is not a string (checked in TypeScript)', async () => {
    await assertFails(api.loadClassifier(undefined), TypeError, /^loadClassifier: NPULENS_INVALID_ARGUMENT \(1000\): options must be an object$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    await assertFails(api.loadClassifier(null), TypeError, /options must be an object/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    await assertFails(api.loadClassifier({ rawfileDir: 42, modelId: 'x' }), TypeError,
      /^loadClassifier: NPULENS_INVALID_ARGUMENT \(1000\): options\.rawfileDir must be a string$/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
  });
  it('BAD CALL - throwing proxy traps and element getters in the load options', async () => {
    const model = path.join(fixtures, 'models', 'tiny_fp32.onnx');
    await assertFails(api.loadClassifier(new Proxy({}, { has() { throw new Error('trap'); } })), TypeError,
      /^loadClassifier: NPULENS_INVALID_ARGUMENT \(1000\): reading options threw: trap$/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    await assertFails(api.loadClassifier(new Proxy({ modelPath: model }, { get() { throw new Error('get trap'); } })), TypeError,
      /reading options\.manifestPath threw: get trap/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    const mean = [1, 2, 3];
    Object.defineProperty(mean, 1, { get() { throw new Error('element'); } });
    await assertFails(api.loadClassifier({ modelPath: model, classes: 5, input: { width: 16, height: 16, mean } }), TypeError,
      /^loadClassifier: NPULENS_INVALID_ARGUMENT \(1000\): reading input\.mean\[1\] threw: element$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    const detached = new ArrayBuffer(64);
    globalThis.structuredClone(detached, { transfer: [detached] });
    await assertFails(api.loadClassifier({ modelBytes: detached, classes: 5, input: { width: 16, height: 16 } }), Error,
      /\(modelBytes\): the model file is empty/, { code: 'NPULENS_IO', step: 'io.read' });
  });
  it('BAD CALL - a method called on another object, a prototype or a primitive', async () => {
    const c = await loadTiny();
    try {
      const receivers = [{}, Object.getPrototypeOf(c), Object.create(c), 5, undefined, new Uint8Array(4)];
      for (const receiver of receivers) {
        await assertFails(() => c.classify.call(receiver, px, 16, 16, 'RGBA'), TypeError,
          /^classify: NPULENS_INVALID_ARGUMENT \(1000\): not a Classifier made by loadClassifier\(\)$/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
        await assertFails(() => c.benchmark.call(receiver, {}), TypeError, /not a Classifier/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'benchmark' });
        await assertFails(() => c.classifyFd.call(receiver, 0, 0, 1024, 16, 16, 'RGBA'), TypeError, /not a Classifier/,
          { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyFd' });
        await assertFails(() => c.inspect.call(receiver, px, 16, 16, 'RGBA'), TypeError, /not a Classifier/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'inspect' });
        assert.equal(c.cancel.call(receiver), undefined, 'cancel() never throws');
        assert.equal(c.release.call(receiver), undefined, 'release() never throws');
      }
      // A wrapped object of another kind (a second classifier's prototype chain is the same class: it works).
      const other = await loadTiny('tiny-int8');
      assert.equal((await c.classify.call(other, px, 16, 16, 'RGBA')).top.length, 5);
      other.release();
      assert.equal((await c.classify(px, 16, 16, 'RGBA')).top.length, 5, 'the classifier is untouched');
    } finally {
      c.release();
    }
  });
  it('BAD CALL - test hooks and readManifest throw coded errors', () => {
    assert.throws(() => api.readManifest(42), { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT' });
    assert.throws(() => addon.readManifest(42), { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT', step: 'readManifest',
      message: /^readManifest: NPULENS_INVALID_ARGUMENT \(1000\): manifestPath must be a string$/ });
    assert.throws(() => api.setThreadCount(-1), { name: 'RangeError', code: 'NPULENS_OUT_OF_RANGE', step: 'setThreadCount' });
    assert.throws(() => api.setThreadCount('2'), { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT', step: 'setThreadCount' });
  });
});

describe('native exceptions never cross a worker or N-API boundary', () => {
  // injectTestFault(where, kind) (Node-only test hook): the next time `where` runs, it throws `kind`.
  const faults = [
    ['load', 'bad_alloc', () => loadTiny(), 'load', /out of memory \(std::bad_alloc\)/],
    ['load', 'runtime_error', () => loadTiny(), 'load', /native exception: test fault at load/],
    ['load', 'unknown', () => loadTiny(), 'load', /native exception of an unknown type/],
  ];
  for (const [where, kind, call, step, message] of faults) {
    it(`EXPECTED FAILURE - ${kind} thrown in the ${where} worker becomes a rejection`, async () => {
      const r = runChild(`
        addon.injectTestFault(${JSON.stringify(where)}, ${JSON.stringify(kind)});
        try { await (${call.toString()})(); console.log('resolved'); }
        catch (e) { console.log(JSON.stringify({ name: e.constructor.name, message: e.message, code: e.code, step: e.step })); }
        const c = await loadTiny();  // the addon still works afterwards
        console.log((await c.classify(rgbaImage(16, 16).buffer, 16, 16, 'RGBA')).top.length);
        c.release();
      `);
      assert.equal(r.code, 0, describeChild(r));
      const [line, after] = r.stdout.trim().split('\n');
      const e = JSON.parse(line);
      assert.equal(e.name, 'Error');
      assert.match(e.message, message);
      assert.equal(e.code, 'NPULENS_INTERNAL');
      assert.equal(e.step, step);
      assert.equal(after, '5');
    });
  }
  for (const where of ['classify', 'inspect', 'benchmark', 'classifyFd']) {
    it(`EXPECTED FAILURE - std::bad_alloc thrown in the ${where} worker rejects that call; the classifier keeps working`, async () => {
      const c = await loadTiny();
      const file = tmp('fault.rgba');
      fs.writeFileSync(file, new Uint8Array(px));
      const fd = fs.openSync(file, 'r');
      try {
        const run = {
          classify: () => c.classify(px, 16, 16, 'RGBA'),
          inspect: () => c.inspect(px, 16, 16, 'RGBA'),
          benchmark: () => c.benchmark({ iterations: 5 }),
          classifyFd: () => c.classifyFd(fd, 0, 1024, 16, 16, 'RGBA'),
        }[where];
        addon.injectTestFault(where, 'bad_alloc');
        await assertFails(run(), Error, new RegExp(`^${where}: NPULENS_INTERNAL \\(1008\\): out of memory \\(std::bad_alloc\\)`),
          { code: 'NPULENS_INTERNAL', step: where });
        await run();
        assert.equal((await c.classify(px, 16, 16, 'RGBA')).top.length, 5);
      } finally {
        fs.closeSync(fd);
        fs.rmSync(file);
        c.release();
      }
    });
  }
  it('BAD CALL - injectTestFault with an unknown place or kind', () => {
    assert.throws(() => addon.injectTestFault('nowhere', 'bad_alloc'), { name: 'RangeError', code: 'NPULENS_OUT_OF_RANGE', step: 'injectTestFault' });
    assert.throws(() => addon.injectTestFault('load', 'segfault'), { name: 'RangeError', code: 'NPULENS_OUT_OF_RANGE', step: 'injectTestFault' });
  });
});

describe('classifyFd on a file that changes under the call', () => {
  it('a file truncated and regrown by another process while classifyFd runs 300 times: never a signal, a clear Error or the answer', () => {
    const file = tmp('trunc.rgba');
    const w = 1024, h = 1024;
    fs.writeFileSync(file, Buffer.alloc(w * h * 4, 128));
    // The truncating process, until killed: the file is short for a moment every 50 ms (a call that checks the
    // size usually sees it whole; some reads overlap the short moments). Whole most of the time, so that calls can
    // also succeed on a loaded machine, where one read of the 4 MB file may take milliseconds (with a 10 ms pause,
    // 300 of 300 calls once overlapped a short moment while two other jobs shared the 2 vCPUs).
    const truncator = spawn(process.execPath, ['-e', `
      const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'r+');
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (;;) { fs.ftruncateSync(fd, 4096); fs.ftruncateSync(fd, ${w * h * 4}); Atomics.wait(pause, 0, 0, 50); }
    `], { stdio: 'ignore' });
    try {
      const r = runChild(`
        const fs = await import('node:fs');
        const c = await loadTiny();
        const outcomes = {};
        for (let i = 0; i < 300; i++) {
          const fd = fs.openSync(${JSON.stringify(file)}, 'r');
          try {
            const res = await c.classifyFd(fd, 0, ${w * h * 4}, ${w}, ${h}, 'RGBA');
            if (res.top.length !== 5) throw new Error('bad result');
            outcomes.resolved = (outcomes.resolved ?? 0) + 1;
          } catch (e) {
            if (!(e instanceof Error) || !e.code || !e.step) throw e;
            const key = e.constructor.name + ' ' + e.code + ' ' + e.step;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            if (!/fd 0|fd \\d+/.test(e.message)) throw new Error('message does not name the fd: ' + e.message);
          } finally { fs.closeSync(fd); }
        }
        console.log(JSON.stringify(outcomes));
        c.release();
      `, { timeoutMs: 120000 });
      assert.equal(r.signal, null, describeChild(r));
      assert.equal(r.code, 0, describeChild(r));
      const outcomes = JSON.parse(r.stdout.trim().split('\n').at(-1));
      for (const key of Object.keys(outcomes)) assert.match(key, /^(resolved|Error NPULENS_IO fd\.read)$/, JSON.stringify(outcomes));
      assert.ok(outcomes.resolved > 0, `some calls read the whole file: ${JSON.stringify(outcomes)}`);
    } finally {
      truncator.kill('SIGKILL');
      fs.rmSync(file, { force: true });
    }
  });

  it('the fd is read during the call: truncating the file while the call waits changes nothing', async () => {
    const c = await loadTiny();
    const file = tmp('short.rgba');
    fs.writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(new Uint8Array(px))]));
    const fd = fs.openSync(file, 'r+');
    try {
      const want = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
      const blocker = c.benchmark({ iterations: 50, warmup: 0 });
      const pending = c.classifyFd(fd, 4096, 1024, 16, 16, 'RGBA', undefined, 5);
      fs.ftruncateSync(fd, 4100);  // while the call waits behind the benchmark
      assert.deepEqual((await pending).top, want.top);
      await blocker;
      await assertFails(c.classifyFd(fd, 4096, 1024, 16, 16, 'RGBA'), Error,
        /^fd\.read: NPULENS_IO \(1002\): fd \d+ holds 4100 bytes, fewer than offset \+ byteLength = 5120$/, { code: 'NPULENS_IO', step: 'fd.read' });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file);
      c.release();
    }
  });

  it('BAD CALL - classifyFd on a pipe, a directory and a socket: not a regular file or memfd', async () => {
    const c = await loadTiny();
    const dir = fs.openSync(os.tmpdir(), 'r');
    try {
      await assertFails(c.classifyFd(dir, 0, 1024, 16, 16, 'RGBA'), Error, /is not a regular file or memfd \(a directory\)/,
        { code: 'NPULENS_IO', step: 'fd.read' });
      const child = runChild(`
        const fs = await import('node:fs');
        const c = await loadTiny();
        try { await c.classifyFd(0, 0, 1024, 16, 16, 'RGBA'); console.log('resolved'); }
        catch (e) { console.log(e.code + ' ' + e.step + ' ' + e.message); }
        c.release();
      `);
      assert.equal(child.code, 0, describeChild(child));
      assert.match(child.stdout, /^NPULENS_IO fd\.read fd\.read: NPULENS_IO \(1002\): fd 0 is not a regular file or memfd \(a (FIFO|socket)\)/);
    } finally {
      fs.closeSync(dir);
      c.release();
    }
  });

  it('a sparse 1 TB file with a huge stride: only the rows the image uses are read (no terabyte allocation)', async () => {
    const c = await loadTiny();
    const file = tmp('sparse.rgba');
    const stride = 2 ** 31 - 1;
    const fd = fs.openSync(file, 'w+');
    try {
      // 16 rows of 64 bytes, `stride` apart, in a file of 2^40 bytes (sparse: a few pages on disk).
      const rgba = new Uint8Array(px);
      for (let y = 0; y < 16; y++) fs.writeSync(fd, rgba.subarray(y * 64, y * 64 + 64), 0, 64, y * stride);
      fs.ftruncateSync(fd, 2 ** 40);
      const want = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
      const start = Date.now();
      const got = await settlesWithin(c.classifyFd(fd, 0, 2 ** 40, 16, 16, 'RGBA', stride, 5), 10000, 'classifyFd over a sparse 1 TB file');
      assert.deepEqual(got.top, want.top);
      assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
      // A padded stride in an ordinary file gives the answer of the packed pixels too.
      const padded = new Uint8Array(16 * 80);
      for (let y = 0; y < 16; y++) padded.set(rgba.subarray(y * 64, y * 64 + 64), y * 80);
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, padded, 0, padded.length, 0);
      assert.deepEqual((await c.classifyFd(fd, 0, padded.length, 16, 16, 'RGBA', 80, 5)).top, want.top);
      await assertFails(c.classifyFd(fd, 0, padded.length, 16, 17, 'RGBA', 80), TypeError, /image buffer has 1280 bytes, needs 1344/,
        { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyFd' });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file);
      c.release();
    }
  });

  it('the caller may close or reuse the fd once the promise exists', async () => {
    const c = await loadTiny();
    const file = tmp('close.rgba');
    fs.writeFileSync(file, new Uint8Array(px));
    try {
      const want = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
      const blocker = c.benchmark({ iterations: 50, warmup: 0 });
      const fd = fs.openSync(file, 'r');
      const pending = c.classifyFd(fd, 0, 1024, 16, 16, 'RGBA', undefined, 5);
      fs.closeSync(fd);
      fs.writeFileSync(file, Buffer.alloc(1024, 0));  // a new file under the same name (truncate + write)
      const got = await pending;
      await blocker;
      assert.ok(got.top.length === 5);
      // Read at run time from the same open file description: the answer is either image, never a crash.
      const zeros = await c.classify(new ArrayBuffer(1024), 16, 16, 'RGBA', undefined, 5);
      assert.ok([JSON.stringify(want.top), JSON.stringify(zeros.top)].includes(JSON.stringify(got.top)));
    } finally {
      fs.rmSync(file);
      c.release();
    }
  });
});

describe('exit while work is in flight', () => {
  const exits = [
    ['a long benchmark', `const c = await loadTiny(); c.benchmark({ iterations: 1000000, warmup: 0 }); setTimeout(() => process.exit(7), 300);`, 7],
    ['a benchmark started in the same tick', `const c = await loadTiny(); c.benchmark({ iterations: 1000000, warmup: 100000 }); process.exit(3);`, 3],
    ['a load', `loadTiny(); loadTiny('tiny-int8'); process.exit(4);`, 4],
    ['a slow load (test device building for 1.5 s)', `addon.registerTestDevice('HIAI_F', 'accelerator', { buildDelayMs: 1500 });
      loadTiny('tiny-fp32', { device: 'npu' }); setTimeout(() => process.exit(6), 100);`, 6],
    ['100 classifies', `const c = await loadTiny(); const px = rgbaImage(512, 512).buffer;
      for (let i = 0; i < 100; i++) c.classify(px, 512, 512, 'RGBA'); process.exit(5);`, 5],
    ['benchmarks on four classifiers (every libuv thread busy)', `const cs = await Promise.all([1, 2, 3, 4].map(() => loadTiny()));
      for (const c of cs) c.benchmark({ iterations: 1000000, warmup: 0 }); setTimeout(() => process.exit(9), 300);`, 9],
    ['an uncaught exception during a benchmark', `const c = await loadTiny(); c.benchmark({ iterations: 1000000, warmup: 0 });
      setTimeout(() => { throw new Error('boom'); }, 200);`, 1],
  ];
  for (const [what, body, code] of exits) {
    it(`process.exit() with ${what} in flight ends the process promptly with its code`, () => {
      const r = runChild(body, { timeoutMs: 15000 });
      assert.equal(r.signal, null, `killed after 15 s: the process did not exit (${describeChild(r)})`);
      assert.equal(r.code, code, describeChild(r));
      assert.ok(r.ms < 8000, `took ${r.ms} ms`);
    });
  }
  it('a script that ends with classifies and a load in flight finishes them and exits 0', () => {
    const r = runChild(`const c = await loadTiny(); const px = rgbaImage(64, 64).buffer;
      let n = 0; for (let i = 0; i < 100; i++) c.classify(px, 64, 64, 'RGBA').then(() => { if (++n === 100) console.log('100 done'); });
      loadTiny('tiny-int8').then((d) => { console.log('loaded'); d.release(); });
      c.benchmark({ iterations: 200 }).then((b) => console.log('benchmark', b.iterations));`, { timeoutMs: 15000 });
    assert.equal(r.code, 0, describeChild(r));
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['100 done', 'benchmark 200', 'loaded']);
  });
  it('a worker thread calling process.exit() with a benchmark in flight ends; the main thread goes on', () => {
    const r = runChild(`
      const { Worker } = await import('node:worker_threads');
      const w = new Worker(\`
        const { createRequire } = require('node:module');
        const api = require(${JSON.stringify(path.join(repoRoot, 'dist', 'api', 'index.js'))});
        api.loadClassifier({ rawfileDir: process.env.NPULENS_TEST_FIXTURES, modelId: 'tiny-fp32' }).then((c) => {
          c.benchmark({ iterations: 1000000, warmup: 0 });
          setTimeout(() => process.exit(2), 200);
        });
      \`, { eval: true, execArgv: [] });
      const code = await new Promise((resolve) => w.on('exit', resolve));
      const c = await loadTiny();
      console.log('worker exit', code, (await c.classify(rgbaImage(16, 16).buffer, 16, 16, 'RGBA')).top.length);
      c.release();
    `, { timeoutMs: 15000 });
    assert.equal(r.signal, null, describeChild(r));
    assert.equal(r.code, 0, describeChild(r));
    assert.equal(r.stdout.trim(), 'worker exit 2 5');
  });
});

describe('release and concurrency', () => {
  it('release during a load: the load resolves, the classifier releases; during classify and benchmark: settled', async () => {
    const base = addon.nativeClassifierCount();
    const loading = loadTiny();
    const c = await loading;
    const running = c.classify(px, 16, 16, 'RGBA');
    // release() rejects queued calls synchronously: take their outcomes before it runs.
    const outcome = (p) => p.then(() => assert.fail('a queued call ran after release()'), (e) => e);
    const bench = outcome(c.benchmark({ iterations: 1000000, warmup: 0 }));
    const queued = outcome(c.inspect(px, 16, 16, 'RGBA'));
    c.release();
    assert.equal((await running).top.length, 5);
    const reject = async (p) => { throw await p; };
    await assertFails(reject(bench), Error, /^release: NPULENS_RELEASED/, { code: 'NPULENS_RELEASED', step: 'release' });
    await assertFails(reject(queued), Error, /^release: NPULENS_RELEASED/, { code: 'NPULENS_RELEASED', step: 'release' });
    // A benchmark that is running when release() comes resolves cancelled.
    const d = await loadTiny();
    const running2 = d.benchmark({ iterations: 1000000, warmup: 0 });
    await new Promise((r) => setTimeout(r, 50));
    d.release();
    const r2 = await settlesWithin(running2, 5000, 'a released benchmark');
    assert.equal(r2.cancelled, true);
    await tick();
    assert.equal(addon.nativeClassifierCount(), base);
  });

  it('200 concurrent calls across 4 classifiers with seeded random release and cancel: each settles with a result or NPULENS_RELEASED', async (t) => {
    const base = addon.nativeClassifierCount();
    let seed = 20260;
    const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % n; };
    const cs = await Promise.all(['tiny-fp32', 'tiny-int8', 'tiny-fp32', 'tiny-int8'].map((id) => loadTiny(id)));
    const file = tmp('conc.rgba');
    fs.writeFileSync(file, new Uint8Array(px));
    const fd = fs.openSync(file, 'r');
    const outcomes = { resolved: 0, released: 0, cancelled: 0 };
    const calls = [];
    for (let i = 0; i < 200; i++) {
      const c = cs[rand(4)];
      const kind = rand(10);
      let p;
      if (kind < 5) p = c.classify(rgbaImage(16, 16, i % 5).buffer, 16, 16, 'RGBA');
      else if (kind < 7) p = c.classifyFd(fd, 0, 1024, 16, 16, 'RGBA');
      else if (kind < 8) p = c.inspect(px, 16, 16, 'RGBA');
      else p = c.benchmark({ iterations: 1 + rand(200), warmup: rand(3) });
      calls.push(p.then((r) => { outcomes[r.cancelled ? 'cancelled' : 'resolved']++; }, (e) => {
        assert.equal(e.code, 'NPULENS_RELEASED', e.message);
        assert.ok(['release', 'classify', 'classifyFd', 'inspect', 'benchmark'].includes(e.step), e.step);
        outcomes.released++;
      }));
      if (rand(40) === 0) cs[rand(4)].release();
      if (rand(20) === 0) cs[rand(4)].cancel();
      if (rand(10) === 0) await tick();
    }
    await settlesWithin(Promise.all(calls), 60000, '200 concurrent calls');
    for (const c of cs) c.release();
    fs.closeSync(fd);
    fs.rmSync(file);
    t.diagnostic(JSON.stringify(outcomes));
    assert.equal(outcomes.resolved + outcomes.released + outcomes.cancelled, 200);
    assert.ok(outcomes.resolved > 0 && outcomes.released > 0, JSON.stringify(outcomes));
    await tick();
    assert.equal(addon.nativeClassifierCount(), base, 'every native classifier freed');
  });

  it('cancel() before, during and after benchmarks; cancel does not leak into the next benchmark', async () => {
    const c = await loadTiny();
    try {
      c.cancel();  // nothing running: no effect on the next one
      const full = await c.benchmark({ iterations: 20, warmup: 0 });
      assert.equal(full.cancelled, false);
      assert.equal(full.iterations, 20);
      const first = c.benchmark({ iterations: 1000000, warmup: 0 });
      const second = c.benchmark({ iterations: 30, warmup: 0 });
      await new Promise((r) => setTimeout(r, 30));
      c.cancel();
      assert.equal((await settlesWithin(first, 5000, 'cancelled benchmark')).cancelled, true);
      const s = await second;
      assert.equal(s.cancelled, false, 'a queued benchmark is not cancelled by a cancel() of the running one');
      assert.equal(s.iterations, 30);
    } finally {
      c.release();
    }
  });

  it('EXPECTED FAILURE - every call after release rejects with NPULENS_RELEASED naming the call', async () => {
    const c = await loadTiny();
    c.release();
    for (const [m, args] of [['classify', [px, 16, 16, 'RGBA']], ['classifyFd', [0, 0, 1024, 16, 16, 'RGBA']], ['inspect', [px, 16, 16, 'RGBA']],
      ['benchmark', [{}]], ['classify', []], ['benchmark', [{ iterations: -1 }]]]) {
      await assertFails(c[m](...args), Error, new RegExp(`^${m}: NPULENS_RELEASED \\(1004\\): the classifier was released$`), { code: 'NPULENS_RELEASED', step: m });
    }
    assert.equal(c.release(), undefined);
    assert.equal(c.cancel(), undefined);
  });

  it('release() from inside a progress callback, a result handler and an options getter', async () => {
    const c = await loadTiny();
    const r = await c.benchmark({ iterations: 1000000, warmup: 0 }, () => c.release());
    assert.equal(r.cancelled, true);
    const d = await loadTiny();
    await assertFails(d.benchmark({ get iterations() { d.release(); return 5; } }), Error, /released/, { code: 'NPULENS_RELEASED', step: 'benchmark' });
    // From a result handler: the next call is already running (it finishes), the one after it is rejected.
    const e = await loadTiny();
    const first = e.classify(px, 16, 16, 'RGBA').then(() => e.release());
    const second = e.classify(px, 16, 16, 'RGBA');
    const third = e.classify(px, 16, 16, 'RGBA').then(() => assert.fail('ran after release()'), (err) => err);
    await first;
    assert.equal((await second).top.length, 5);
    await assertFails(third.then((err) => { throw err; }), Error, /^release: NPULENS_RELEASED/, { code: 'NPULENS_RELEASED', step: 'release' });
  });
});
