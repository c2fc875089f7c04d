// The raw output export (docs/output-export.schema.json) end to end on the bundled shapes models: `npulens classify
// --save-outputs` writes it as the app does, `npulens verify --device-outputs` holds it to the host's fp32 and int8
// runs of the same samples, and fails an export whose outputs are off; bad exports get one clear error line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertCliUsageError, assertRuntimeError, bundledRawfileDir, haveBundledModels, repoRoot, require, runInProcess,
} from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const Ajv = require('ajv');
const validate = new Ajv({ allErrors: true })
  .compile(JSON.parse(fs.readFileSync(path.join(repoRoot, 'docs', 'output-export.schema.json'), 'utf8')));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-outputs-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name) => path.join(tmp, name);
const samples = path.join(bundledRawfileDir, 'samples');
const images = ['star_96x96.png', 'house_640x480.png', 'umbrella_500x500.png', 'sun_64x48.png']
  .map((f) => path.join(samples, f));

process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
const run = (...args) => runInProcess(runCli, args);
const usage = /usage: npulens verify/;
const exported = file('shapes-int8.json');
const copy = (doc) => JSON.parse(JSON.stringify(doc));
const write = (name, doc) => {
  fs.writeFileSync(file(name), JSON.stringify(doc));
  return file(name);
};

/** The report of `verify --device-outputs --json -` on what `classify --save-outputs` wrote for model there. */
async function exportAndVerify(model, preprocessing, name) {
  const r = await run('classify', ...images, '--model', model, '--preprocessing', preprocessing, '--save-outputs',
    file(name));
  assert.equal(r.code, 0, r.stderr);
  const v = await run('verify', '--device-outputs', file(name), '--json', '-');
  assert.equal(v.code, 0, v.stderr);
  return JSON.parse(v.stdout);
}

describe('classify --save-outputs / verify --device-outputs', { skip: !haveBundledModels && 'no bundled models' }, () => {
  let doc;
  before(async () => {
    // CPU pre-processing as the verifier's host runs: the export then holds the very numbers of the host int8 run.
    const r = await run('classify', ...images, '--model', 'shapes-int8', '--preprocessing', 'cpu', '--save-outputs',
      exported);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^outputs of ${images.length} images written to `, 'm'));
    doc = JSON.parse(fs.readFileSync(exported, 'utf8'));
  });

  it('writes the export of the schema: one output per image, the samples named as the app names them', () => {
    assert.equal(validate(doc), true, JSON.stringify(validate.errors));
    assert.equal(doc.producer, 'npulens classify');
    assert.equal(doc.model, 'shapes-int8');
    assert.equal(doc.target.precision, 'int8');
    assert.equal(doc.device.name, 'hostnn_cpu');
    assert.deepEqual(doc.images.map((i) => [i.file, i.source]), images.map((f) => [path.basename(f), 'sample']));
    for (const i of doc.images) {
      assert.equal(i.output.length, doc.classes);
      assert.equal(i.output.indexOf(Math.max(...i.output)), i.top1.index, i.file);
    }
  });

  it('a copy outside the samples folder is a photo', async () => {
    const photo = file('star_96x96.png');
    fs.copyFileSync(images[0], photo);
    const r = await run('classify', photo, '--model', 'shapes-fp32', '--save-outputs', file('photo.json'));
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(fs.readFileSync(file('photo.json'), 'utf8'));
    assert.deepEqual(d.images.map((i) => [i.file, i.source]), [['star_96x96.png', 'photo']]);
    assertRuntimeError(await run('verify', '--device-outputs', file('photo.json')), /photo 'star_96x96\.png': give --images DIR/);
    const v = await run('verify', '--device-outputs', file('photo.json'), '--images', tmp);
    assert.equal(v.code, 0, v.stderr);
  });

  it('verify --device-outputs passes an export that matches the host models, checked against its precision', async () => {
    const r = await run('verify', '--device-outputs', exported, '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.checkedAgainst, 'int8');
    assert.equal(report.host.fp32.id, 'shapes-fp32');
    assert.equal(report.host.int8.id, 'shapes-int8');
    assert.equal(report.images.length, images.length);
    // Produced by the same host runtime on the same int8 model: the same numbers.
    assert.ok(report.summaries.deviceVsInt8.cosine.min > 0.99999, JSON.stringify(report.summaries.deviceVsInt8));
    assert.equal(report.summaries.deviceVsInt8.top1Agreement, 1);
    assert.deepEqual(report.summaries.deviceVsFp32, report.summaries.hostInt8VsFp32);
    const text = await run('verify', '--device-outputs', exported);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^export: shapes-int8 \(int8, shapes_int8\.onnx\) on hostnn_cpu \(cpu\)/m);
    assert.match(text.stdout, /^ {2}star_96x96\.png +star +0\.9\d{5} +same +1\.0{6} +same +0\.9\d{5}$/m);
    assert.match(text.stdout, /^result: pass$/m);
  });

  it('fails an export whose outputs are off, naming the thresholds missed', async () => {
    const bad = copy(doc);
    const out = bad.images[1].output;
    const top = out.indexOf(Math.max(...out));
    out.reverse();  // another class on top, the logits scrambled
    assert.notEqual(out.indexOf(Math.max(...out)), top);
    const r = await run('verify', '--device-outputs', write('bad.json', bad), '--min-top1', '1');
    assertRuntimeError(r, /device outputs below thresholds against the host int8 model: cosine: 1 of 4 images below --min-cosine 0\.99.*top-1 agreement 75\.00% < --min-top1 100\.00%/);
    assert.match(r.stdout, /^ {2}house_640x480\.png .* differs .* differs /m);
    assert.match(r.stdout, /^result: FAIL \(2 of the thresholds missed\)$/m);
  });

  it('an export made through AIPP (the runtime resizes) still passes against the host runs on the CPU', async () => {
    const s = (await exportAndVerify('shapes-int8', 'aipp', 'aipp.json')).summaries.deviceVsInt8;
    assert.ok(s.cosine.min > 0.99 && s.cosine.min < 1, JSON.stringify(s));
  });

  it('a float export is checked against the host fp32 model', async () => {
    const report = await exportAndVerify('shapes-fp32', 'cpu', 'fp32.json');
    assert.equal(report.checkedAgainst, 'fp32');
    assert.ok(report.summaries.deviceVsFp32.cosine.min > 0.99999);
  });

  it('BAD CALL - unreadable, foreign and inconsistent exports, and flags that do not apply', async () => {
    assertRuntimeError(await run('verify', '--device-outputs', file('missing.json')), /missing\.json/);
    assertRuntimeError(await run('verify', '--device-outputs', write('text.json', 'x')), /not an output export/);
    fs.writeFileSync(file('garbage.json'), '{"format":');
    assertRuntimeError(await run('verify', '--device-outputs', file('garbage.json')), /not JSON/);
    assertRuntimeError(await run('verify', '--device-outputs', '/dev/zero'), /output export is a character device/);
    assertRuntimeError(await run('verify', '--device-outputs', write('report.json', { format: 'npulens-benchmark/2' })),
      /format is "npulens-benchmark\/2", expected "npulens-outputs\/1"/);
    const short = copy(doc);
    short.images[2].output.pop();
    assertRuntimeError(await run('verify', '--device-outputs', write('short.json', short)),
      /images\[2\]\.output \(umbrella_500x500\.png\) has 11 values, classes is 12/);
    const nan = copy(doc);
    nan.images[0].output[1] = 'NaN';
    assertRuntimeError(await run('verify', '--device-outputs', write('nan.json', nan)), /images\[0\]\.output\[1\] .* not a finite number/);
    const gone = copy(doc);
    gone.images[0].file = 'no_such_sample.png';
    assertRuntimeError(await run('verify', '--device-outputs', write('gone.json', gone)),
      /sample 'no_such_sample\.png' is not in the bundled samples/);
    const other = copy(doc);
    other.model = 'my-model';
    assertCliUsageError(await run('verify', '--device-outputs', write('other.json', other)),
      /names no -fp32\/-int8 pair: give --model/, usage);
    assertCliUsageError(await run('verify', '--device-outputs', exported, images[0]), /give no images/, usage);
    assertCliUsageError(await run('verify', '--device-outputs', exported, '--aipp'), /--aipp does not apply/, usage);
  });
});
