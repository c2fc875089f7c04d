// Hostile files wherever NpuLens reads one: /dev/zero, /dev/urandom, a symlink to one, a FIFO with no writer, a
// directory, a path with a NUL byte or a newline, given as a model, a labels file, a manifest, a manifest's model or
// labels entry, a `verify --list` file or an image, through the CLI and the Node API. Each must fail at once with a
// clear error (exit 1 and one `error:` line; Error with .code/.step), never read ~1 GB and abort, never hang.
// Every call runs in a child process with a timeout: a hang or an abort fails the test instead of blocking the suite.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { addonPath, assertRuntimeError, fixtures, repoRoot, require } from './helpers.mjs';

const sharp = require('sharp');
const bin = path.join(repoRoot, 'bin', 'npulens.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-adversarial-'));
const file = (...names) => path.join(tmp, ...names);
const models = path.join(fixtures, 'models');
const labels = path.join(models, 'tiny_labels.txt');
const CHILD_TIMEOUT_MS = 10000;
const PROMPT_MS = 3000;  // what "at once" means here: a bad file is refused from fstat, before any read

// The special files, as [name, path, what fstat calls it]. The symlink and the FIFO are made in before().
const SPECIALS = [
  ['/dev/zero', '/dev/zero', 'a character device'],
  ['/dev/urandom', '/dev/urandom', 'a character device'],
  ['a symlink to /dev/zero', file('zero-link'), 'a character device'],
  ['a FIFO with no writer', file('fifo'), 'a FIFO'],
];

const re = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/**
 * Runs `npulens ...args`; asserts it answered on its own (no timeout, no signal) within PROMPT_MS plus node's start.
 * A child stuck on a FIFO is freed by opening the FIFO's writing end once the timeout has killed it.
 */
function cli(args, env = {}) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS,
    env: { ...process.env, NPULENS_RAWFILE_DIR: fixtures, ...env },
  });
  const ms = performance.now() - start;
  assert.equal(r.signal, null, `npulens ${args.join(' ')}: killed by ${r.signal} after ${ms.toFixed(0)} ms (hang or abort); ` +
    `stderr: ${r.stderr.slice(0, 300)}`);
  assert.ok(ms < PROMPT_MS + 2000, `npulens ${args.join(' ')} took ${ms.toFixed(0)} ms`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Calls api[fn](...args) in a child process (readManifest is synchronous: a hang there would stop this process)
 * and returns how it failed: { name, message, code, step, ms } (ms: the call alone, without node's start).
 */
function apiCall(fn, ...args) {
  const script = `
    const api = require(${JSON.stringify(path.join(repoRoot, 'dist', 'api', 'index.js'))});
    const [fn, args] = JSON.parse(process.argv[1]);
    (async () => {
      const start = performance.now();
      let out;
      try {
        const r = await api[fn](...args);
        r?.release?.();
        out = { ok: true };
      } catch (e) {
        out = { name: e?.constructor?.name, message: e?.message, code: e?.code, step: e?.step };
      }
      out.ms = performance.now() - start;
      process.stdout.write(JSON.stringify(out));
      process.exit(0);
    })();`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify([fn, args])], {
    encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, NPULENS_ADDON: addonPath },
  });
  assert.equal(r.signal, null, `${fn}: killed by ${r.signal} (hang or abort); stderr: ${r.stderr.slice(0, 300)}`);
  assert.equal(r.status, 0, `${fn}: exit ${r.status}; stderr: ${r.stderr.slice(0, 300)}`);
  const out = JSON.parse(r.stdout);
  assert.ok(out.ms < PROMPT_MS, `${fn} took ${out.ms.toFixed(0)} ms`);
  return out;
}

function assertApiError(out, message, { name = 'Error', code = 'NPULENS_IO', step = 'io.read' } = {}) {
  assert.ok(!out.ok, 'expected a failure, but the call succeeded');
  assert.equal(out.name, name, `error class (message: ${out.message})`);
  assert.match(out.message, message);
  assert.equal(out.code, code);
  assert.equal(out.step, step);
}

/**
 * A rawfile folder whose manifest is the fixtures' one with tiny-fp32's labels entry and tiny-int8's onnx entry
 * pointing at `target` (a symlink to a device, or a FIFO); or, with `manifest`, whose manifest itself is `target`.
 */
function rawfileDir(name, target, { manifest = false } = {}) {
  const dir = file(name, 'models');
  fs.mkdirSync(dir, { recursive: true });
  const place = (at) => (target === 'fifo' ? execMkfifo(at) : fs.symlinkSync(target, at));
  if (manifest) {
    place(path.join(dir, 'manifest.json'));
  } else {
    const doc = JSON.parse(fs.readFileSync(path.join(models, 'manifest.json'), 'utf8'));
    for (const f of ['tiny_fp32.onnx', 'tiny_int8.onnx', 'tiny_labels.txt']) fs.copyFileSync(path.join(models, f), path.join(dir, f));
    doc.models.find((m) => m.id === 'tiny-fp32').labels = 'evil_labels.txt';
    doc.models.find((m) => m.id === 'tiny-int8').targets.onnx.file = 'evil.onnx';
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(doc));
    place(path.join(dir, 'evil_labels.txt'));
    place(path.join(dir, 'evil.onnx'));
  }
  return file(name);
}

function execMkfifo(at) {
  const r = spawnSync('mkfifo', [at]);
  assert.equal(r.status, 0, `mkfifo ${at}: ${r.stderr}`);
}

before(async () => {
  fs.symlinkSync('/dev/zero', file('zero-link'));
  execMkfifo(file('fifo'));
  const raw = Buffer.alloc(32 * 24 * 3, 90);
  await sharp(raw, { raw: { width: 32, height: 24, channels: 3 } }).png().toFile(file('ok.png'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const fileModelArgs = (model, labelsFile = labels) => ['--model', model, '--size', '16x16', '--labels', labelsFile];

describe('CLI', () => {
  for (const [name, p, what] of SPECIALS) {
    it(`BAD CALL - ${name} as a model file`, () => {
      assertRuntimeError(cli(['classify', file('ok.png'), ...fileModelArgs(p)]),
        re(`error: NPULENS_IO (1002): ${p}: model file is ${what}, not a regular file (io.read, ${p})`));
    });
    it(`BAD CALL - ${name} as a labels file`, () => {
      assertRuntimeError(cli(['classify', file('ok.png'), ...fileModelArgs(path.join(models, 'tiny_fp32.onnx'), p)]),
        re(`error: NPULENS_IO (1002): ${p}: labels file is ${what}, not a regular file (io.read, `));
    });
    it(`BAD CALL - ${name} as an image`, () => {
      assertRuntimeError(cli(['classify', p]), re(`error: image is ${what}, not a regular file (${p})`));
    });
    it(`BAD CALL - ${name} as a verify --list file`, () => {
      assertRuntimeError(cli(['verify', '--list', p, '--model', 'tiny-fp32', '--against-engine', 'ort']),
        re(`error: image list is ${what}, not a regular file (${p})`));
    });
  }

  for (const [name, target, what] of [['a symlink to /dev/zero', '/dev/zero', 'a character device'],
    ['a symlink to /dev/urandom', '/dev/urandom', 'a character device'], ['a FIFO with no writer', 'fifo', 'a FIFO']]) {
    const slug = name.replace(/\W+/g, '-');
    it(`BAD CALL - ${name} as the manifest`, () => {
      const dir = rawfileDir(`cli-manifest-${slug}`, target, { manifest: true });
      const manifest = path.join(dir, 'models', 'manifest.json');
      assertRuntimeError(cli(['classify', file('ok.png')], { NPULENS_RAWFILE_DIR: dir }),
        re(`error: NPULENS_IO (1002): ${manifest}: manifest is ${what}, not a regular file (io.read, classify)`));
    });
    it(`BAD CALL - ${name} as a manifest's model entry`, () => {
      const dir = rawfileDir(`cli-model-entry-${slug}`, target);
      assertRuntimeError(cli(['classify', file('ok.png'), '--model', 'tiny-int8'], { NPULENS_RAWFILE_DIR: dir }),
        re(`${path.join(dir, 'models', 'evil.onnx')}: model file is ${what}, not a regular file (io.read, `));
    });
    it(`BAD CALL - ${name} as a manifest's labels entry`, () => {
      const dir = rawfileDir(`cli-labels-entry-${slug}`, target);
      assertRuntimeError(cli(['classify', file('ok.png'), '--model', 'tiny-fp32'], { NPULENS_RAWFILE_DIR: dir }),
        re(`${path.join(dir, 'models', 'evil_labels.txt')}: labels file is ${what}, not a regular file (io.read, `));
    });
  }

  it('BAD CALL - a FIFO nobody reads as --json FILE', () => {
    assertRuntimeError(cli(['bench', '--iterations', '2', '--json', file('fifo')]),
      re(`error: cannot write JSON: ENXIO (${file('fifo')})`));
  });

  // The reader opens its end without blocking and says so, then waits (poll) for the writer: no sleep, no race.
  it('a FIFO that has a reader as --json FILE gets the document', async () => {
    const fifo = file('json-fifo');
    execMkfifo(fifo);
    const reader = spawn('/usr/bin/python3', ['-c', `
import os, select, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
print('ready', flush=True)
poll = select.poll()
poll.register(fd, select.POLLIN)
data = b''
while True:
    poll.poll()
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        continue
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)`, fifo], { timeout: CHILD_TIMEOUT_MS });
    let out = '';
    const ready = new Promise((resolve) => reader.stdout.on('data', (d) => {
      out += d;
      if (out.startsWith('ready\n')) resolve();
    }));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    await ready;
    const r = await new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, 'bench', '--iterations', '2', '--json', fifo], {
        cwd: repoRoot, env: { ...process.env, NPULENS_RAWFILE_DIR: fixtures }, timeout: CHILD_TIMEOUT_MS,
      });
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    await closed;
    assert.deepEqual(r, { code: 0, signal: null });
    assert.equal(JSON.parse(out.slice('ready\n'.length)).config.iterations, 2);
  });

  it('BAD CALL - a directory as a verify --list file', () => {
    assertRuntimeError(cli(['verify', '--list', tmp, '--model', 'tiny-fp32', '--against-engine', 'ort']),
      re(`error: image list is a directory (${tmp})`));
  });
});

describe('API', () => {
  for (const [name, p, what] of SPECIALS) {
    it(`BAD CALL - ${name} as modelPath`, () => {
      assertApiError(apiCall('loadClassifier', { modelPath: p, labelsPath: labels, input: { width: 16, height: 16 } }),
        re(`${p}: model file is ${what}, not a regular file`));
    });
    it(`BAD CALL - ${name} as labelsPath`, () => {
      assertApiError(apiCall('loadClassifier', {
        modelPath: path.join(models, 'tiny_fp32.onnx'), labelsPath: p, input: { width: 16, height: 16 },
      }), re(`${p}: labels file is ${what}, not a regular file`));
    });
  }

  for (const [name, target, what] of [['a symlink to /dev/zero', '/dev/zero', 'a character device'],
    ['a symlink to /dev/urandom', '/dev/urandom', 'a character device'], ['a FIFO with no writer', 'fifo', 'a FIFO']]) {
    const slug = name.replace(/\W+/g, '-');
    it(`BAD CALL - readManifest and loadClassifier on ${name} as the manifest`, () => {
      const dir = rawfileDir(`api-manifest-${slug}`, target, { manifest: true });
      const message = re(`${path.join(dir, 'models', 'manifest.json')}: manifest is ${what}, not a regular file`);
      assertApiError(apiCall('readManifest', dir), message);
      assertApiError(apiCall('loadClassifier', { rawfileDir: dir, modelId: 'tiny-fp32' }), message);
    });
    it(`BAD CALL - loadClassifier on ${name} as a manifest's model entry`, () => {
      const dir = rawfileDir(`api-model-entry-${slug}`, target);
      assertApiError(apiCall('loadClassifier', { rawfileDir: dir, modelId: 'tiny-int8' }),
        re(`${path.join(dir, 'models', 'evil.onnx')}: model file is ${what}, not a regular file`));
    });
    it(`BAD CALL - loadClassifier on ${name} as a manifest's labels entry`, () => {
      const dir = rawfileDir(`api-labels-entry-${slug}`, target);
      assertApiError(apiCall('loadClassifier', { rawfileDir: dir, modelId: 'tiny-fp32' }),
        re(`${path.join(dir, 'models', 'evil_labels.txt')}: labels file is ${what}, not a regular file`));
    });
  }

  // The C string of a path ends at its first NUL: 'tiny_fp32.onnx\0.txt' used to load tiny_fp32.onnx.
  it('BAD CALL - a path with a NUL byte is refused, not cut short', () => {
    const model = path.join(models, 'tiny_fp32.onnx');
    assertApiError(apiCall('loadClassifier', { modelPath: `${model}\0.txt`, classes: 5, input: { width: 16, height: 16 } }),
      re(`${model}\\0.txt: model file path contains a NUL byte`), { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT' });
    assertApiError(apiCall('loadClassifier', { modelPath: model, labelsPath: `${labels}\0x`, input: { width: 16, height: 16 } }),
      re(`${labels}\\0x: labels file path contains a NUL byte`), { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT' });
    const evil = file('evil.json');
    fs.copyFileSync(path.join(models, 'manifest.json'), evil);
    assertApiError(apiCall('readManifest', `${evil}\0`),
      re(`${evil}\\0/models/manifest.json: manifest path contains a NUL byte`),
      { name: 'TypeError', code: 'NPULENS_INVALID_ARGUMENT' });
  });
});

// Sparse files (ftruncate): over the cap of their kind, refused from fstat before a byte is read.
describe('size caps per kind', () => {
  const sparse = (name, bytes) => {
    const p = file(name);
    fs.closeSync(fs.openSync(p, 'w'));
    fs.truncateSync(p, bytes);
    return p;
  };

  it('BAD CALL - a model file, a labels file and a manifest over their caps', () => {
    const model = sparse('huge.onnx', 2 ** 30 + 1);
    assertApiError(apiCall('loadClassifier', { modelPath: model, classes: 5, input: { width: 16, height: 16 } }),
      re(`${model}: model file is 1.0 GiB (1073741825 bytes); the limit for a model file is 1 GiB`));
    const labelsFile = sparse('huge_labels.txt', 5 * 2 ** 20);
    assertApiError(apiCall('loadClassifier', {
      modelPath: path.join(models, 'tiny_fp32.onnx'), labelsPath: labelsFile, input: { width: 16, height: 16 },
    }), re(`${labelsFile}: labels file is 5 MiB (5242880 bytes); the limit for a labels file is 4 MiB`));
    const dir = file('huge-manifest');
    fs.mkdirSync(path.join(dir, 'models'), { recursive: true });
    fs.renameSync(sparse('manifest.json', 3 * 2 ** 20), path.join(dir, 'models', 'manifest.json'));
    assertApiError(apiCall('readManifest', dir),
      re(`${path.join(dir, 'models', 'manifest.json')}: manifest is 3 MiB (3145728 bytes); the limit for a manifest is 1 MiB`));
  });

  it('BAD CALL - an image and a verify --list file over their caps', () => {
    const image = sparse('huge.png', 300 * 2 ** 20);
    assertRuntimeError(cli(['classify', image]),
      re(`error: image is 300 MiB (314572800 bytes); the limit for an image is 256 MiB (${image})`));
    const list = sparse('huge-list.txt', 4 * 2 ** 20 + 1);
    assertRuntimeError(cli(['verify', '--list', list, '--model', 'tiny-fp32', '--against-engine', 'ort']),
      re(`error: image list is 4.0 MiB (4194305 bytes); the limit for an image list is 4 MiB (${list})`));
  });
});

// File names and file contents are the user's: they must not break the one-line error or reach the terminal raw.
describe('hostile names and contents', () => {
  it('BAD CALL - a newline in an image or model path: the error stays one line and keeps its reason', () => {
    const image = file('two\nlines.png');
    fs.writeFileSync(image, 'not an image');
    assertRuntimeError(cli(['classify', image]),
      new RegExp(`^error: cannot decode image: .+ ${re(`(${tmp}/two\\nlines.png)`).source}$`));
    const model = file('no\nsuch.onnx');
    assertRuntimeError(cli(['classify', file('ok.png'), ...fileModelArgs(model)]),
      re(`error: NPULENS_IO (1002): ${tmp}/no\\nsuch.onnx: No such file or directory (io.read, ${tmp}/no\\nsuch.onnx)`));
  });

  it('BAD CALL - terminal escapes in labels and image names are printed escaped', () => {
    const labelsFile = file('escape_labels.txt');
    fs.writeFileSync(labelsFile, ['\x1b[2J\x1b]0;pwned\x07a', 'b\x9bc', 'c', 'd', 'e'].join('\n') + '\n');
    const image = file('\x1b[31mred.png');
    fs.copyFileSync(file('ok.png'), image);
    const r = cli(['classify', image, ...fileModelArgs(path.join(models, 'tiny_fp32.onnx'), labelsFile), '--top', '5']);
    assert.equal(r.code, 0, r.stderr);
    // eslint-disable-next-line no-control-regex -- control characters are what must not reach the terminal
    assert.doesNotMatch(r.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no control character but the newlines');
    assert.ok(r.stdout.includes('\\x1b[2J\\x1b]0;pwned\\x07a'), r.stdout);
    assert.ok(r.stdout.includes('b\\u009bc'), r.stdout);
    assert.ok(r.stdout.includes(`${tmp}/\\x1b[31mred.png  (32x24)`), r.stdout);
  });
});

// The CLI's reader itself (src/cli/files.ts), on what the CLI cannot easily be made to meet.
describe('readRegularFile', () => {
  const { readRegularFile } = require(path.join(repoRoot, 'dist', 'cli', 'files.js'));
  const { CliError } = require(path.join(repoRoot, 'dist', 'cli', 'errors.js'));

  it('reads a file whole into one buffer of its size', () => {
    const p = file('whole.bin');
    const content = Buffer.from(Array.from({ length: 200000 }, (_, i) => (i * 7) & 255));
    fs.writeFileSync(p, content);
    const bytes = readRegularFile(p, { name: 'test file', maxBytes: 2 ** 20 });
    assert.ok(bytes.equals(content));
    assert.equal(bytes.buffer.byteLength, content.length, 'no bigger buffer just to see EOF');
  });

  // /proc files are regular with size 0 but have content: the size is a hint, the cap holds whatever it said.
  it('BAD CALL - reads past a zero size hint but stops at the limit', () => {
    assert.equal(fs.statSync('/proc/self/status').size, 0);
    assert.match(readRegularFile('/proc/self/status', { name: 'test file', maxBytes: 2 ** 20 }).toString(), /^Name:/);
    assert.throws(() => readRegularFile('/proc/self/status', { name: 'test file', maxBytes: 16 }),
      (err) => err instanceof CliError &&
        err.message === 'test file passed 16 bytes while being read; the limit for a test file is 16 bytes (/proc/self/status)');
  });
});
