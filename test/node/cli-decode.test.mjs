// The CLI's image loop (src/cli/image.ts): decoding at the size the classifier names (Classifier.decodeSize; the rule
// itself: decode-size.test.mjs and the core gtest), JPEG shrink-on-load keeping what the native pre-processing needs, the same top-1 as a whole decode on the bundled samples, decoding ahead of the classifier
// with results in input order, a bad file in the middle of a batch, and images/s in classify's and verify's output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, bundledRawfileDir, repoRoot, require, textSink } from './helpers.mjs';

const sharp = require('sharp');
const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const { runVerify } = require(path.join(repoRoot, 'dist', 'cli', 'verify.js'));
const { decodeImage } = require(path.join(repoRoot, 'dist', 'cli', 'image.js'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-decode-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const samplesDir = path.join(bundledRawfileDir, 'samples');
const samples = fs.readdirSync(samplesDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => path.join(samplesDir, f));

/** A noisy picture (so JPEG keeps detail) of w x h, as a file. */
async function photo(name, width, height, format = 'jpeg', extra = (s) => s) {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761 >>> 24) ^ (i / (width * 3) | 0);
  const file = path.join(tmp, name);
  await extra(sharp(raw, { raw: { width, height, channels: 3 } }))[format]().toFile(file);
  return file;
}

/** The bundled models of both kinds of input: 224x224 with a 0.875 centre crop, 96x96 whole. */
let MOBILENET, SHAPES;
before(async () => {
  MOBILENET = await api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'mobilenetv2-int8' });
  SHAPES = await api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: 'shapes-int8' });
});
after(() => { MOBILENET.release(); SHAPES.release(); });

describe('decode at the size the model needs', () => {
  it('a big JPEG is decoded shrunk on load, never below what the crop needs; EXIF orientation applied; PNG whole', async () => {
    const jpeg = await photo('big.jpg', 4032, 3024);
    const whole = await decodeImage(jpeg);
    const atSize = await decodeImage(jpeg, [MOBILENET]);
    assert.deepEqual([whole.width, whole.height, whole.sourceWidth, whole.sourceHeight], [4032, 3024, 4032, 3024]);
    assert.deepEqual([atSize.width, atSize.height, atSize.sourceWidth, atSize.sourceHeight], [342, 256, 4032, 3024]);
    assert.equal(atSize.pixels.byteLength, 342 * 256 * 4);
    // Two inputs (verify): the larger need wins.
    const both = await decodeImage(jpeg, [SHAPES, MOBILENET]);
    assert.deepEqual([both.width, both.height], [342, 256]);
    // The larger on each axis, whichever classifier names it.
    const sizer = (width, height) => ({ decodeSize: () => ({ width, height }) });
    const mixed = await decodeImage(jpeg, [sizer(1000, 300), sizer(400, 700)]);
    assert.deepEqual([mixed.width, mixed.height], [1000, 700]);

    const rotated = await photo('exif6.jpg', 2000, 1000, 'jpeg', (s) => s.withMetadata({ orientation: 6 }));
    const r = await decodeImage(rotated, [SHAPES]);
    assert.deepEqual([r.sourceWidth, r.sourceHeight, r.width, r.height], [1000, 2000, 96, 192]);

    const png = await photo('big.png', 1600, 1200, 'png');
    const p = await decodeImage(png, [MOBILENET]);
    assert.deepEqual([p.width, p.height], [1600, 1200], 'PNG has no shrink-on-load: decoded whole');
    const small = await photo('small.jpg', 300, 300);
    const q = await decodeImage(small, [MOBILENET]);
    assert.deepEqual([q.width, q.height], [300, 300], 'less than 2x to shrink: decoded whole');
  });

  it('the bundled samples: same top-1 (and score within 0.03) as a whole decode, for both demo models', async () => {
    const manifest = api.readManifest(bundledRawfileDir);
    for (const id of ['shapes-int8', 'shapes-fp32']) {
      assert.ok(manifest.models.some((e) => e.id === id), id);
      // The CPU path: the whole decodes (up to 4032x3024 RGBA, 48.8 MB) are over the models' AIPP source limit.
      const c = await api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: id, preprocessing: 'cpu' });
      try {
        let shrunk = 0;
        for (const file of samples) {
          const [a, b] = [await decodeImage(file), await decodeImage(file, [c])];
          if (b.width < a.width) shrunk++;
          const [ra, rb] = [await c.classify(a.pixels, a.width, a.height, 'RGBA'), await c.classify(b.pixels, b.width, b.height, 'RGBA')];
          assert.equal(rb.top[0].label, ra.top[0].label, `${id} ${path.basename(file)}: top-1 at size vs whole`);
          assert.ok(Math.abs(rb.top[0].score - ra.top[0].score) <= 0.03, `${id} ${path.basename(file)}: ${rb.top[0].score} vs ${ra.top[0].score}`);
        }
        assert.ok(shrunk >= 5, `only ${shrunk} samples decoded smaller`);
      } finally {
        c.release();
      }
    }
  });
});

const info = {
  modelId: 'fake', title: 'Fake', precision: 'int8', file: 'fake.onnx', device: { name: 'hostnn_cpu', type: 'cpu' },
  policy: 'auto', selection: 'fake selection', devicesSeen: [], inputs: [], outputs: [], classes: 3,
  labels: ['a', 'b', 'c'], threads: 1, loadMs: 1, compileMs: 2, options: [], compatibility: 'not checked', ioMode: 'zero-copy',
  preprocessing: 'cpu', preprocessingReason: 'fake reason', aipp: { mode: 'none', maxSrcImageSize: 0, formats: [] },
};

/** A backend whose classifier answers by image width (label index = width % 3) after `onClassify`. */
function fakeBackend(onClassify = async () => {}) {
  const manifest = {
    file: '/fake/models/manifest.json', directory: '/fake/models',
    models: [{ id: 'fake', title: 'Fake', precision: 'int8', pretrained: true, default: true, notes: '', labelsPath: '',
      inputWidth: 8, inputHeight: 8, centerCrop: 1, classes: 3,
      targets: [{ name: 'onnx', file: 'fake.onnx', path: '/fake/models/fake.onnx', sha256: '' }] }],
  };
  const classifier = {
    info, calls: [], released: 0,
    release() { this.released++; },
    decodeSize(width, height) { return { width, height }; },
    async classify(pixels, width) {
      this.calls.push(width);
      await onClassify(this.calls.length - 1);
      const index = width % 3;
      return { top: [{ rank: 1, index, label: info.labels[index], score: 1 }], device: 'hostnn_cpu', ioMode: 'zero-copy',
        timings: { preprocessMs: 0.1, copyInMs: 0, frameCopyMs: 0, cpuBytesIn: 0, inferenceMs: 0.2, copyOutMs: 0,
          postprocessMs: 0.1, totalMs: 0.5 } };
    },
  };
  return { classifier, async loadClassifier() { return classifier; }, listDevices: () => [], readManifest: () => manifest };
}

describe('classify over many images', () => {
  it('decodes ahead of the classifier and prints the results in input order', async () => {
    // A big PNG first (slowest decode), then small ones whose decodes finish before it.
    const files = [await photo('first.png', 2400, 1800, 'png')];
    for (let i = 0; i < 5; i++) files.push(await photo(`s${i}.png`, 10 + i, 10));
    // Decoding ahead reads the next images before the first is classified: removing one then must not matter.
    const backend = fakeBackend(async (call) => { if (call === 0) fs.rmSync(files[2]); });
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await runCli(['classify', ...files, '--json'], io, backend);
    assert.equal(code, 0, io.stderr.text);
    const doc = JSON.parse(io.stdout.text);
    assert.deepEqual(doc.results.map((r) => r.image), files);
    assert.deepEqual(doc.results.map((r) => r.top[0].index), [2400, 10, 11, 12, 13, 14].map((w) => w % 3));
    assert.deepEqual(backend.classifier.calls, [2400, 10, 11, 12, 13, 14]);
  });

  it('BAD CALL - a corrupt image in the middle of a batch: the earlier results, then its error, exit 1', async () => {
    const good1 = await photo('g1.png', 12, 10, 'png'), good2 = await photo('g2.png', 13, 10, 'png');
    const bad = path.join(tmp, 'bad.jpg');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 7)]));
    const backend = fakeBackend();
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await runCli(['classify', good1, bad, good2], io, backend);
    assert.equal(code, 1);
    assert.match(io.stderr.text, /^error: (cannot decode image: .+|unsupported image format .+) \(.*bad\.jpg\)\n$/);
    assert.match(io.stdout.text, /g1\.png {2}\(12x10\)/, 'the image before the bad one is reported');
    assert.doesNotMatch(io.stdout.text, /g2\.png/, 'nothing after the bad one');
    assert.deepEqual(backend.classifier.calls, [12]);
    assert.equal(backend.classifier.released, 1);
  });

  it('reports images/s: the JSON throughput and the summary line', async () => {
    const files = [await photo('t1.png', 20, 10, 'png'), await photo('t2.jpg', 21, 10)];
    const io = { stdout: textSink(), stderr: textSink() };
    assert.equal(await runCli(['classify', ...files, '--json'], io, fakeBackend()), 0, io.stderr.text);
    const { throughput } = JSON.parse(io.stdout.text);
    assert.deepEqual(Object.keys(throughput), ['images', 'wallMs', 'imagesPerSec']);
    assert.equal(throughput.images, 2);
    assert.ok(throughput.wallMs > 0 && Math.abs(throughput.imagesPerSec - 2000 / throughput.wallMs) < 1e-9);
    const human = { stdout: textSink(), stderr: textSink() };
    assert.equal(await runCli(['classify', ...files], human, fakeBackend()), 0);
    assert.match(human.stdout.text, /\n2 images in [\d.]+ ms: [\d.]+ images\/s\n$/);
  });

  it('verify reports images/s too', async () => {
    const dir = path.join(tmp, 'verify');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(samplesDir, 'star_96x96.png'), path.join(dir, 'star.png'));
    fs.copyFileSync(path.join(samplesDir, 'house_1600x900.jpg'), path.join(dir, 'house.jpg'));
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await runVerify([dir, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--json', '-'], io);
    assert.equal(code, 0, io.stderr.text);
    const doc = JSON.parse(io.stdout.text);
    assert.equal(doc.throughput.images, 2);
    assert.ok(doc.throughput.imagesPerSec > 0);
    const human = { stdout: textSink(), stderr: textSink() };
    assert.equal(await runVerify([dir, '--model', 'shapes-fp32', '--against', 'shapes-int8'], human), 0, human.stderr.text);
    assert.match(human.stdout.text, /^ {2}2 images in [\d.]+ ms: [\d.]+ images\/s$/m);
  });
});

describe('bench:e2e', () => {
  it('the generated photo set: every size in JPEG and in PNG, 10% PNG, some EXIF-rotated', () => {
    const { photoSpec } = require(path.join(repoRoot, 'dist', 'bench', 'e2e.js'));
    const specs = Array.from({ length: 1000 }, (_, i) => photoSpec(i, 16));
    const sizes = (format) => new Set(specs.filter((s) => s.format === format).map((s) => Math.max(s.width, s.height)));
    assert.equal(sizes('jpeg').size, 10);
    assert.equal(sizes('png').size, 10, 'PNGs of every size, not one');
    assert.equal(specs.filter((s) => s.format === 'png').length, 100);
    assert.equal(specs.filter((s) => s.exif6).length, 50);
    assert.deepEqual(photoSpec(7, 16), specs[7], 'deterministic');
  });

  it('times npulens classify and the sharp + onnxruntime-node script over a folder: images/s, ratio, stages', () => {
    const dir = path.join(tmp, 'e2e');
    fs.mkdirSync(dir);
    for (const f of ['house_1600x900.jpg', 'moon_800x600.png', 'tree_1200x1600_exif6.jpg']) fs.copyFileSync(path.join(samplesDir, f), path.join(dir, f));
    const json = path.join(tmp, 'e2e.json');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'e2e.js'), dir, '--threads', '1', '--rounds', '1',
      '--json', json], { cwd: repoRoot, encoding: 'utf8', timeout: 300000, env: { ...process.env, NPULENS_RAWFILE_DIR: bundledRawfileDir } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^bench:e2e — 3 photos in .* model mobilenetv2-int8; threads 1; 1 rounds/);
    assert.match(r.stdout, /^ +1 {2}ours {2}npulens classify +[\d.]+( +[\d.]+){4}$/m);
    assert.match(r.stdout, /^ +1 {2}peer {2}sharp \+ onnxruntime-node \(mobilenetv2_\S+\.onnx\) +[\d.]+( +[\d.]+){4}$/m);
    assert.match(r.stdout, /^threads 1: ours [\d.]+x the peer's images\/s .*top-1 agreement [\d.]+%$/m);
    const doc = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(doc.photos, 3);
    const [row] = doc.rows;
    for (const side of [row.ours, row.peer]) {
      assert.ok(side.imagesPerSec > 0 && side.stages.decodeMs > 0 && side.stages.inferenceMs > 0, JSON.stringify(side));
    }
    assert.ok(Math.abs(row.ratio - row.ours.imagesPerSec / row.peer.imagesPerSec) < 1e-9);
    assert.ok(Object.keys(row.peerModelP50Ms).length >= 2, 'onnxruntime timed on more than one form of the network');
  });
});
