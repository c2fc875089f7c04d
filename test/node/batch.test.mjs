// Dynamic batch through the Node API and the CLI: a model whose manifest target lists batchSizes (its ONNX file
// declaring the same gears in metadata hiai.dynamic_dims, as an .om converted with omg --dynamic_dims) loads for one
// of them (LoadOptions.batchSize), classifyBatch() runs up to that many images in ONE inference and gives each image
// what classify() gives it alone; benchmark() reports the batch and images per second; `npulens bench --batch`.
// Models: the fixtures' tiny fp32 and int8 CNNs, copied here with a symbolic batch dim and the gears 1;2;4.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  api, assertCliUsageError, assertFails, fixtures, releasedAfterTests, repoRoot, require, rgbaImage,
} from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));

const GEARS = [1, 2, 4];
let dir;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-batch-'));  // a rawfile folder: models/ holds the manifest
  const models = path.join(dir, 'models');
  fs.mkdirSync(models);
  const src = path.join(fixtures, 'models');
  const script = `
import sys, onnx
src, dst, gears = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(src)
for vi in list(m.graph.input) + list(m.graph.output):
    d = vi.type.tensor_type.shape.dim
    if d:
        d[0].Clear()
        d[0].dim_param = "N"
p = m.metadata_props.add()
p.key, p.value = "hiai.dynamic_dims", gears
onnx.save(m, dst)
`;
  for (const prec of ['fp32', 'int8']) {
    execFileSync('/usr/bin/python3', ['-c', script, path.join(src, `tiny_${prec}.onnx`),
      path.join(models, `tiny_${prec}_batch.onnx`), GEARS.join(';')]);
  }
  fs.copyFileSync(path.join(src, 'tiny_labels.txt'), path.join(models, 'tiny_labels.txt'));
  const base = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')).models;
  const entry = (id, file, batchSizes) => ({
    ...base.find((m) => m.id === id), id: `${id}-batch`, default: false,
    targets: { onnx: { file, ...(batchSizes === undefined ? {} : { batchSizes }) } },
  });
  const entries = [
    entry('tiny-fp32', 'tiny_fp32_batch.onnx', GEARS),
    entry('tiny-int8', 'tiny_int8_batch.onnx', GEARS),
    // The manifest says [1, 2, 8]: 8 is no gear of the file (the runtime refuses the input's shape).
    { ...entry('tiny-int8', 'tiny_int8_batch.onnx', [1, 2, 8]), id: 'tiny-wrong-gears' },
  ];
  fs.writeFileSync(path.join(models, 'manifest.json'), JSON.stringify({ version: 1, models: entries }));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const keep = releasedAfterTests();
const load = (modelId, extra = {}) => api.loadClassifier({ rawfileDir: dir, modelId, ...extra });
const image = (seed, w = 40, h = 30) => ({ pixels: rgbaImage(w, h, seed).buffer, width: w, height: h, format: 'RGBA' });

describe('dynamic batch: load, classifyBatch, benchmark', () => {
  it('a model with batch sizes loads for the smallest by default or for the one asked', async () => {
    const one = await keep(load('tiny-fp32-batch'));
    assert.deepEqual(one.info.batchSizes, GEARS);
    assert.equal(one.info.batchSize, 1);
    assert.equal(one.info.inputs[0].shape[0], 1);
    const four = await keep(load('tiny-fp32-batch', { batchSize: 4 }));
    assert.equal(four.info.batchSize, 4);
    assert.deepEqual(four.info.inputs[0].shape, [4, ...one.info.inputs[0].shape.slice(1)]);
    assert.equal(four.info.inputs[0].byteLength, 4 * one.info.inputs[0].byteLength);
    assert.deepEqual(four.info.outputs[0].shape, [4, one.info.classes]);
    // A model without batchSizes takes batch 1 only.
    const plain = await keep(api.loadClassifier({ rawfileDir: fixtures, modelId: 'tiny-fp32' }));
    assert.deepEqual(plain.info.batchSizes, [1]);
    assert.equal(plain.info.batchSize, 1);
  });

  for (const prec of ['fp32', 'int8']) {
    it(`${prec}: each image of a batch gets exactly what classify() gives it alone, in input order`, async () => {
      const single = await keep(load(`tiny-${prec}-batch`, { batchSize: 1 }));
      const batched = await keep(load(`tiny-${prec}-batch`, { batchSize: 4 }));
      const images = [image(1), image(2, 64, 48), image(3, 17, 90)];
      const classes = single.info.classes;
      const results = await batched.classifyBatch(images, classes);
      assert.equal(results.length, 3);
      for (let i = 0; i < images.length; i++) {
        const alone = await single.classify(images[i].pixels, images[i].width, images[i].height, 'RGBA', undefined,
          classes);
        assert.deepEqual(results[i].top, alone.top, `image ${i}`);
        // One inference for the whole batch: every result carries its timings (cpuBytesIn adds the image's own copy).
        const withoutBytes = (t) => Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'cpuBytesIn'));
        assert.deepEqual(withoutBytes(results[i].timings), withoutBytes(results[0].timings));
      }
      assert.notDeepEqual(results[0].top, results[1].top);  // different images, different scores
      // A single classify() on the batch-4 classifier (the other slots zero) is the same too.
      const viaClassify = await batched.classify(images[1].pixels, 64, 48, 'RGBA', undefined, classes);
      assert.deepEqual(viaClassify.top, results[1].top);
    });
  }

  it('benchmark runs the whole batch: batchSize and images per second', async () => {
    const four = await keep(load('tiny-int8-batch', { batchSize: 4 }));
    const r = await four.benchmark({ iterations: 5, warmup: 1 });
    assert.equal(r.batchSize, 4);
    assert.ok(Math.abs(r.imagesPerSec - 4 * r.throughputPerSec) < 1e-9 * r.imagesPerSec, String(r.imagesPerSec));
    const one = await keep(load('tiny-int8-batch'));
    const r1 = await one.benchmark({ iterations: 5, warmup: 1 });
    assert.equal(r1.batchSize, 1);
    assert.equal(r1.imagesPerSec, r1.throughputPerSec);
  });

  it('BAD CALL - a batch size the model does not take is a RangeError naming the sizes', async () => {
    await assertFails(load('tiny-fp32-batch', { batchSize: 3 }), RangeError, /batch size 3 is not one the model takes \(1, 2, 4\)/, { code: 'NPULENS_OUT_OF_RANGE', step: 'session.config' });
    await assertFails(api.loadClassifier({ rawfileDir: fixtures, modelId: 'tiny-fp32',
      batchSize: 2 }), RangeError, /not one the model takes \(1\)/, { code: 'NPULENS_OUT_OF_RANGE', step: 'session.config' });
    await assertFails(load('tiny-fp32-batch', { batchSize: 0 }), RangeError, /options\.batchSize/, { code: 'NPULENS_OUT_OF_RANGE', step: 'loadClassifier' });
    await assertFails(load('tiny-fp32-batch', { batchSize: 65 }), RangeError, /options\.batchSize/, { code: 'NPULENS_OUT_OF_RANGE', step: 'loadClassifier' });
    await assertFails(load('tiny-fp32-batch', { batchSize: '2' }), TypeError, /options\.batchSize/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'loadClassifier' });
  });

  it('BAD CALL - a manifest batch size that is no gear of the file fails at the run, naming the gears', async () => {
    const c = await keep(load('tiny-wrong-gears', { batchSize: 8 }));
    await assertFails(c.classifyBatch([image(1)]), Error, /not one of the model's gears/, { code: 'OH_NN_INVALID_PARAMETER', step: 'run.sync' });
  });

  it('BAD CALL - classifyBatch with no images, too many, or not BatchImages', async () => {
    const c = await keep(load('tiny-fp32-batch', { batchSize: 2 }));
    await assertFails(c.classifyBatch([]), RangeError, /1 to 2 images \(info\.batchSize\), got 0/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyBatch' });
    await assertFails(c.classifyBatch([image(1), image(2), image(3)]), RangeError, /got 3/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyBatch' });
    await assertFails(c.classifyBatch(image(1)), TypeError, /images must be an array/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyBatch' });
    await assertFails(c.classifyBatch([image(1), 7]), TypeError, /images\[1\] must be a BatchImage/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyBatch' });
    await assertFails(c.classifyBatch([image(1), { ...image(2), width: 'x' }]), TypeError, /images\[1\]\.width/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'classifyBatch' });
    await assertFails(c.classifyBatch([{ ...image(2), format: 'YUV' }]), RangeError, /images\[0\]\.format/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyBatch' });
    await assertFails(c.classifyBatch([image(1)], 0), RangeError, /topK/, { code: 'NPULENS_OUT_OF_RANGE', step: 'classifyBatch' });
    c.release();
    await assertFails(c.classifyBatch([image(1)]), Error, /released/, { code: 'NPULENS_RELEASED', step: 'classifyBatch' });
  });
});

async function cli(...args) {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: { write(s) { out.stdout += s; return true; } }, stderr: { write(s) { out.stderr += s; return true; } },
  };
  const prev = process.env.NPULENS_RAWFILE_DIR;
  process.env.NPULENS_RAWFILE_DIR = dir;
  try {
    return { code: await runCli(args, io), ...out };
  } finally {
    if (prev === undefined) delete process.env.NPULENS_RAWFILE_DIR;
    else process.env.NPULENS_RAWFILE_DIR = prev;
  }
}

describe('npulens classify --batch', () => {
  it('groups the images per inference and gives each what it gets alone', async () => {
    const samples = path.join(repoRoot, 'entry', 'src', 'main', 'resources', 'rawfile', 'samples');
    const files = fs.readdirSync(samples).filter((f) => /\.(png|jpe?g)$/i.test(f)).slice(0, 5)
      .map((f) => path.join(samples, f));
    assert.equal(files.length, 5);
    const alone = await cli('classify', '--model', 'tiny-int8-batch', '--json', '--top', '5', ...files);
    const grouped = await cli('classify', '--model', 'tiny-int8-batch', '--batch', '4', '--json', '--top', '5',
      ...files);
    assert.equal(alone.code, 0, alone.stderr);
    assert.equal(grouped.code, 0, grouped.stderr);
    const a = JSON.parse(alone.stdout).results, g = JSON.parse(grouped.stdout).results;
    assert.deepEqual(g.map((r) => r.image), files);
    assert.deepEqual(g.map((r) => r.top), a.map((r) => r.top));
    // Images 0..3 ran in one inference, image 4 in the next.
    assert.equal(g[0].timings.inferenceMs, g[3].timings.inferenceMs);
    assert.notEqual(g[3].timings.inferenceMs, g[4].timings.inferenceMs);
  });

  it('BAD CALL - --batch the model does not take, or with --frame', async () => {
    const r = await cli('classify', '--model', 'tiny-int8-batch', '--batch', '3', path.join(fixtures, 'x.png'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /batch size 3 is not one the model takes/);
    assertCliUsageError(await cli('classify', '--batch', '2', '--frame', 'nv21:64x48', 'f.yuv'),
      /--batch applies to images/);
    assertCliUsageError(await cli('classify', '--batch', '0', 'a.png'), /--batch/);
  });
});

describe('npulens bench --batch', () => {
  it('one load per batch size: per run latency, ms per image, images per second', async () => {
    const r = await cli('bench', '--model', 'tiny-int8-batch', '--batch', '1,4', '--iterations', '5', '--warmup', '1',
      '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.format, 'npulens-bench-batch/1');
    assert.deepEqual(doc.model.batchSizes, GEARS);
    assert.deepEqual(doc.runs.map((x) => [x.batchSize, x.mode, x.iterations]), [[1, 'zero-copy', 5], [4, 'zero-copy', 5]]);
    for (const x of doc.runs) {
      assert.ok(Math.abs(x.msPerImage - x.latencyMs.p50 / x.batchSize) < 1e-9);
      assert.ok(x.imagesPerSec > 0);
    }
    const table = await cli('bench', '--model', 'tiny-int8-batch', '--batch', '2', '--iterations', '3', '--warmup', '0');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /batch sizes 1, 2, 4/);
    assert.match(table.stdout, /^ *2 +zero-copy +3 /m);
  });

  it('BAD CALL - --batch with a size the model does not take, or malformed', async () => {
    const r = await cli('bench', '--model', 'tiny-int8-batch', '--batch', '1,3', '--iterations', '2');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /batch size 3 is not one the model takes \(1, 2, 4\)/);
    for (const bad of ['0', '1,,2', 'x', '65', '2,2']) {
      assertCliUsageError(await cli('bench', '--model', 'tiny-int8-batch', '--batch', bad), /--batch/);
    }
    assertCliUsageError(await cli('bench', '--model', 'tiny-int8-batch', '--batch', '1', '--source', 'nv21:64x48'),
      /--batch is a run of its own/);
  });
});
