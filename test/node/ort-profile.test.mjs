// bench:ort-profile (src/bench/ort-profile.ts): onnxruntime-node's per-node profile of a model in its best form, its
// nodes named as in the ONNX graph with their op class, and ours (an npulens_bench --profile report) beside it by
// node. On the bundled shapes models (a MobileNet-like stack of 3x3, depthwise and 1x1 convolutions and a Gemm): a
// few runs, nothing here asserts a time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { bundledRawfileDir, haveBundledModels, repoRoot } from './helpers.mjs';

const script = path.join(repoRoot, 'dist', 'bench', 'ort-profile.js');
const models = path.join(bundledRawfileDir, 'models');

function profile(...args) {
  const r = spawnSync(process.execPath, [script, '--runs', '3', '--warmup', '1', '--top', '100', ...args],
    { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The node table's row of ONNX node `name` as cells (min ms, mean ms, %, cum%, op, class, node, ONNX node). */
function nodeRow(stdout, name) {
  const lines = stdout.split('\n').filter((l) => l.trim().split(/\s{2,}/)[7] === name);
  assert.equal(lines.length, 1, `one row for ONNX node ${name} in:\n${stdout}`);
  return lines[0].trim().split(/\s{2,}/);
}

describe('bench:ort-profile', { skip: !haveBundledModels && 'the bundled models are not generated' }, () => {
  let dir;
  before(() => {
    // An int8 model with a uint8-activation twin beside it (here the same graph: the file picked is what is checked).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-ort-profile-test-'));
    fs.copyFileSync(path.join(models, 'shapes_int8.onnx'), path.join(dir, 'shapes_int8.onnx'));
    fs.copyFileSync(path.join(models, 'shapes_int8.onnx'), path.join(dir, 'shapes_int8_u8act.onnx'));
  });

  it("profiles an int8 model's uint8 twin: every Conv and the Gemm by ONNX node name, with its op class", () => {
    const r = profile('--model', path.join(dir, 'shapes_int8.onnx'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^onnxruntime-node per-node profile: shapes_int8_u8act\.onnx, 1 thread\(s\), all graph optimisations, 3 runs after 1 warm-up;/);
    // onnxruntime's fused QDQ convolution is named after the Conv node: '/0/Conv_token_37'.
    const [op, cls, ortName] = nodeRow(r.stdout, '/0/Conv').slice(4);
    assert.deepEqual([op, cls], ['QLinearConv', '3x3 conv']);
    assert.match(ortName, /^\/0\/Conv_token_\d+$/);
    assert.equal(nodeRow(r.stdout, '/3/Conv')[5], 'depthwise');
    assert.equal(nodeRow(r.stdout, '/6/Conv')[5], '1x1 conv');
    assert.deepEqual(nodeRow(r.stdout, '/48/Gemm').slice(4), ['QGemm', 'FC', '/48/Gemm', '/48/Gemm']);
    // All 15 convolutions, each once.
    const cells = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/)).filter((c) => c.length === 8);
    const convs = cells.filter((c) => c[4] === 'QLinearConv').map((c) => c[7]);
    assert.deepEqual(convs.sort(), Array.from({ length: 15 }, (_, i) => `/${3 * i}/Conv`).sort());
    assert.match(r.stdout, /\nby op type\n {2}op +ms +%\n {2}QLinearConv /);
  });

  it('--same-file profiles the int8 file itself', () => {
    const r = profile('--model', path.join(dir, 'shapes_int8.onnx'), '--same-file');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^onnxruntime-node per-node profile: shapes_int8\.onnx,/);
  });

  it("puts ours beside onnxruntime's fp32 fused convolutions by node, and sums each op class", () => {
    // onnxruntime names its fused Conv + Clip of the fp32 graph after the Clip's output ('/2/Clip_output_0_nchwc').
    const ours = path.join(dir, 'ours.json');
    const op = (name, ms) => ({ op: name, backend: 'xnnpack fp32', outputShape: '1x8x8x8', macs: 1, minMs: ms,
      meanMs: ms, gmacPerSec: 0, runs: 3, peakShare: null });
    fs.writeFileSync(ours, JSON.stringify({ producer: 'npulens_bench',
      profile: [op("Conv '/0/Conv' + Clip", 1), op("Conv '/3/Conv' + Clip", 2), op("Gemm '/48/Gemm'", 4)] }));
    const out = path.join(dir, 'side.json');
    const r = profile('--model', path.join(models, 'shapes_fp32.onnx'), '--ours', ours, '--json', out);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    const side = new Map(doc.side.map((s) => [s.node, s]));
    for (const [node, cls, oursMs] of [['/0/Conv', '3x3 conv', 1], ['/3/Conv', 'depthwise', 2], ['/48/Gemm', 'FC', 4]]) {
      assert.equal(side.get(node)?.cls, cls, node);
      assert.equal(side.get(node)?.oursMs, oursMs, node);
      assert.ok(side.get(node)?.ortMs > 0, `${node}: onnxruntime's time ${side.get(node)?.ortMs}`);
    }
    assert.equal(side.get('/6/Conv')?.oursMs, null);  // not in our report
    const classes = new Map(doc.classes.map((c) => [c.cls, c]));
    assert.equal(classes.get('3x3 conv').oursMs, 1);
    assert.equal(classes.get('depthwise').oursMs, 2);
    assert.equal(classes.get('FC').ratio, 4 / side.get('/48/Gemm').ortMs);
    assert.match(r.stdout, /\nby op class\n {2}class +ours ms +ort ms +ours\/ort\n {2}1x1 conv +0\.000 /);
  });

  it('BAD CALL - a --ours file without a profile, or no --model: exit 1 naming it', () => {
    const report = path.join(dir, 'no-profile.json');
    fs.writeFileSync(report, JSON.stringify({ producer: 'npulens_bench', runs: [] }));
    let r = profile('--model', path.join(models, 'shapes_fp32.onnx'), '--ours', report);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `bench:ort-profile: --ours: ${report} is not an npulens_bench --profile report (no "profile")\n`);
    r = profile();
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'bench:ort-profile: --model FILE.onnx is required\n');
  });
});
