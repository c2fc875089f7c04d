// `npulens verify` (src/cli/verify.ts, src/cli/verify/) through runVerify: the metrics on known vectors, fp32 vs
// itself / vs int8 on the bundled samples, ours vs onnxruntime-node, thresholds and their error line, --json shapes,
// and bad inputs (exit 1 with one `error: <what> (<where>)` line, exit 2 for usage errors).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  api, assertCliUsageError, assertRuntimeError, bundledRawfileDir, fixtures, haveBundledModels, repoRoot, require,
  runInProcess, textSink,
} from './helpers.mjs';

const { runVerify } = require(path.join(repoRoot, 'dist', 'cli', 'verify.js'));
const metrics = require(path.join(repoRoot, 'dist', 'cli', 'verify', 'metrics.js'));
const { decodeImage } = require(path.join(repoRoot, 'dist', 'cli', 'image.js'));
const { OrtSession } = require(path.join(repoRoot, 'dist', 'ort', 'session.js'));

// The bundled manifest, whatever the environment says; the host runtime's default thread count, not a forced one.
process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
delete process.env.NPULENS_THREADS;
const samples = path.join(bundledRawfileDir, 'samples');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-verify-'));
const small = path.join(tmp, 'small');  // four small samples: most checks need no 4032x3024 JPEG decode
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  assert.ok(haveBundledModels, `bundled models expected in ${bundledRawfileDir}`);
  fs.mkdirSync(small);
  for (const f of ['car_480x640.png', 'key_256x256.png', 'star_96x96.png', 'sun_64x48.png']) {
    fs.copyFileSync(path.join(samples, f), path.join(small, f));
  }
});

const verify = (...args) => runInProcess(runVerify, args);

async function verifyJson(...args) {
  const r = await verify(...args, '--json', '-');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
}

const assertUsageError = (r, pattern) => assertCliUsageError(r, pattern, /usage: npulens verify/);

const sampleImages = () => fs.readdirSync(samples).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();

describe('verify metrics', () => {
  it('log-scores of a softmax are the centred logits; cosine, max |Δ|, top-k', () => {
    const logits = [2, -1, 0.5, 7, 3];
    const e = logits.map((v) => Math.exp(v));
    const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    const z = metrics.centredLogScores(Float32Array.from(p));
    const c = metrics.centredLogits(logits);
    assert.deepEqual(Array.from(c), logits.map((v) => v - 2.3));
    assert.ok(metrics.maxAbsDiff(z, c) < 1e-6, `${Array.from(z)} vs ${Array.from(c)}`);
    assert.equal(metrics.cosine([1, 0], [0, 1]), 0);
    assert.equal(metrics.cosine([1, 2], [-2, -4]), -1);
    assert.ok(Math.abs(metrics.cosine([1, 2, 3], [1, 2, 4]) - 17 / Math.sqrt(14 * 21)) < 1e-15);
    assert.equal(metrics.cosine([0, 0], [0, 0]), 1);
    assert.equal(metrics.cosine([0, 0], [1, 0]), 0);
    assert.deepEqual(metrics.topK([0.1, 0.5, 0.5, 0.2], 3), [1, 2, 3]);
    // An underflowed score stays finite.
    assert.ok(Number.isFinite(metrics.centredLogScores([1, 0])[1]));
  });

  it('summary and threshold sentences', () => {
    const a = Float64Array.from([2, 0, -2]);
    const rows = [
      metrics.compareImage('x.png', a, a),
      metrics.compareImage('y.png', a, Float64Array.from([0, 2, -2])),
    ];
    assert.equal(rows[1].top1Agree, false);
    assert.equal(rows[1].top5Agree, true);  // 3 classes: top-5 is every class
    assert.equal(rows[1].maxAbsError, 2);
    const s = metrics.summarize(rows, 0.99);
    assert.equal(s.images, 2);
    assert.equal(s.cosine.min, 0.5);  // (0 + 0 + 4) / 8
    assert.equal(s.cosine.mean, 0.75);
    assert.equal(s.imagesBelowThreshold, 1);
    assert.equal(s.shareAtOrAboveThreshold, 0.5);
    assert.equal(s.top1Agreement, 0.5);
    assert.deepEqual(metrics.checkThresholds(s, { minCosine: 0.99, minShare: 0.5 }), []);
    const failures = metrics.checkThresholds(s, { minCosine: 0.99, minShare: 1, minTop1: 0.9, maxAbs: 1.5 });
    assert.equal(failures.length, 3);
    assert.match(failures[0], /^cosine: 1 of 2 images below --min-cosine 0\.99 \(50\.00% at or above, --min-share needs 100\.00%; lowest 0\.500000, short by 4\.90e-1\)$/);
    assert.equal(failures[1], 'top-1 agreement 50.00% < --min-top1 90.00% (short by 40.00 points)');
    assert.equal(failures[2], 'max abs error 2.000e+0 > --max-abs 1.5 (over by 5.000e-1)');
  });
});

describe('verify on the bundled models', () => {
  it('fp32 vs itself: cosine 1, full agreement, exit 0', async () => {
    const doc = await verifyJson(small, '--model', 'shapes-fp32', '--against', 'shapes-fp32');
    assert.equal(doc.summary.images, 4);
    assert.ok(doc.summary.cosine.min > 1 - 1e-12, `min cosine ${doc.summary.cosine.min}`);
    assert.equal(doc.summary.top1Agreement, 1);
    assert.equal(doc.summary.top5Agreement, 1);
    assert.ok(doc.summary.maxAbsError < 1e-5, `max abs ${doc.summary.maxAbsError}`);
    assert.equal(doc.pass, true);
    assert.deepEqual(doc.failures, []);
  });

  it('fp32 vs int8 on the samples: cosine >= 0.99, passes the defaults; table and JSON file agree', async () => {
    const jsonFile = path.join(tmp, 'fp32-int8.json');
    const r = await verify(samples, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--json', jsonFile);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const doc = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    const s = doc.summary;
    assert.equal(s.images, sampleImages().length);
    // The samples folder's two test fixtures (not images): skipped.
    assert.deepEqual(doc.skipped, ['decode_size.json', 'golden.json'].map((f) => path.join(samples, f)));
    assert.ok(s.cosine.min >= 0.99 && s.cosine.min < 1, `min cosine ${s.cosine.min}`);
    assert.ok(s.maxAbsError > 0, 'int8 differs from fp32');
    assert.equal(s.top1Agreement, 1);
    assert.deepEqual(doc.thresholds, { minCosine: 0.99, minShare: 1 });
    assert.match(r.stdout, /^reference: shapes-fp32 \(fp32, .*shapes_fp32\.onnx\) on ours — host runtime/m);
    assert.match(r.stdout, /^candidate: shapes-int8 \(int8, .*shapes_int8\.onnx\) on ours/m);
    assert.match(r.stdout, /^ {2}star_96x96\.png +0\.99\d{4} +\d\.\d+ +star +star +same$/m);
    assert.ok(r.stdout.includes(`summary: ${s.images} images (2 other files skipped)`));
    assert.ok(r.stdout.includes(`cosine mean ${s.cosine.mean.toFixed(6)}, min ${s.cosine.min.toFixed(6)}; 100.00% of images >= 0.99`));
    assert.ok(r.stdout.includes(`top-1 agreement 100.00%, top-5 agreement ${(s.top5Agreement * 100).toFixed(2)}%`));
    assert.match(r.stdout, /^result: pass$/m);
    assert.ok(r.stdout.endsWith(`JSON written to ${jsonFile}\n`));

    // Every per-image cosine recomputed independently: onnxruntime-node on our pre-processed input, raw logits.
    const sessions = {}, classifiers = {};
    try {
      for (const id of ['shapes-fp32', 'shapes-int8']) {
        // Pre-processed on the CPU, as verify does: the model input onnxruntime gets is observable only there.
        classifiers[id] = await api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: id, preprocessing: 'cpu' });
        sessions[id] = await OrtSession.open(
          path.join(bundledRawfileDir, 'models', id === 'shapes-fp32' ? 'shapes_fp32.onnx' : 'shapes_int8.onnx'),
          { threads: 1 });  // as the verify engine: unfused QDQ
      }
      for (const row of doc.images.slice(0, 4)) {
        // Decoded as verify decodes (at the size both models need: image.ts, checked in cli-decode.test.mjs).
        const img = await decodeImage(row.image, Object.values(classifiers));
        const logits = {};
        for (const id of Object.keys(sessions)) {
          const ins = await classifiers[id].inspect(img.pixels, img.width, img.height, 'RGBA');
          const out = await sessions[id].run(sessions[id].tensor(ins.input, ins.inputShape, ins.inputDType));
          assert.equal(sessions[id].outputName, 'logits');
          const l = Array.from(out.data);
          const mean = l.reduce((a, b) => a + b, 0) / l.length;
          logits[id] = l.map((v) => v - mean);
        }
        const [a, b] = [logits['shapes-fp32'], logits['shapes-int8']];
        const dot = a.reduce((acc, v, i) => acc + v * b[i], 0);
        const cos = dot / Math.sqrt(a.reduce((acc, v) => acc + v * v, 0) * b.reduce((acc, v) => acc + v * v, 0));
        assert.ok(Math.abs(cos - row.cosine) < 1e-5, `${row.image}: verify ${row.cosine}, independent ${cos}`);
        const maxAbs = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
        assert.ok(Math.abs(maxAbs - row.maxAbsError) < 1e-3, `${row.image}: verify ${row.maxAbsError}, independent ${maxAbs}`);
      }
    } finally {
      for (const c of Object.values(classifiers)) c.release();
      for (const s of Object.values(sessions)) await s.release();
    }
  });

  it('unmet thresholds: exit 1, one line naming each threshold and by how much; summary still printed', async () => {
    const r = await verify(small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--min-cosine', '1.0',
      '--max-abs', '0', '--min-top1', '0.98');
    assertRuntimeError(r, /^error: below thresholds: cosine: 4 of 4 images below --min-cosine 1 \(0\.00% at or above, --min-share needs 100\.00%; lowest 0\.99\d+, short by \d\.\d\de-\d\); max abs error \d\.\d{3}e-\d > --max-abs 0 \(over by \d\.\d{3}e-\d\) \(verify shapes-fp32\/ours vs shapes-int8\/ours\)$/);
    assert.doesNotMatch(r.stderr, /top-1/);  // top-1 agreement is 100%: not a failure
    assert.match(r.stdout, /^summary: 4 images$/m);
    assert.match(r.stdout, /^result: FAIL \(2 of the thresholds missed\)$/m);
  });

  it('--min-share: the share of images at or above --min-cosine decides', async () => {
    const doc = await verifyJson(small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--min-cosine', '0.999');
    const cosines = doc.images.map((i) => i.cosine).sort((x, y) => x - y);
    // A threshold between the 2nd and 3rd lowest image: half the images at or above it.
    const threshold = String((cosines[1] + cosines[2]) / 2);
    const half = await verify(small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--min-cosine', threshold,
      '--min-share', '0.5');
    assert.equal(half.code, 0, half.stderr);
    assert.match(half.stdout, /50\.00% of images >= /);
    const more = await verify(small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--min-cosine', threshold,
      '--min-share', '0.75', '--json', '-');
    assertRuntimeError(more, /cosine: 2 of 4 images below --min-cosine .* \(50\.00% at or above, --min-share needs 75\.00%/);
    const partial = JSON.parse(more.stdout);
    assert.equal(partial.pass, false);
    assert.equal(partial.failures.length, 1);
    assert.equal(partial.summary.imagesBelowThreshold, 2);
  });

  for (const id of ['shapes-int8', 'shapes-fp32']) {
    it(`ours vs ort on ${id}: the engines agree`, async () => {
      const doc = await verifyJson(id === 'shapes-int8' ? samples : small, '--model', id, '--engine', 'ours',
        '--against-engine', 'ort', '--threads', '1');
      assert.equal(doc.reference.engine, 'ours');
      assert.equal(doc.candidate.engine, 'ort');
      assert.match(doc.candidate.device.name, /^onnxruntime-node \d+\.\d+/);
      assert.equal(doc.reference.model.id, id);
      assert.equal(doc.candidate.model.id, id);
      assert.equal(doc.threads, 1);
      assert.ok(doc.summary.cosine.min > 0.9999, `min cosine ${doc.summary.cosine.min}`);
      assert.equal(doc.summary.top1Agreement, 1);
      // int8: ours (exact int32) and ort's fp32 QDQ may land on either side of a rounding tie: one logit LSB (0.0370).
      assert.ok(doc.summary.maxAbsError < (id === 'shapes-int8' ? 0.0371 : 1e-2), `max abs ${doc.summary.maxAbsError}`);
    });
  }

  it('--json - prints one document of the documented shape and nothing else', async () => {
    const listFile = path.join(tmp, 'list.txt');
    fs.writeFileSync(listFile, `# two samples\n${path.relative(tmp, path.join(samples, 'moon_800x600.png'))}\n\n` +
      `${path.join(samples, 'key_256x256.png')}\n`);
    const doc = await verifyJson('--list', listFile, '--model', 'shapes-int8', '--against-engine', 'ort');
    assert.deepEqual(Object.keys(doc), ['reference', 'candidate', 'threads', 'compared', 'thresholds', 'summary', 'pass',
      'failures', 'images', 'skipped', 'throughput']);
    assert.deepEqual(Object.keys(doc.reference), ['model', 'engine', 'device']);
    assert.deepEqual(Object.keys(doc.reference.model), ['id', 'path', 'precision']);
    assert.deepEqual(Object.keys(doc.summary), ['images', 'cosine', 'cosineThreshold', 'imagesBelowThreshold',
      'shareAtOrAboveThreshold', 'top1Agreement', 'top5Agreement', 'maxAbsError']);
    assert.equal(doc.images.length, 2);
    assert.deepEqual(doc.images.map((i) => path.basename(i.image)), ['moon_800x600.png', 'key_256x256.png']);
    for (const row of doc.images) {
      assert.deepEqual(Object.keys(row), ['image', 'cosine', 'maxAbsError', 'top1', 'top1Agree', 'top5Agree']);
      assert.equal(typeof row.cosine, 'number');
      assert.equal(row.top1.reference, row.top1.candidate);
    }
    assert.deepEqual(doc.skipped, []);
  });
});

describe('what the runtime resolved: ModelInfo.threads, .labels and .outputKind, which verify uses', () => {
  const load = (extra = {}) => api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-fp32', ...extra });

  it('threads: one for a model under 50 M MACs by default, the count asked for otherwise', async () => {
    const byDefault = await load();
    api.setThreadCount(2);
    let asked;
    try {
      asked = await load();
    } finally {
      api.setThreadCount(0);
    }
    try {
      assert.equal(byDefault.info.threads, 1);
      assert.equal(asked.info.threads, 2);
    } finally {
      byDefault.release();
      asked.release();
    }
  });

  it('labels: the labels file, one per class; #<index> for a model without one', async () => {
    const withLabels = await load();
    const without = await api.loadClassifier({ modelPath: path.join(fixtures, 'models', 'tiny_fp32.onnx'), classes: 5,
      input: { width: 16, height: 16 } });
    try {
      const file = fs.readFileSync(path.join(bundledRawfileDir, 'models', 'shapes_labels.txt'), 'utf8');
      assert.deepEqual(withLabels.info.labels, file.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
      assert.equal(withLabels.info.labels.length, withLabels.info.classes);
      assert.deepEqual(without.info.labels, ['#0', '#1', '#2', '#3', '#4']);
    } finally {
      withLabels.release();
      without.release();
    }
  });

  it('outputKind: the manifest\'s output.kind, or what a file load says', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(bundledRawfileDir, 'models', 'manifest.json'), 'utf8'));
    const fromManifest = await load();
    const file = (outputKind) => api.loadClassifier({ modelPath: path.join(fixtures, 'models', 'tiny_fp32.onnx'),
      classes: 5, input: { width: 16, height: 16 }, outputKind });
    const probabilities = await file('probabilities');
    const logits = await file('logits');
    try {
      assert.equal(fromManifest.info.outputKind, manifest.models.find((m) => m.id === 'shapes-fp32').output.kind);
      assert.equal(probabilities.info.outputKind, 'probabilities');
      assert.equal(logits.info.outputKind, 'logits');
    } finally {
      fromManifest.release();
      probabilities.release();
      logits.release();
    }
  });

  it('without --threads verify runs each model as classify would, and onnxruntime on as many threads', async () => {
    const doc = await verifyJson(small, '--model', 'shapes-fp32', '--against-engine', 'ort');
    assert.equal(doc.threads, 1, 'shapes-fp32 is under 50 M MACs: one thread, as classify runs it');
    const r = await verify(small, '--model', 'shapes-fp32', '--against', 'shapes-int8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^threads 1; /m);
    // The labels printed are the ones the runtime loaded.
    assert.match(r.stdout, /^ {2}star_96x96\.png +\S+ +\S+ +star +star +same$/m);
  });
});

describe('verify over a fake backend', () => {
  function fakeBackend(classesById, probabilitiesById) {
    const model = (id) => ({ id, title: id, precision: 'fp32', pretrained: true, default: false, notes: '', labelsPath: '',
      inputWidth: 4, inputHeight: 4, classes: classesById[id],
      targets: [{ name: 'onnx', file: `${id}.onnx`, path: `/fake/${id}.onnx`, sha256: '' }] });
    const backend = {
      threads: [], loaded: [], released: [],
      readManifest: () => ({ file: '/fake/models/manifest.json', directory: '/fake/models', models: Object.keys(classesById).map(model) }),
      listDevices: () => [],
      setThreadCount(n) { backend.threads.push(n); },
      async loadClassifier(options) {
        const id = options.modelId;
        backend.loaded.push(id);
        return {
          info: { classes: classesById[id], labels: Array.from({ length: classesById[id] }, (_, i) => `${id}${i}`),
            threads: 1, outputKind: 'logits', device: { name: 'fake_cpu', type: 'cpu' } },
          inspect: async () => ({ input: new ArrayBuffer(4), inputShape: [1], inputDType: 'float32',
            probabilities: Float32Array.from(probabilitiesById[id]) }),
          release() { backend.released.push(id); },
        };
      },
    };
    return backend;
  }

  it('compares the scores the classifiers give, passes --threads on, releases every classifier', async () => {
    // log-scores centred: a -> [1, 0, -1], b -> [0, 1, -1]: cosine 0.5, max |Δ| 1, top-1 differs.
    const e = Math.E;
    const norm = (v) => v.map((x) => x / v.reduce((s, y) => s + y, 0));
    const backend = fakeBackend({ a: 3, b: 3 }, { a: norm([e * e, e, 1]), b: norm([e, e * e, 1]) });
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await runVerify([path.join(small, 'star_96x96.png'), '--model', 'a', '--against', 'b', '--threads', '3',
      '--min-cosine', '0.4', '--json', '-'], io, backend);
    assert.equal(code, 0, io.stderr.text);
    const doc = JSON.parse(io.stdout.text);
    assert.ok(Math.abs(doc.images[0].cosine - 0.5) < 1e-6, `cosine ${doc.images[0].cosine}`);
    assert.ok(Math.abs(doc.images[0].maxAbsError - 1) < 1e-6, `max abs ${doc.images[0].maxAbsError}`);
    assert.deepEqual(doc.images[0].top1, { reference: 0, candidate: 1 });
    assert.equal(doc.summary.top1Agreement, 0);
    assert.deepEqual(doc.reference.device, { name: 'fake_cpu', type: 'cpu' });
    assert.deepEqual(backend.threads, [3]);
    assert.deepEqual(backend.loaded, ['a', 'b']);
    assert.deepEqual(backend.released.sort(), ['a', 'b']);
  });

  it('releases the classifiers when the class counts differ', async () => {
    const backend = fakeBackend({ a: 3, b: 4 }, { a: [0.2, 0.3, 0.5], b: [0.25, 0.25, 0.25, 0.25] });
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await runVerify([small, '--model', 'a', '--against', 'b'], io, backend);
    assert.equal(code, 1);
    assert.equal(io.stderr.text, 'error: class counts differ: a has 3, b has 4; verify compares models over the same classes ' +
      '(/fake/a.onnx vs /fake/b.onnx)\n');
    assert.deepEqual(backend.released.sort(), ['a', 'b']);
  });
});

describe('verify: bad input', () => {
  it('empty folder, folder without images, non-image files, missing paths: exit 1 naming them', async () => {
    const empty = path.join(tmp, 'empty');
    const notes = path.join(tmp, 'notes');
    fs.mkdirSync(empty);
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(notes, 'readme.txt'), 'not an image\n');
    const fakePng = path.join(tmp, 'text.png');
    fs.writeFileSync(fakePng, 'this is text, not a PNG\n');
    const args = ['--model', 'shapes-fp32', '--against', 'shapes-int8'];
    assertRuntimeError(await verify(empty, ...args), new RegExp(`^error: no PNG/JPEG images in folder \\(empty\\) \\(${empty}\\)$`));
    assertRuntimeError(await verify(notes, ...args), /^error: no PNG\/JPEG images in folder \(1 other entries\) \(.*notes\)$/);
    assertRuntimeError(await verify(path.join(notes, 'readme.txt'), ...args), /^error: cannot decode image: .* \(.*readme\.txt\)$/);
    assertRuntimeError(await verify(small, fakePng, ...args), /^error: cannot decode image: .* \(.*text\.png\)$/);
    assertRuntimeError(await verify(path.join(tmp, 'nope'), ...args), /^error: no such image or folder \(.*nope\)$/);
    const emptyList = path.join(tmp, 'empty-list.txt');
    fs.writeFileSync(emptyList, '# nothing\n\n');
    assertRuntimeError(await verify('--list', emptyList, ...args), /^error: image list names no image \(.*empty-list\.txt\)$/);
  });

  it('unknown model and mismatched class counts: exit 1', async () => {
    assertRuntimeError(await verify(small, '--model', 'nope', '--against', 'shapes-int8'),
      /^error: unknown model 'nope' \(known: .*shapes-int8.*\) \(.*manifest\.json\)$/);
    assertRuntimeError(await verify(small, '--model', 'shapes-fp32', '--against', 'nope-int8'),
      /^error: unknown model 'nope-int8'/);
    const tiny = path.join(fixtures, 'models', 'tiny_fp32.onnx');
    assertRuntimeError(await verify(small, '--model', 'shapes-fp32', '--against', tiny, '--against-size', '16x16',
      '--against-labels', path.join(fixtures, 'models', 'tiny_labels.txt')),
    /^error: class counts differ: shapes-fp32 has 12, tiny_fp32 has 5; verify compares models over the same classes \(.*shapes_fp32\.onnx vs .*tiny_fp32\.onnx\)$/);
  });

  it('bad flag values and missing arguments: exit 2 with the reason', async () => {
    const m = ['--model', 'shapes-fp32', '--against', 'shapes-int8'];
    assertUsageError(await verify(...m), /^error: verify needs an image folder, images or --list FILE$/);
    assertUsageError(await verify(small, ...m, '--min-cosine', '1.5'), /^error: --min-cosine must be a number in \[-1, 1\], got '1\.5'$/);
    assertUsageError(await verify(small, ...m, '--min-top1', 'abc'), /^error: --min-top1 must be a number in \[0, 1\], got 'abc'$/);
    assertUsageError(await verify(small, ...m, '--min-share', ''), /^error: --min-share must be a number in \[0, 1\], got ''$/);
    assertUsageError(await verify(small, ...m, '--max-abs=-1'), /^error: --max-abs must be a number in \[0, /);
    assertUsageError(await verify(small, ...m, '--engine', 'tpu'), /^error: --engine must be one of ours, ort, got 'tpu'$/);
    assertUsageError(await verify(small, ...m, '--threads', '0'), /^error: --threads must be between 1 and 256, got '0'$/);
    assertUsageError(await verify(small, ...m, '--bogus'), /^error: Unknown option '--bogus'/);
    assertUsageError(await verify(small, '--model', 'shapes-fp32'), /^error: nothing to compare/);
    assertUsageError(await verify(small, '--model', 'shapes-fp32', '--against-size', '16x16'),
      /^error: --against-size needs --against <file\.onnx>$/);
    assertUsageError(await verify(small, '--model', 'shapes-fp32', '--against', path.join(fixtures, 'models', 'tiny_fp32.onnx')),
      /^error: --against-size WxH is required with a model file$/);
    assertUsageError(await verify(small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--against-mean', '1,2,3'),
      /^error: --against-mean applies to a model file only/);
  });

  it('--help prints the usage, exit 0', async () => {
    const r = await verify('--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: npulens verify <folder\|image\.\.\.>/);
  });
});
