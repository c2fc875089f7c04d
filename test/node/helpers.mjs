// Shared setup of the Node tests: the compiled API (dist/), the addon under test ($NPULENS_ADDON), the generated
// fixtures ($NPULENS_TEST_FIXTURES, made by test/node/fixtures/make_models.py) and small image helpers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const require = createRequire(import.meta.url);

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through scripts/test.d/20-node.sh`);
  return value;
}

export const addonPath = requiredEnv('NPULENS_ADDON');
export const fixtures = requiredEnv('NPULENS_TEST_FIXTURES');
export const api = require(path.join(repoRoot, 'dist', 'api', 'index.js'));

/** The bundled models (entry/src/main/resources/rawfile) once the models engineer's files are in place. */
export const bundledRawfileDir = path.join(repoRoot, 'entry', 'src', 'main', 'resources', 'rawfile');
export const bundledManifest = path.join(bundledRawfileDir, 'models', 'manifest.json');
export const haveBundledModels = fs.existsSync(bundledManifest);

export const labelsFile = path.join(fixtures, 'models', 'tiny_labels.txt');

export function loadTiny(id = 'tiny-fp32', extra = {}) {
  return api.loadClassifier({ rawfileDir: fixtures, modelId: id, ...extra });
}

/** A deterministic RGBA test image (w*h*4 bytes) with structure (gradients + a seeded pattern). */
export function rgbaImage(width, height, seed = 1) {
  const px = new Uint8Array(width * height * 4);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const i = (y * width + x) * 4;
      px[i] = (x * 255 / Math.max(1, width - 1) + (s & 31)) & 255;
      px[i + 1] = (y * 255 / Math.max(1, height - 1) + ((s >> 8) & 31)) & 255;
      px[i + 2] = ((x + y) * 8 + seed * 40) & 255;
      px[i + 3] = 255;
    }
  }
  return px;
}

/**
 * Asserts that `promiseOrFn` rejects/throws an instance of `cls` whose message matches `message` and, when
 * given, whose .code / .step equal the expected ones.
 */
export async function assertFails(promiseOrFn, cls, message, { code, step } = {}) {
  let err;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected ${cls.name} matching ${message}, but it succeeded`);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.match(err.message, message);
  if (code !== undefined) assert.equal(err.code, code);
  if (step !== undefined) assert.equal(err.step, step);
  return err;
}

/**
 * `promise`, or a rejection naming `what` when it has not settled within `ms` (a call that never settles must fail
 * its test, not hang the suite).
 */
export function settlesWithin(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function rssMb() {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** CLI result: exit 1 with exactly one stderr line `error: <what> (<where>)`, no stack trace. */
export function assertRuntimeError(r, pattern) {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: .+ \(.+\)$/);
  assert.match(lines[0], pattern);
}

/** CLI result: exit 2, the error on the first stderr line, then the command's short usage; nothing on stdout. */
export function assertCliUsageError(r, pattern, usage = /usage: npulens classify/) {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr.split('\n')[0], pattern);
  assert.match(r.stderr, usage);
  assert.equal(r.stdout, '');
}
