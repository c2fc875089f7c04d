// `npulens verify --layers --engine ours`: the host runtime's own intermediate tensors (HMS_HiAIOptions_SetOmOptions
// DUMP through `npulens classify --dump`, read by tools/models/layerdiff.py) against the numpy executor's. The same
// model agrees at every tensor the runtime writes (fp32 to float rounding, int8 within an LSB of each tensor's
// scale); on tools/models/badlayer.py's model the runtime's int8 run points at conv3 as numpy's does; a missing addon
// or CLI build and a dump folder that cannot be made are one-line errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  assertFails, assertRuntimeError, bundledRawfileDir, layerInputs, loadTiny, repoRoot, require, runInProcess,
} from './helpers.mjs';

const { runVerify } = require(path.join(repoRoot, 'dist', 'cli', 'verify.js'));
const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));

process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
const models = path.join(bundledRawfileDir, 'models');
const { tmp, small, bad, PRE, make } = layerInputs('npulens-verify-ours-');
const python = process.env.NPULENS_PYTHON || '/usr/bin/python3';

before(make);

const verify = (...args) => runInProcess(runVerify, args);

/** The report of `verify --layers ... --json -`. */
async function report(...args) {
  const r = await verify('--layers', ...args, '--json', '-');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** {tensor: scale} of the QuantizeLinear nodes of an int8 QDQ model, read by onnx in Python. */
function quantScales(model) {
  const script = `
import json, sys, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
print(json.dumps({n.input[0]: float(inits[n.input[1]]) for n in m.graph.node if n.op_type == "QuantizeLinear"}))`;
  return JSON.parse(execFileSync(python, ['-c', script, model], { encoding: 'utf8' }));
}

describe('verify --layers --engine ours', () => {
  it('the host runtime agrees with numpy at every tensor it writes on the shapes fp32 model', async () => {
    const doc = await report(small, '--model', 'shapes-fp32', '--against', 'shapes-fp32', '--against-engine', 'ours');
    assert.deepEqual(doc.engines, { reference: 'numpy', candidate: 'ours' });
    const compared = doc.layers.filter((l) => l.accumulated !== undefined);
    const fused = doc.layers.filter((l) => l.error !== undefined);
    assert.ok(compared.length >= 18, `${compared.length} tensors compared`);
    for (const l of compared) assert.ok(l.accumulated.cosineMin >= 0.9999, `${l.tensor}: ${l.accumulated.cosineMin}`);
    // A Conv whose Clip the runtime fused into its step is named, not compared.
    for (const l of fused) assert.match(l.error, /^candidate not written by the runtime: fused into its step Conv '.+' \+ Clip$/);
    assert.ok(fused.every((l) => l.op === 'Conv'), JSON.stringify(fused.map((l) => l.op)));
    assert.equal(doc.output.tensor, 'logits');
    assert.equal(doc.firstDrop, null);
  });

  it('agrees within an LSB of each tensor on the shapes int8 model', async () => {
    const doc = await report(small, '--model', 'shapes-int8', '--against', 'shapes-int8', '--against-engine', 'ours');
    const scales = quantScales(path.join(models, 'shapes_int8.onnx'));
    const compared = doc.layers.filter((l) => l.accumulated !== undefined && l.op !== 'input');
    assert.ok(compared.length >= 18, `${compared.length} tensors compared`);
    let checked = 0;
    for (const l of compared) {
      assert.ok(l.accumulated.cosineMin >= 0.999, `${l.tensor}: ${l.accumulated.cosineMin}`);
      const scale = scales[l.tensor];
      if (scale === undefined) continue;
      assert.ok(l.accumulated.maxAbs <= 1.01 * scale, `${l.tensor}: max |d| ${l.accumulated.maxAbs} vs scale ${scale}`);
      checked++;
    }
    assert.ok(checked >= 15, `${checked} tensors held to their scale`);
  });

  it("points at badlayer's conv3 as numpy does (fp32 on numpy against the int8 model on the runtime)", async () => {
    const doc = await report(bad.images, '--model', bad.fp32, '--against', bad.int8, '--against-engine', 'ours', ...PRE);
    assert.equal(doc.firstDrop.node, 'conv3');
    assert.equal(doc.firstDrop.tensor, 'conv3_out');
    const numpy = await report(bad.images, '--model', bad.fp32, '--against', bad.int8, ...PRE);
    const ours = doc.layers.find((l) => l.node === 'conv3').accumulated.cosine;
    const theirs = numpy.layers.find((l) => l.node === 'conv3').accumulated.cosine;
    assert.ok(Math.abs(ours - theirs) < 0.01, `conv3 cosine ours ${ours} vs numpy ${theirs}`);
    assert.ok(doc.output.accumulated.cosine < 0.99, `${doc.output.accumulated.cosine}`);
    const table = await verify('--layers', bad.images, '--model', bad.fp32, '--against', bad.int8,
      '--against-engine', 'ours', ...PRE);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^\s+6\s+conv3\s+Conv\s+0\.\d+.*<-- first drop$/m);
    assert.match(table.stdout, /^\s+1\s+conv1\s+Conv\s+candidate not written by the runtime: fused into its step Conv 'conv1'$/m);
    assert.match(table.stdout, /^isolated view: none with the ours engine/m);
  });

  it('BAD CALL - no addon, no CLI build, a dump folder that cannot be made', async () => {
    const saved = { addon: process.env.NPULENS_ADDON, dist: process.env.NPULENS_CLI_DIST };
    try {
      process.env.NPULENS_ADDON = path.join(tmp, 'missing.node');
      assertRuntimeError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-fp32',
        '--against-engine', 'ours'), /--engine ours: the addon is not built \(.*missing\.node is missing/);
      process.env.NPULENS_ADDON = saved.addon;
      process.env.NPULENS_CLI_DIST = path.join(tmp, 'no-dist');
      assertRuntimeError(await verify('--layers', small, '--model', 'shapes-fp32', '--against', 'shapes-fp32',
        '--engine', 'ours'), /--engine ours: the CLI is not built \(.*no-dist\/cli\/main\.js is missing/);
    } finally {
      for (const [key, value] of [['NPULENS_ADDON', saved.addon], ['NPULENS_CLI_DIST', saved.dist]]) {
        if (value === undefined) delete process.env[key]; else process.env[key] = value;
      }
    }
    // One SetOmOptions type per compilation: both dirs are a TypeError before anything loads.
    await assertFails(loadTiny('tiny-fp32', { profilingDir: tmp, dumpDir: tmp }), TypeError,
      /options\.profilingDir and options\.dumpDir cannot be combined: HMS_HiAIOptions_SetOmOptions takes one HiAI_OmType/);
    await assertFails(loadTiny('tiny-fp32', { dumpDir: 5 }), TypeError, /options\.dumpDir/);
    await assertFails(loadTiny('tiny-fp32', { dumpDir: path.join(tmp, 'missing') }), Error,
      /the dump dir ".*missing" is not an existing directory/, { code: 'NPULENS_INVALID_ARGUMENT', step: 'compile.options.om_options' });
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const r = await runInProcess(runCli, ['classify', '--model', 'shapes-fp32', '--dump', path.join(file, 'dump'),
      path.join(small, 'star_96x96.png')]);
    assertRuntimeError(r, /--dump/);
  });

  it('classify --dump writes one run per image and reports the option', async () => {
    const dump = path.join(tmp, 'dump');
    const images = fs.readdirSync(small).sort().map((f) => path.join(small, f));
    const r = await runInProcess(runCli, ['classify', '--model', 'shapes-fp32', '--dump', dump, ...images]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^om_options: om_options applied \\(dump into ${dump}\\)$`, 'm'));
    const [model] = fs.readdirSync(dump);
    assert.deepEqual(fs.readdirSync(path.join(dump, model)).sort(), ['run0', 'run1', 'run2', 'run3']);
    const index = JSON.parse(fs.readFileSync(path.join(dump, model, 'run0', 'index.json'), 'utf8'));
    assert.equal(index.tensors[0].op, 'input');
    const classes = fs.readFileSync(path.join(models, 'shapes_labels.txt'), 'utf8').trim().split('\n').length;
    assert.deepEqual(index.tensors.at(-1).shape, [1, classes]);
    const logits = fs.readFileSync(path.join(dump, model, 'run0', index.tensors.at(-1).file));
    assert.equal(logits.length, classes * 4);
  });
});
