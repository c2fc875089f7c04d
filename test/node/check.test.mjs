// `npulens check` (src/cli/check.ts -> tools/models/modelcheck.py through src/cli/python.ts's runPythonTool): the
// bundled models pass, broken models and the guide's rules fail with exit 1 and one `error:` line, flags reach the
// check, usage errors exit 2, and no usable Python is one clear error line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  api, assertCliUsageError, assertRuntimeError, bundledManifest, bundledRawfileDir, repoRoot, require, runInProcess,
} from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const { runPythonTool } = require(path.join(repoRoot, 'dist', 'cli', 'python.js'));
const { CliError } = require(path.join(repoRoot, 'dist', 'cli', 'errors.js'));

process.env.NPULENS_RAWFILE_DIR = bundledRawfileDir;
delete process.env.NPULENS_PYTHON;
// Underscores, not '-': the guide's path rule (letters, digits, underscores) is one of the checks.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens_check_'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const shapesFp32 = path.join(bundledRawfileDir, 'models', 'shapes_fp32.onnx');

const check = (...args) => runInProcess(runCli, ['check', ...args]);

/**
 * Runs `fn` in the temporary folder, where models are given by relative paths: the guide's path rule then sees only
 * the names a test chose, wherever the temporary folder is.
 */
async function inTmp(fn) {
  const cwd = process.cwd();
  process.chdir(tmp);
  try {
    return await fn();
  } finally {
    process.chdir(cwd);
  }
}

/** Runs `fn` with NPULENS_PYTHON set to `python`, restoring the environment after. */
async function withPython(python, fn) {
  process.env.NPULENS_PYTHON = python;
  try {
    return await fn();
  } finally {
    delete process.env.NPULENS_PYTHON;
  }
}

describe('npulens check', () => {
  it('passes every bundled model with an onnx target (warnings allowed), by id', async () => {
    const manifest = api.readManifest(bundledRawfileDir);
    const ids = manifest.models.filter((m) => m.targets.some((t) => t.name === 'onnx')).map((m) => m.id);
    assert.ok(ids.includes('shapes-fp32') && ids.includes('shapes-int8'), `bundled ids: ${ids}`);
    for (const id of ids) {
      const r = await check(id);
      assert.equal(r.code, 0, `${id}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^ok: 0 error\(s\), \d+ warning\(s\)/m, id);
      // Each finding names its source in the guide.
      assert.match(r.stdout, /source: CANN Kit guide: /, id);
    }
  });

  it('reports the model, its findings and sources as JSON (--json - and --json FILE)', async () => {
    const r = await check('shapes-int8', '--json', '-');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.model.inputs, [{ name: 'input', shape: [1, 3, 96, 96], type: 'FP32' }]);
    const rules = doc.findings.map((f) => f.rule);
    assert.ok(rules.includes('quantized-model'), `the int8 QDQ model is flagged for dopt: ${rules}`);
    for (const f of doc.findings) assert.match(f.source, /^CANN Kit guide: /);
    const file = path.join(tmp, 'report.json');
    const w = await check(shapesFp32, '--json', file);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /^ok: /m);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).ok, true);
  });

  it('passes omg\'s flags on: -1 needs --dynamic-dims, the type tables, AIPP-only input types', async () => {
    const dynamic = await check('shapes-fp32', '--input-shape', 'input:-1,3,96,96');
    assertRuntimeError(dynamic, /--dynamic_dims/);
    const profiles = await check('shapes-fp32', '--input-shape', 'input:-1,3,96,96', '--dynamic-dims', '1;2;4;8');
    assert.equal(profiles.code, 0, profiles.stderr);
    assert.match(profiles.stdout, /4 profile\(s\) for the 1 dim\(s\) written -1: 1; 2; 4; 8/);
    const tooMany = await check('shapes-fp32', '--input-shape', 'input:-1,3,96,96', '--dynamic-dims',
      Array.from({ length: 17 }, (_, i) => i + 1).join(';'));
    assertRuntimeError(tooMany, /at most 16/);
    assertRuntimeError(await check('shapes-fp32', '--input-type', 'input:INT8'), /FP32 -> INT8/);
    const uint8 = await check('shapes-fp32', '--input-type', 'input:UINT8', '--json', '-');
    assert.ok(JSON.parse(uint8.stdout).findings.some((f) => f.rule === 'input-type' && f.level === 'warning'));
    const aipp = await check('shapes-fp32', '--input-type', 'input:UINT8', '--aipp', '--json', '-');
    assert.ok(!JSON.parse(aipp.stdout).findings.some((f) => f.rule === 'input-type'), aipp.stdout);
    const quantized = await check(shapesFp32, '--quantized', '--json', '-');
    assert.ok(JSON.parse(quantized.stdout).findings.some((f) => f.rule === 'conv-channels' &&
      /multiple of 32/.test(f.message)), 'int8 convolutions are held to multiples of 32');
  });

  it('BAD CALL - a model in a folder the guide\'s path rule refuses, a truncated model, /dev/zero', () => inTmp(async () => {
    fs.mkdirSync('shapes-int8');
    const dashed = path.join('shapes-int8', 'shapes_int8.onnx');
    fs.copyFileSync(shapesFp32, dashed);
    assertRuntimeError(await check(dashed), /folder 'shapes-int8' has '-'.*letters, digits and underscores/);
    fs.writeFileSync('truncated.onnx', fs.readFileSync(shapesFp32).subarray(0, 2000));
    assertRuntimeError(await check('truncated.onnx'), /not an ONNX model or truncated/);
    assertRuntimeError(await check('/dev/zero'), /not a regular file/);
    assertRuntimeError(await check('missing.onnx'), /cannot read the model/);
  }));

  it('BAD CALL - unknown ids and models without an onnx target', async () => {
    assertRuntimeError(await check('no-such-model'), /unknown model 'no-such-model' \(known: .*shapes-fp32/);
    const manifest = JSON.parse(fs.readFileSync(bundledManifest, 'utf8'));
    const deviceOnly = manifest.models.find((m) => m.targets.onnx === undefined);
    assert.ok(deviceOnly, 'the manifest has a device-only model (the zoo presets)');
    assertRuntimeError(await check(deviceOnly.id), /has no onnx target to check/);
  });

  it('BAD CALL - usage errors exit 2', async () => {
    assertCliUsageError(await check(), /missing model/, /npulens check <model.onnx\|id>/);
    assertCliUsageError(await check('a.onnx', 'b.onnx'), /one model at a time, got 2/, /npulens check/);
    assertCliUsageError(await check('shapes-fp32', '--input-shapes', 'x'), /Unknown option '--input-shapes'/,
      /npulens check/);
    // Values in omg's syntax are parsed by the check: its error line first, then its usage.
    const bad = await check('shapes-fp32', '--input-shape', 'input:1,x,96,96');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.split('\n')[0], /^error: --input-shape input: 'x' is not an integer$/);
    assert.equal(bad.stdout, '');
  });
});

describe('runPythonTool', () => {
  it('finds the tools from the package, not the working directory, and hands back the exit code', () => inTmp(async () => {
    fs.copyFileSync(shapesFp32, 'model_copy.onnx');
    const r = await check('model_copy.onnx');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^model_copy\.onnx: ONNX IR 7/);
  }));

  it('BAD CALL - no interpreter, or one without numpy, is one error line naming what is missing', async () => {
    const missing = await withPython(path.join(tmp, 'no-python'), () => check('shapes-fp32'));
    assertRuntimeError(missing, /no Python with numpy and onnx to run modelcheck.py: .*no-python: not found.*NPULENS_PYTHON/);
    // The system Python without its site packages: numpy does not import.
    const bare = path.join(tmp, 'bare_python');
    fs.writeFileSync(bare, '#!/bin/sh\nexec /usr/bin/python3 -S -I "$@"\n', { mode: 0o755 });
    const noNumpy = await withPython(bare, () => check('shapes-fp32'));
    assertRuntimeError(noNumpy, /no Python with numpy and onnx to run modelcheck.py: .*bare_python: no module 'numpy'/);
    assert.equal(noNumpy.stdout, '');
  });

  it('BAD CALL - a tool that is not there', async () => {
    const io = { stdout: { write() {} }, stderr: { write() {} } };
    await assert.rejects(runPythonTool('no_such_tool.py', [], io),
      (err) => err instanceof CliError && /the Python tool is missing/.test(err.message) &&
        /tools\/models\/no_such_tool\.py/.test(err.message));
  });
});
