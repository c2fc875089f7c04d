// `npulens verify --layers` / `--sensitivity` (src/cli/verify/layers.ts -> tools/models/layerdiff.py through
// runPythonTool): the bundled shapes models by manifest id show no drop; on tools/models/badlayer.py's model (files,
// --size/--mean/--std) the report, its JSON and HTML point at conv3 and sensitivity's exclude file holds conv3 alone;
// flag mistakes are usage errors (exit 2) before Python runs, bad files one `error:` line (exit 1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  assertCliUsageError, assertRuntimeError, bundledRawfileDir, haveBundledModels, layerInputs, repoRoot, require,
  runInProcess,
} from './helpers.mjs';

const { runVerify } = require(path.join(repoRoot, 'dist', 'cli', 'verify.js'));

process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
const { tmp, small, bad, PRE, make } = layerInputs('npulens-verify-layers-');

before(() => {
  assert.ok(haveBundledModels, `bundled models expected in ${bundledRawfileDir}`);
  make();
});

const verify = (...args) => runInProcess(runVerify, args);
const assertUsageError = (r, pattern) => assertCliUsageError(r, pattern, /usage: npulens verify --layers/);

describe('verify --layers', () => {
  it('finds no drop between the bundled shapes fp32 and int8 models (manifest ids)', async () => {
    const json = path.join(tmp, 'shapes.json');
    const r = await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-int8', '--json', json);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /first drop below cosine 0\.99: none/);
    const doc = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(doc.firstDrop, null);
    assert.equal(doc.images, 4);
    assert.ok(doc.layers.length > 30, `${doc.layers.length} layers`);
    assert.ok(doc.output.accumulated.cosine > 0.999, `${doc.output.accumulated.cosine}`);
  });

  it('points at the deliberately bad layer: table, JSON and the HTML chart', async () => {
    const json = path.join(tmp, 'bad.json');
    const html = path.join(tmp, 'bad.html');
    const r = await verify('--layers', bad.images, '--model', bad.fp32, '--against', bad.int8, ...PRE,
      '--json', json, '--html', html);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /first drop below cosine 0\.99: conv3 \(Conv, tensor conv3_out/);
    assert.match(r.stdout, /^\s+6\s+conv3\s+Conv\s+0\.\d+.*<-- first drop$/m);
    const doc = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(doc.firstDrop.node, 'conv3');
    assert.equal(doc.firstIsolatedDrop.node, 'conv3');
    const page = fs.readFileSync(html, 'utf8');
    assert.match(page, /<svg[^>]*>/);
    assert.match(page, /first drop: conv3/);
  });

  it('compares one model on the numpy executor and onnxruntime (--json -: the JSON alone on stdout)', async () => {
    const r = await verify('--layers', bad.images, '--model', bad.int8, '--against', bad.int8,
      '--against-engine', 'ort', ...PRE, '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.engines, { reference: 'numpy', candidate: 'ort' });
    assert.equal(doc.firstDrop, null);
  });

  it('bad flags are usage errors before Python runs', async () => {
    assertUsageError(await verify('--layers', small, '--model', 'shapes-fp32'), /--layers needs --against/);
    assertUsageError(await verify('--layers', '--model', 'shapes-fp32', '--against', 'shapes-int8'),
      /needs an image folder/);
    assertUsageError(await verify('--layers', '--sensitivity', small, '--model', 'shapes-fp32'), /give one/);
    assertUsageError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-int8',
      '--exclude-out', 'x.txt'), /--exclude-out does not apply to --layers/);
    assertUsageError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-int8',
      '--threshold', '2'), /--threshold must be a number in \[-1, 1\]/);
    assertUsageError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-int8',
      '--engine', 'tflite'), /--engine must be one of numpy, ort, ours/);
    assertUsageError(await verify('--layers', bad.images, '--model', bad.fp32, '--against', bad.int8),
      /--size WxH is required/);
  });

  it('bad files are one error line, exit 1', async () => {
    const junk = path.join(tmp, 'junk.onnx');
    fs.writeFileSync(junk, 'not a model\n');
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    assertRuntimeError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'no-such-id'),
      /unknown model 'no-such-id'/);
    assertRuntimeError(await verify('--layers', bad.images, '--model', path.join(tmp, 'missing.onnx'),
      '--against', bad.int8, ...PRE), /no such file/);
    assertRuntimeError(await verify('--layers', bad.images, '--model', junk, '--against', bad.int8, ...PRE),
      /not an ONNX model .*\(layerdiff\)$/);
    assertRuntimeError(await verify('--layers', empty, '--model', bad.fp32, '--against', bad.int8, ...PRE),
      /no images .*\(layerdiff\)$/);
    assertRuntimeError(await verify('--layers', small, '--model', bad.fp32, '--against', 'shapes-int8', ...PRE),
      /input input is \[1, 3, 96, 96\]/);
  });
});

describe('verify --sensitivity', () => {
  it('ranks the bad layer first and writes it as the exclude set', async () => {
    const out = path.join(tmp, 'exclude.txt');
    const r = await verify('--sensitivity', bad.images, '--model', bad.fp32, ...PRE, '--exclude-out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ranking \(costliest first\): conv3, /);
    const names = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(names, ['conv3']);
  });

  it('refuses an int8 model (it needs the float one)', async () => {
    assertRuntimeError(await verify('--sensitivity', small, '--model', 'shapes-int8'), /already quantized/);
  });
});
