// The Node API contract (mirrors libentry.so's Index.d.ts): bad calls give TypeError/RangeError with the right
// message, runtime failures give Error with .code and .step, and the classifier's lifetime rules hold.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, assertFails, fixtures, labelsFile, loadTiny, require, rgbaImage, settlesWithin } from './helpers.mjs';

const px = rgbaImage(16, 16).buffer;
const fileModel = (file, extra = {}) => api.loadClassifier({
  modelPath: path.join(fixtures, file), labelsPath: labelsFile, input: { width: 16, height: 16 }, ...extra,
});

describe('loadClassifier', () => {
  it('BAD CALL - options not an object', () =>
    assertFails(api.loadClassifier(undefined), TypeError, /options must be an object/));
  it('BAD CALL - rawfileDir not a string', () =>
    assertFails(api.loadClassifier({ rawfileDir: 42, modelId: 'x' }), TypeError, /rawfileDir must be a string/));
  it('BAD CALL - modelId not a string', () =>
    assertFails(loadTiny(7), TypeError, /options\.modelId must be a string/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' }));
  it('BAD CALL - unknown device policy', () =>
    assertFails(loadTiny('tiny-fp32', { device: 'gpu' }), RangeError,
      /options\.device must be one of 'auto', 'npu', 'cpu', got 'gpu'/, { code: 'NPULENS_OUT_OF_RANGE' }));
  it('BAD CALL - ioMode of the wrong type', () =>
    assertFails(loadTiny('tiny-fp32', { ioMode: 1 }), TypeError, /options\.ioMode must be a string/));
  it('BAD CALL - tuning mode without its cache dir', () =>
    assertFails(loadTiny('tiny-fp32', { tuningMode: 'auto' }), TypeError,
      /options\.tuningCacheDir is required with tuningMode 'auto'/));
  it('BAD CALL - fp16 not a boolean', () =>
    assertFails(loadTiny('tiny-fp32', { fp16: 'yes' }), TypeError, /options\.fp16 must be a boolean/));
  it('BAD CALL - negative cacheVersion', () =>
    assertFails(loadTiny('tiny-fp32', { cacheVersion: -1 }), RangeError, /options\.cacheVersion must be within 0\.\.4294967295/));
  it('BAD CALL - a throwing options getter', async () => {
    await assertFails(api.loadClassifier({ modelPath: path.join(fixtures, 'models/tiny_fp32.onnx'), get labelsPath() { throw new Error('boom'); } }),
      TypeError, /reading options\.labelsPath threw: boom/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
    // The rawfile form spreads the options in TypeScript first: still a rejection, never a throw, and as coded.
    await assertFails(api.loadClassifier({ rawfileDir: fixtures, get modelId() { throw new Error('boom'); } }), TypeError,
      /^loadClassifier: NPULENS_INVALID_ARGUMENT \(1000\): reading options threw: boom$/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
  });
  it('BAD CALL - model file without labels or class count', () =>
    assertFails(api.loadClassifier({ modelPath: path.join(fixtures, 'models/tiny_fp32.onnx'), input: { width: 16, height: 16 } }),
      TypeError, /needs options\.labelsPath or options\.classes/));
  it('BAD CALL - both modelPath and modelBytes', () =>
    assertFails(fileModel('models/tiny_fp32.onnx', { modelBytes: new Uint8Array(4) }), TypeError,
      /one of modelPath \/ modelBytes \+ input/));
  it('BAD CALL - modelBytes not a buffer', () =>
    assertFails(api.loadClassifier({ modelBytes: 'onnx', classes: 5, input: { width: 16, height: 16 } }), TypeError,
      /options\.modelBytes must be an ArrayBuffer/));
  it('BAD CALL - model file with zero input width', () =>
    assertFails(fileModel('models/tiny_fp32.onnx', { input: { width: 0, height: 16 } }), RangeError,
      /input\.width must be within 1\.\.4096, got 0/));
  it('BAD CALL - model file with a std of 0', () =>
    assertFails(fileModel('models/tiny_fp32.onnx', { input: { width: 16, height: 16, std: [1, 0, 1] } }), RangeError,
      /input\.std\[1\] must be a finite number/));

  it('EXPECTED FAILURE - unknown model id names the known ones', () =>
    assertFails(loadTiny('nope'), Error, /no model 'nope' \(known: tiny-fp32, tiny-int8, device-only\)/,
      { code: 'NPULENS_MANIFEST', step: 'manifest' }));
  it('EXPECTED FAILURE - manifest model without a host target', () =>
    assertFails(loadTiny('device-only'), Error, /model 'device-only' has no 'onnx' target \(it has: om\)/,
      { code: 'NPULENS_MANIFEST', step: 'manifest' }));
  it('EXPECTED FAILURE - rawfile directory without a manifest', () =>
    assertFails(api.loadClassifier({ rawfileDir: '/nonexistent', modelId: 'x' }), Error,
      /\/nonexistent\/models\/manifest\.json: No such file or directory/, { code: 'NPULENS_IO', step: 'io.read' }));
  it('EXPECTED FAILURE - missing model file', () =>
    assertFails(fileModel('bad/missing.onnx'), Error, /missing\.onnx: No such file or directory/, { code: 'NPULENS_IO' }));
  it('EXPECTED FAILURE - model path is a directory', () =>
    assertFails(fileModel('bad'), Error, /bad: Is a directory/, { code: 'NPULENS_IO' }));
  it('EXPECTED FAILURE - empty model file', () =>
    assertFails(fileModel('bad/empty.onnx'), Error, /empty\.onnx: the model file is empty/, { code: 'NPULENS_IO', step: 'io.read' }));
  it('EXPECTED FAILURE - truncated model file', () =>
    assertFails(fileModel('bad/truncated.onnx'), Error, /not an ONNX protobuf/, { code: 'OH_NN_INVALID_FILE', step: 'compile.build' }));
  it('EXPECTED FAILURE - random bytes as a model', () =>
    assertFails(fileModel('bad/random.onnx'), Error, /not an ONNX protobuf/, { code: 'OH_NN_INVALID_FILE', step: 'compile.build' }));
  it('EXPECTED FAILURE - truncated model bytes', () => {
    const bytes = fs.readFileSync(path.join(fixtures, 'models/tiny_fp32.onnx'));
    return assertFails(api.loadClassifier({ modelBytes: bytes.subarray(0, 100), classes: 5, input: { width: 16, height: 16 } }),
      Error, /not an ONNX protobuf/, { code: 'OH_NN_INVALID_FILE', step: 'compile.build' });
  });
  it('EXPECTED FAILURE - unsupported op', () =>
    assertFails(fileModel('bad/unsupported_op.onnx'), Error, /unsupported op 'Tanh'/, { code: 'OH_NN_UNSUPPORTED', step: 'compile.build' }));
  it('EXPECTED FAILURE - class count disagrees with the model', () =>
    assertFails(api.loadClassifier({ modelPath: path.join(fixtures, 'models/tiny_fp32.onnx'), classes: 7, input: { width: 16, height: 16 } }),
      Error, /has shape \[1,5\] \(5 values\), the manifest says 7 classes/, { code: 'NPULENS_MODEL_MISMATCH', step: 'model.check' }));
  it('EXPECTED FAILURE - labels file with the wrong line count', async () => {
    const labels = path.join(os.tmpdir(), `npulens-labels-${process.pid}.txt`);
    fs.writeFileSync(labels, 'a\nb\nc\n');
    try {
      await assertFails(api.loadClassifier({ modelPath: path.join(fixtures, 'models/tiny_fp32.onnx'), labelsPath: labels, classes: 5,
        input: { width: 16, height: 16 } }), Error, /3/, { code: 'NPULENS_MANIFEST' });
    } finally {
      fs.rmSync(labels);
    }
  });
  it('EXPECTED FAILURE - npu policy on a host without HIAI_F', () =>
    assertFails(loadTiny('tiny-fp32', { device: 'npu' }), Error, /policy npu needs the device named HIAI_F; devices seen: hostnn_cpu \(cpu\)/,
      { code: 'NPULENS_DEVICE_NOT_FOUND', step: 'device.select' }));

  it('loads from model bytes like from the manifest', async () => {
    const bytes = fs.readFileSync(path.join(fixtures, 'models/tiny_fp32.onnx'));
    const fromBytes = await api.loadClassifier({ modelBytes: new Uint8Array(bytes), labelsPath: labelsFile,
      input: { width: 16, height: 16, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] } });
    const fromManifest = await loadTiny();
    try {
      assert.equal(fromBytes.info.file, '(modelBytes)');
      assert.deepEqual((await fromBytes.classify(px, 16, 16, 'RGBA')).top, (await fromManifest.classify(px, 16, 16, 'RGBA')).top);
    } finally {
      fromBytes.release();
      fromManifest.release();
    }
  });

  it('reports every compilation option with the device verdict', async () => {
    const c = await loadTiny('tiny-fp32', { tuningMode: 'heter', tuningCacheDir: os.tmpdir(), priority: 'low', performanceMode: 'high',
      bandMode: 'normal', fp16: true });
    try {
      const byName = Object.fromEntries(c.info.options.map((o) => [o.name, o]));
      assert.deepEqual(Object.keys(byName).sort(), ['band_mode', 'float16', 'performance_mode', 'priority', 'tuning_cache_dir', 'tuning_mode']);
      assert.equal(byName.tuning_mode.value, 'HETER');
      assert.equal(byName.tuning_mode.accepted, true);
      assert.equal(byName.float16.accepted, false, 'the host CPU device rejects fp16 and that is reported');
      assert.equal(byName.float16.code, 'OH_NN_OPERATION_FORBIDDEN');
      assert.match(byName.float16.detail, /^OH_NNCompilation_Build failed with it: .*float16/);
      assert.equal(byName.priority.detail, '');
    } finally {
      c.release();
    }
  });
});

describe('Classifier', () => {
  let c;
  before(async () => { c = await loadTiny(); });
  after(() => c.release());

  it('describes the model and the device choice', () => {
    const info = c.info;
    assert.equal(info.modelId, 'tiny-fp32');
    assert.equal(info.precision, 'fp32');
    assert.equal(info.classes, 5);
    assert.deepEqual(info.device, { name: 'hostnn_cpu', type: 'cpu' });
    assert.equal(info.policy, 'auto');
    assert.match(info.selection, /no HIAI_F/);
    assert.deepEqual(info.inputs.map((t) => [t.name, t.shape, t.dtype, t.byteLength]), [['input', [1, 3, 16, 16], 'float32', 3072]]);
    assert.deepEqual(info.outputs.map((t) => [t.name, t.shape]), [['logits', [1, 5]]]);
    assert.ok(info.compileMs > 0);
  });

  it('classifies: probabilities sorted, labels, timings', async () => {
    const r = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
    assert.equal(r.top.length, 5);
    assert.deepEqual(r.top.map((e) => e.rank), [1, 2, 3, 4, 5]);
    assert.deepEqual(r.top.map((e) => e.index).sort(), [0, 1, 2, 3, 4]);
    const sum = r.top.reduce((s, e) => s + e.score, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
    for (let i = 1; i < 5; i++) assert.ok(r.top[i - 1].score >= r.top[i].score);
    assert.ok(['circle', 'square', 'triangle', 'star', 'ring'].includes(r.top[0].label));
    assert.equal(r.device, 'hostnn_cpu');
    for (const k of ['preprocessMs', 'inferenceMs', 'postprocessMs', 'totalMs']) assert.ok(r.timings[k] >= 0, k);
    assert.ok(r.timings.totalMs >= r.timings.inferenceMs);
  });

  it('gives the same answer for RGBA, BGRA, RGB, a padded stride, a typed array and an fd', async () => {
    const rgba = new Uint8Array(px);
    const ref = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
    const bgra = new Uint8Array(rgba);
    const rgb = new Uint8Array(16 * 16 * 3);
    const padded = new Uint8Array(16 * 80);
    for (let i = 0; i < 256; i++) {
      bgra[i * 4] = rgba[i * 4 + 2]; bgra[i * 4 + 2] = rgba[i * 4];
      rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    }
    for (let y = 0; y < 16; y++) padded.set(rgba.subarray(y * 64, y * 64 + 64), y * 80);
    const file = path.join(os.tmpdir(), `npulens-fd-${process.pid}.rgba`);
    fs.writeFileSync(file, rgba);
    const fd = fs.openSync(file, 'r');
    try {
      const variants = [
        await c.classify(bgra.buffer, 16, 16, 'BGRA', undefined, 5),
        await c.classify(rgb.buffer, 16, 16, 'RGB', undefined, 5),
        await c.classify(padded.buffer, 16, 16, 'RGBA', 80, 5),
        await c.classify(rgba, 16, 16, 'RGBA', undefined, 5),
        await c.classifyFd(fd, 0, rgba.byteLength, 16, 16, 'RGBA', undefined, 5),
      ];
      for (const v of variants) assert.deepEqual(v.top, ref.top);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file);
    }
  });

  it('reads a typed array by its byte range: Int16Array, Float32Array and an offset view answer like the buffer', async () => {
    const ref = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
    const outer = new Uint8Array(64 + 1024 + 64);
    outer.set(new Uint8Array(px), 64);
    const views = [new Int16Array(px.slice(0)), new Float32Array(px.slice(0)), new Uint8Array(outer.buffer, 64, 1024),
      new Float32Array(outer.buffer, 64, 256)];
    for (const v of views) assert.deepEqual((await c.classify(v, 16, 16, 'RGBA', undefined, 5)).top, ref.top, v.constructor.name);
  });

  it('BAD CALL - an Int16Array or Float32Array shorter than the image (its byte length counts, not its element count)', async () => {
    const short = /image buffer has 512 bytes, needs 1024/;
    await assertFails(c.classify(new Int16Array(256), 16, 16, 'RGBA'), TypeError, short, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' });
    await assertFails(c.classify(new Float32Array(128), 16, 16, 'RGBA'), TypeError, short);
    // At the end of its buffer: reading 1024 bytes from here would run 512 bytes past the end.
    await assertFails(c.inspect(new Float32Array(new ArrayBuffer(2048), 1536, 128), 16, 16, 'RGBA'), TypeError, short,
      { step: 'inspect' });
  });

  it('inspect() settles with the input tensor and every class probability, as classify() ranks them', async () => {
    const ins = await settlesWithin(c.inspect(px, 16, 16, 'RGBA'), 10000, 'inspect()');
    assert.ok(ins.input instanceof ArrayBuffer);
    assert.equal(ins.input.byteLength, 3072);
    assert.deepEqual(ins.inputShape, [1, 3, 16, 16]);
    assert.equal(ins.inputDType, 'float32');
    const input = new Float32Array(ins.input);
    assert.ok(input.every(Number.isFinite) && input.some((x) => x !== 0), 'pre-processed input values');
    assert.ok(ins.probabilities instanceof Float32Array);
    assert.equal(ins.probabilities.length, 5);
    const { top } = await c.classify(px, 16, 16, 'RGBA', undefined, 5);
    for (const e of top) assert.equal(ins.probabilities[e.index], e.score, `class ${e.index}`);
  });

  it('copy and zero-copy modes agree', async () => {
    const copy = await loadTiny('tiny-fp32', { ioMode: 'copy' });
    try {
      assert.equal(copy.info.ioMode, 'copy');
      const a = await c.classify(px, 16, 16, 'RGBA');
      const b = await copy.classify(px, 16, 16, 'RGBA');
      assert.equal(b.ioMode, 'copy');
      assert.deepEqual(b.top, a.top);
    } finally {
      copy.release();
    }
  });

  it('BAD CALL - pixels not a buffer', () =>
    assertFails(c.classify('pixels', 16, 16, 'RGBA'), TypeError, /^classify: NPULENS_INVALID_ARGUMENT \(1000\): pixels must be an ArrayBuffer$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' }));
  it('BAD CALL - empty pixel buffer', () =>
    assertFails(c.classify(new ArrayBuffer(0), 1, 1, 'RGBA'), TypeError, /pixels is empty \(0 bytes\)/));
  it('BAD CALL - width not a number', () =>
    assertFails(c.classify(px, '16', 16, 'RGBA'), TypeError, /width must be a number/));
  it('BAD CALL - height missing', () =>
    assertFails(c.classify(px, 16), TypeError, /height must be a number/));
  it('BAD CALL - fractional width', () =>
    assertFails(c.classify(px, 15.5, 16, 'RGBA'), RangeError, /width must be an integer, got 15\.5/));
  it('BAD CALL - zero width', () =>
    assertFails(c.classify(px, 0, 16, 'RGBA'), RangeError, /image size 0x16 must be > 0/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classify' }));
  it('BAD CALL - huge dimensions', () =>
    assertFails(c.classify(px, 100000, 100000, 'RGBA'), RangeError, /image size 100000x100000 exceeds 16384x16384/));
  it('BAD CALL - negative height', () =>
    assertFails(c.classify(px, 16, -1, 'RGBA'), RangeError, /height must be within 0\.\.2147483647, got -1/));
  it('BAD CALL - unknown pixel format', () =>
    assertFails(c.classify(px, 16, 16, 'YUV'), RangeError, /format must be one of 'RGBA', 'BGRA', 'RGB', 'NV21', 'NV12', got 'YUV'/));
  it('BAD CALL - stride smaller than a row', () =>
    assertFails(c.classify(px, 16, 16, 'RGBA', 10), RangeError, /row stride 10 is less than width × 4 = 64 bytes/));
  it('BAD CALL - buffer shorter than the image', () =>
    assertFails(c.classify(px, 17, 16, 'RGBA'), TypeError, /image buffer has 1024 bytes, needs 1088/));
  it('BAD CALL - topK 0', () =>
    assertFails(c.classify(px, 16, 16, 'RGBA', undefined, 0), RangeError, /topK must be within 1\.\.5, got 0/));
  it('BAD CALL - topK above the class count', () =>
    assertFails(c.classify(px, 16, 16, 'RGBA', undefined, 6), RangeError, /topK must be within 1\.\.5, got 6/));
  it('BAD CALL - classifyFd with a closed fd', () =>
    assertFails(c.classifyFd(987654, 0, 1024, 16, 16, 'RGBA'), Error, /fd 987654: Bad file descriptor/, { code: 'NPULENS_IO', step: 'fd.read' }));
  it('BAD CALL - classifyFd offset not page aligned', () =>
    assertFails(c.classifyFd(0, 100, 1024, 16, 16, 'RGBA'), RangeError, /offset 100 is not a multiple of the page size/));
  it('BAD CALL - classifyFd past the end of the file', async () => {
    const file = path.join(os.tmpdir(), `npulens-short-${process.pid}.rgba`);
    fs.writeFileSync(file, Buffer.alloc(100));
    const fd = fs.openSync(file, 'r');
    try {
      await assertFails(c.classifyFd(fd, 0, 1024, 16, 16, 'RGBA'), Error, /holds 100 bytes, fewer than offset \+ byteLength = 1024/,
        { code: 'NPULENS_IO', step: 'fd.read' });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file);
    }
  });
  it('BAD CALL - benchmark iterations 0', () =>
    assertFails(c.benchmark({ iterations: 0 }), RangeError, /options\.iterations must be within 1\.\.1000000, got 0/));
  it('BAD CALL - benchmark unknown mode', () =>
    assertFails(c.benchmark({ mode: 'fast' }), RangeError, /options\.mode must be one of 'zero-copy', 'copy', got 'fast'/));
  it('BAD CALL - benchmark durationMs 0', () =>
    assertFails(c.benchmark({ durationMs: 0 }), RangeError, /options\.durationMs must be > 0/));
  it('BAD CALL - benchmark onProgress not a function', () =>
    assertFails(c.benchmark({}, 'cb'), TypeError, /onProgress must be a function/));
  it('BAD CALL - constructing a Classifier directly (nothing is wrapped, nothing freed twice)', async () => {
    const direct = /use loadClassifier\(\) to create a Classifier/;
    await assertFails(() => new c.constructor(), TypeError, direct, { code: 'NPULENS_INVALID_ARGUMENT', step: 'Classifier' });
    await assertFails(() => new c.constructor({}), TypeError, direct);
    await assertFails(() => Reflect.construct(c.constructor, [px]), TypeError, direct);
    assert.equal((await c.classify(px, 16, 16, 'RGBA')).top.length, 5, 'the loaded classifier is untouched');
  });
  it('BAD CALL - a method called on another object', () =>
    assertFails(() => c.classify.call({}, px, 16, 16, 'RGBA'), TypeError,
      /^classify: NPULENS_INVALID_ARGUMENT \(1000\): not a Classifier made by loadClassifier\(\)$/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classify' }));

  it('BAD CALL - 300 seeded random argument lists: every one settles with a coded error or a result, no crash', async (t) => {
    const values = [undefined, null, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 16, 15, 64, 80, '16', 'RGBA', 'BGRA',
      'RGB', 'YUV', '', true, {}, [], Symbol('s'), 10n, () => 1, px, new ArrayBuffer(0), new Uint8Array(7),
      new Float64Array(128), new DataView(px), new SharedArrayBuffer(1024)];
    let seed = 7;
    // LCG; the high bits (the low ones cycle with short periods).
    const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % n; };
    const outcomes = { resolved: 0, TypeError: 0, RangeError: 0, Error: 0 };
    const file = path.join(os.tmpdir(), `npulens-fuzz-${process.pid}.rgba`);
    fs.writeFileSync(file, new Uint8Array(px));
    const fd = fs.openSync(file, 'r');
    const valid = { classify: [px, 16, 16, 'RGBA', 64, 3], inspect: [px, 16, 16, 'RGBA', 64], classifyFd: [fd, 0, 1024, 16, 16, 'RGBA', 64, 3] };
    for (let i = 0; i < 300; i++) {
      const method = ['classify', 'inspect', 'classifyFd'][rand(3)];
      // A valid call with one to three arguments replaced (or cut short).
      const args = [...valid[method]];
      for (let k = 1 + rand(3); k > 0; k--) args[rand(args.length)] = values[rand(values.length)];
      if (rand(5) === 0) args.length = rand(args.length);
      try {
        await settlesWithin(c[method](...args), 10000, `${method}(${i})`);
        outcomes.resolved++;
      } catch (e) {
        assert.ok(e instanceof Error, `${method}: a non-Error was thrown`);
        assert.match(e.code, /^(NPULENS_[A-Z_]+|OH_NN_[A-Z_]+)$/, `${method}: ${e.message}`);
        assert.ok([method, ...(method === 'classifyFd' ? ['fd.read'] : [])].includes(e.step), `${e.step}: ${e.message}`);
        outcomes[e.constructor.name]++;
      }
    }
    fs.closeSync(fd);
    fs.rmSync(file);
    t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.resolved > 0 && outcomes.TypeError > 0 && outcomes.RangeError > 0 && outcomes.Error > 0, JSON.stringify(outcomes));
  });

  it('queues concurrent calls and answers each in order', async () => {
    const order = [];
    const calls = Array.from({ length: 24 }, (_, i) =>
      c.classify(rgbaImage(16, 16, i % 3).buffer, 16, 16, 'RGBA').then((r) => { order.push(i); return r; }));
    const results = await Promise.all(calls);
    assert.deepEqual(order, [...Array(24).keys()], 'FIFO completion');
    for (let i = 3; i < 24; i++) assert.deepEqual(results[i].top, results[i % 3].top, `call ${i} equals call ${i % 3}`);
  });

  it('benchmarks with progress, statistics and a duration limit', async () => {
    const progress = [];
    const r = await c.benchmark({ iterations: 300, warmup: 3, mode: 'copy' }, (p) => progress.push(p));
    assert.equal(r.mode, 'copy');
    assert.equal(r.iterations, 300);
    assert.equal(r.samplesMs.length, 300);
    assert.equal(r.warmup, 3);
    assert.equal(r.cancelled, false);
    const sorted = [...r.samplesMs].sort((a, b) => a - b);
    assert.equal(r.latencyMs.min, sorted[0]);
    assert.equal(r.latencyMs.max, sorted[299]);
    assert.ok(r.latencyMs.min <= r.latencyMs.p50 && r.latencyMs.p50 <= r.latencyMs.p90 && r.latencyMs.p90 <= r.latencyMs.p99);
    assert.ok(r.throughputPerSec > 0 && r.firstRunMs > 0);
    // The runner's R-7 p50 (numpy's default), its window p50s (10 slices of 30 runs) and drift; not reportable.
    const r7 = (xs, p) => { const h = (xs.length - 1) * p / 100, lo = Math.floor(h); return xs[lo] + (h - lo) * ((xs[lo + 1] ?? xs[lo]) - xs[lo]); };
    assert.equal(r.latencyMs.p50, r7(sorted, 50));
    assert.equal(r.windowP50Ms.length, 10);
    assert.equal(r.windowP50Ms[0], r7(r.samplesMs.slice(0, 30).sort((a, b) => a - b), 50));
    assert.equal(r.drift, r.windowP50Ms[9] / r.windowP50Ms[0]);
    assert.equal(r.valid, false);
    assert.ok(progress.length >= 1);
    assert.deepEqual(progress.at(-1), { done: 300, total: 300, lastMs: r.samplesMs[299] });

    const start = Date.now();
    const timed = await c.benchmark({ iterations: 1000000, warmup: 0, durationMs: 150 });
    assert.ok(timed.iterations > 0 && timed.iterations < 1000000);
    assert.equal(timed.cancelled, false);
    assert.ok(Date.now() - start < 5000);
  });

  it('cancel() stops a running benchmark, which resolves with what it has', async () => {
    let cancelled = false;
    const r = await c.benchmark({ iterations: 1000000, warmup: 0 }, () => {
      if (!cancelled) { cancelled = true; c.cancel(); }
    });
    assert.equal(r.cancelled, true);
    assert.ok(r.iterations > 0 && r.iterations < 1000000);
    assert.equal(r.samplesMs.length, r.iterations);
  });

  it('EXPECTED FAILURE - a throwing progress callback rejects the benchmark', async () => {
    await assertFails(c.benchmark({ iterations: 1000000, warmup: 0 }, () => { throw new RangeError('stop here'); }),
      RangeError, /^stop here$/);
    const r = await c.classify(px, 16, 16, 'RGBA');  // still usable
    assert.equal(r.top.length, 5);
  });
});

describe('createBenchmarkPlan and latencyStats (the native runner for loops JavaScript drives)', () => {
  it('announces first run, warm-up and timed runs, then gives the runner\'s statistics', () => {
    const plan = api.createBenchmarkPlan({ iterations: 4, warmup: 2 });
    const phases = [];
    const times = [9, 8, 7, 4, 1, 3, 2];
    for (let phase = plan.next(), i = 0; phase !== 'done'; phase = plan.next(), i++) {
      phases.push(phase);
      assert.equal(plan.next(), phase, 'asking again announces the same run');
      plan.record(times[i]);
    }
    assert.deepEqual(phases, ['first-run', 'warmup', 'warmup', 'timed', 'timed', 'timed', 'timed']);
    const r = plan.result();
    assert.equal(r.firstRunMs, 9);
    assert.equal(r.warmup, 2);
    assert.deepEqual(r.samplesMs, [4, 1, 3, 2]);
    assert.equal(r.latencyMs.p50, 2.5);
    assert.equal(r.cancelled, false);
    assert.deepEqual(api.latencyStats([4, 1, 3, 2]), r.latencyMs);
    plan.release();
    plan.release();  // harmless
  });

  it('cancel() ends the plan with what was recorded', () => {
    const plan = api.createBenchmarkPlan({ iterations: 100, warmup: 0 });
    plan.next(); plan.record(1);
    plan.next(); plan.record(2);
    plan.cancel();
    assert.equal(plan.next(), 'done');
    assert.deepEqual(plan.result().samplesMs, [2]);
    assert.equal(plan.result().cancelled, true);
    plan.release();
  });

  it('BAD CALL - record without next, a bad time, result before done, calls after release, bad options and series', async () => {
    const plan = api.createBenchmarkPlan({ iterations: 1, warmup: 0 });
    await assertFails(() => plan.record(1), TypeError, /^benchmark\.record: NPULENS_INVALID_ARGUMENT \(1000\): no run announced by next\(\)$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'benchmark.record' });
    plan.next();
    await assertFails(() => plan.record(-1), RangeError, /^benchmark\.record: NPULENS_OUT_OF_RANGE \(1001\): a run's time must be a finite value ≥ 0/);
    await assertFails(() => plan.record('1'), TypeError, /^benchmark\.record: .*ms must be a number$/);
    await assertFails(() => plan.result(), TypeError, /^benchmark\.result: .*the benchmark is not done \(next run: first-run\)$/);
    plan.release();
    await assertFails(() => plan.next(), Error, /^next: NPULENS_RELEASED \(1004\): the benchmark plan was released$/,
      { code: 'NPULENS_RELEASED', step: 'next' });
    await assertFails(() => api.createBenchmarkPlan({ iterations: 0 }), RangeError,
      /^createBenchmarkPlan: NPULENS_OUT_OF_RANGE \(1001\): options\.iterations/);
    await assertFails(() => api.createBenchmarkPlan(5), TypeError, /^createBenchmarkPlan: .*options must be an object$/);
    await assertFails(() => api.latencyStats([]), TypeError, /^latencyStats: NPULENS_INVALID_ARGUMENT \(1000\): no samples$/);
    await assertFails(() => api.latencyStats([1, 'x']), TypeError, /^latencyStats: .*samplesMs\[1\] is not a number$/);
    await assertFails(() => api.latencyStats([1, -2]), RangeError, /^latencyStats: .*sample 1 is not a finite value ≥ 0$/);
  });
});

describe('release', () => {
  it('EXPECTED FAILURE - every call after release rejects; info stays; double release is harmless', async () => {
    const c = await loadTiny();
    const info = c.info;
    c.release();
    c.release();
    assert.deepEqual(c.info, info);
    const expect = { code: 'NPULENS_RELEASED' };
    await assertFails(c.classify(px, 16, 16, 'RGBA'), Error, /^classify: NPULENS_RELEASED \(1004\): the classifier was released$/,
      { ...expect, step: 'classify' });
    await assertFails(c.classifyFd(0, 0, 1024, 16, 16, 'RGBA'), Error, /the classifier was released/, { ...expect, step: 'classifyFd' });
    await assertFails(c.inspect(px, 16, 16, 'RGBA'), Error, /the classifier was released/, { ...expect, step: 'inspect' });
    await assertFails(c.benchmark({}), Error, /the classifier was released/, { ...expect, step: 'benchmark' });
    c.cancel();
  });

  it('EXPECTED FAILURE - release during in-flight work: the running call finishes, queued ones reject', async () => {
    const c = await loadTiny();
    const running = c.classify(px, 16, 16, 'RGBA');
    // release() rejects queued calls synchronously: take their outcomes before it runs.
    const queued = [c.classify(px, 16, 16, 'RGBA'), c.inspect(px, 16, 16, 'RGBA'), c.benchmark({ iterations: 10 })]
      .map((p) => p.then(() => assert.fail('a queued call ran after release()'), (e) => Promise.reject(e)).catch((e) => e));
    c.release();
    const first = await running;
    assert.equal(first.top.length, 5);
    for (const q of queued) {
      await assertFails(q.then((e) => { throw e; }), Error, /^release: NPULENS_RELEASED \(1004\): the classifier was released$/,
        { code: 'NPULENS_RELEASED', step: 'release' });
    }
    await assertFails(c.classify(px, 16, 16, 'RGBA'), Error, /released/, { code: 'NPULENS_RELEASED' });
  });

  it('release() stops a running benchmark, which resolves cancelled', async () => {
    const c = await loadTiny();
    let released = false;
    const r = await c.benchmark({ iterations: 1000000, warmup: 0 }, () => {
      if (!released) { released = true; c.release(); }
    });
    assert.equal(r.cancelled, true);
    await assertFails(c.benchmark({}), Error, /released/, { code: 'NPULENS_RELEASED' });
  });
});

describe('listDevices and device selection', () => {
  it('lists the host CPU device picked by auto and cpu, and no NPU', () => {
    assert.deepEqual(api.listDevices(), [{ name: 'hostnn_cpu', type: 'cpu', selectedBy: ['auto', 'cpu'] }]);
  });

  it('picks a device named HIAI_F for auto and npu when one is registered (test device)', async () => {
    const native = api.__native ?? null;
    assert.equal(native, null, 'the public API does not expose test hooks');
    const addon = (await import('./helpers.mjs')).require(process.env.NPULENS_ADDON);
    addon.registerTestDevice('HIAI_F', 'accelerator');
    try {
      const devices = api.listDevices();
      assert.deepEqual(devices.map((d) => [d.name, d.selectedBy]), [['hostnn_cpu', ['cpu']], ['HIAI_F', ['auto', 'npu']]]);
      const c = await loadTiny('tiny-fp32', { device: 'npu' });
      try {
        assert.equal(c.info.device.name, 'HIAI_F');
        assert.equal(c.info.policy, 'npu');
        assert.equal((await c.classify(px, 16, 16, 'RGBA')).device, 'HIAI_F');
      } finally {
        c.release();
      }
    } finally {
      addon.resetTestDevices();
    }
    assert.equal(api.listDevices().length, 1);
  });

  it('an HIAI_F that refuses the model cache: an npu load with a cacheDir succeeds and reports the cache refused', async () => {
    const addon = require(process.env.NPULENS_ADDON);
    addon.registerTestDevice('HIAI_F', 'accelerator', { cache: false });
    try {
      const c = await loadTiny('tiny-fp32', { device: 'npu', cacheDir: os.tmpdir() });
      try {
        assert.equal(c.info.device.name, 'HIAI_F');
        const cache = c.info.options.find((o) => o.name === 'cache');
        assert.deepEqual({ accepted: cache?.accepted, code: cache?.code }, { accepted: false, code: 'OH_NN_OPERATION_FORBIDDEN' });
        assert.equal((await c.classify(px, 16, 16, 'RGBA')).device, 'HIAI_F');
      } finally {
        c.release();
      }
    } finally {
      addon.resetTestDevices();
    }
  });

  it('BAD CALL - registerTestDevice with a profile of the wrong type', () => {
    const addon = require(process.env.NPULENS_ADDON);
    assert.throws(() => addon.registerTestDevice('HIAI_F', 'accelerator', 'no cache'), { name: 'TypeError',
      message: /^registerTestDevice: NPULENS_INVALID_ARGUMENT \(1000\): profile must be an object$/, code: 'NPULENS_INVALID_ARGUMENT' });
    assert.throws(() => addon.registerTestDevice('HIAI_F', 'accelerator', { cache: 0 }), { name: 'TypeError', message: /profile\.cache must be a boolean/ });
    assert.throws(() => addon.registerTestDevice('HIAI_F', 'accelerator', { offlineModels: 'yes' }), { name: 'TypeError', message: /profile\.offlineModels must be a boolean/ });
    assert.throws(() => addon.registerTestDevice('HIAI_F', 'accelerator', { buildDelayMs: -1 }), { name: 'RangeError', message: /profile\.buildDelayMs must be within 0\.\.600000, got -1/ });
    assert.equal(api.listDevices().length, 1, 'nothing registered');
  });
});
