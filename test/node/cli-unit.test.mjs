// The CLI over a fake backend (no addon): TTY progress bar, Ctrl-C cancelling a benchmark, error lines built from
// native-style errors, and the classifier always released.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { repoRoot, require } from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const sharp = require('sharp');

function sink(isTTY = false) {
  const out = { text: '', isTTY, write(s) { out.text += s; return true; } };
  return out;
}

const info = {
  modelId: 'fake', title: 'Fake', precision: 'int8', file: 'fake.onnx', device: { name: 'hostnn_cpu', type: 'cpu' },
  policy: 'auto', selection: 'fake selection', devicesSeen: [], inputs: [], outputs: [], classes: 3,
  labels: ['a', 'b', 'c'], threads: 1, loadMs: 1,
  compileMs: 2, options: [], compatibility: 'not checked', ioMode: 'zero-copy',
};

function fakeBackend(classifier) {
  const manifest = {
    file: '/fake/models/manifest.json', directory: '/fake/models',
    models: [{ id: 'fake', title: 'Fake', precision: 'int8', pretrained: true, default: true, notes: '', labelsPath: '', inputWidth: 8,
      inputHeight: 8, centerCrop: 1, classes: 3, targets: [{ name: 'onnx', file: 'fake.onnx', path: '/fake/models/fake.onnx', sha256: '' }] }],
  };
  return {
    loaded: 0,
    async loadClassifier() { this.loaded++; return classifier; },
    listDevices: () => [],
    readManifest: () => manifest,
  };
}

function fakeClassifier(overrides = {}) {
  return {
    info, released: 0, cancelled: 0,
    release() { this.released++; },
    cancel() { this.cancelled++; },
    async classify() { throw Object.assign(new Error('run.sync: OH_NN_FAILED (1): device lost'), { code: 'OH_NN_FAILED', step: 'run.sync' }); },
    async benchmark(options, onProgress) {
      const samples = [];
      for (let i = 1; i <= options.iterations; i++) {
        samples.push(0.5);
        onProgress?.({ done: i, total: options.iterations, lastMs: 0.5 });
      }
      const latencyMs = { min: 0.5, p50: 0.5, p90: 0.5, p99: 0.5, max: 0.5, mean: 0.5, std: 0 };
      return { mode: options.mode, iterations: samples.length, warmup: options.warmup, firstRunMs: 1, samplesMs: samples,
        latencyMs, throughputPerSec: 2000, windowP50Ms: [0.5], drift: 1, valid: false, cancelled: false };
    },
    ...overrides,
  };
}

describe('CLI with a fake backend', () => {
  it('draws a progress bar on a TTY and releases the classifier', async () => {
    const c = fakeClassifier();
    const io = { stdout: sink(), stderr: sink(true) };
    const code = await runCli(['bench', '--iterations', '5', '--warmup', '0'], io, fakeBackend(c));
    assert.equal(code, 0, io.stderr.text);
    assert.ok(io.stderr.text.endsWith(`\rzero-copy [${'#'.repeat(30)}] 5/5  0.500 ms\x1b[K\n`), JSON.stringify(io.stderr.text));
    assert.match(io.stdout.text, /zero-copy +5 +0\.500/);
    assert.equal(c.released, 1);
  });

  it('prints no progress when stderr is not a TTY', async () => {
    const io = { stdout: sink(), stderr: sink(false) };
    assert.equal(await runCli(['bench', '--iterations', '3'], io, fakeBackend(fakeClassifier())), 0);
    assert.equal(io.stderr.text, '');
  });

  it('Ctrl-C cancels the running benchmark, which still reports', async () => {
    const c = fakeClassifier({
      async benchmark(options) {
        process.emit('SIGINT');
        const latencyMs = { min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1, std: 0 };
        return { mode: options.mode, iterations: 1, warmup: 0, firstRunMs: 1, samplesMs: [1], latencyMs, throughputPerSec: 1,
          windowP50Ms: [1], drift: 1, valid: false, cancelled: this.cancelled > 0 };
      },
    });
    const io = { stdout: sink(), stderr: sink() };
    const code = await runCli(['bench', '--mode', 'both', '--json', '-'], io, fakeBackend(c));
    assert.equal(code, 0);
    assert.equal(c.cancelled, 1);
    const doc = JSON.parse(io.stdout.text);
    assert.deepEqual(doc.runs.map((r) => [r.mode, r.cancelled]), [['zero-copy', true]], 'the second mode is not started');
    assert.equal(process.listenerCount('SIGINT'), 0, 'the SIGINT handler is removed');
  });

  it('EXPECTED FAILURE - a native error during classify becomes one line naming step and image; the classifier is released', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-unit-'));
    const image = path.join(dir, 'x.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toFile(image);
    try {
      const c = fakeClassifier();
      const io = { stdout: sink(), stderr: sink() };
      const code = await runCli(['classify', image], io, fakeBackend(c));
      assert.equal(code, 1);
      assert.equal(io.stderr.text, `error: OH_NN_FAILED (1): device lost (run.sync, ${image})\n`);
      assert.equal(c.released, 1);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('EXPECTED FAILURE - a load failure names the model file', async () => {
    const backend = fakeBackend(fakeClassifier());
    backend.loadClassifier = async () => { throw Object.assign(new Error('compile.build: OH_NN_INVALID_FILE (6): bad'), { code: 'OH_NN_INVALID_FILE', step: 'compile.build' }); };
    const io = { stdout: sink(), stderr: sink() };
    assert.equal(await runCli(['bench'], io, backend), 1);
    assert.equal(io.stderr.text, 'error: OH_NN_INVALID_FILE (6): bad (compile.build, /fake/models/fake.onnx)\n');
  });
});
