// bench:peer's parts that are not timing (src/bench/macs.ts, src/bench/peer-figures.ts): the MAC count of an ONNX
// graph, which onnxruntime configurations a model runs in and which one counts, GMAC/s and the share of the peak;
// and its bad calls. Fast: nothing here times anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixtures, repoRoot, require } from './helpers.mjs';

const { countMacs } = require(path.join(repoRoot, 'dist', 'bench', 'macs.js'));
const figures = require(path.join(repoRoot, 'dist', 'bench', 'peer-figures.js'));
const { SAME_FILE, UINT8_TWIN, bestPeer, childArgs, geometricMean, gmacPerSec, mergeRows, peakShare, peerConfigs,
  readPeak, turnRatios, twinFile } = figures;

// test/node/fixtures/make_models.py: a 3x3 Conv, 3 -> 8 channels, pads 1, over 1x3x16x16 (16*16*8 outputs of 3*3*3
// MACs each), then a Gemm 8 -> 5 after the global pooling.
const TINY_MACS = 16 * 16 * 8 * (3 * 3 * 3) + 8 * 5;
const model = (...p) => fs.readFileSync(path.join(fixtures, ...p));

describe('MAC count of an ONNX graph', () => {
  it('counts the Conv and Gemm of the tiny fp32 model and of its int8 QDQ form alike', () => {
    assert.equal(countMacs(model('models', 'tiny_fp32.onnx')), TINY_MACS);
    assert.equal(countMacs(model('models', 'tiny_int8.onnx')), TINY_MACS);
  });

  it('follows any shape-preserving activation (Tanh in place of Relu)', () => {
    assert.equal(countMacs(model('bad', 'unsupported_op.onnx')), TINY_MACS);
  });

  it('BAD CALL - an op whose shape it does not follow stops the count, naming the op', () => {
    const bytes = model('models', 'tiny_fp32.onnx');
    const at = bytes.indexOf('GlobalAveragePool');
    assert.ok(at > 0);
    bytes.write('GlobalAveragePoox', at);  // same length: the protobuf stays valid
    assert.throws(() => countMacs(bytes), { name: 'Error', message: /^GlobalAveragePoox '.*': its output shape is not followed/ });
  });

  it('BAD CALL - a truncated, random or empty file is an Error, not a count', () => {
    assert.throws(() => countMacs(model('bad', 'truncated.onnx')), { name: 'Error', message: /truncated protobuf/ });
    assert.throws(() => countMacs(model('bad', 'random.onnx')), Error);
    assert.throws(() => countMacs(model('bad', 'empty.onnx')), { name: 'Error', message: 'not an ONNX model: no graph' });
  });
});

describe('onnxruntime configurations and the one that counts', () => {
  it('runs an int8 model also as its uint8-activation twin (tools/models/bench.py names it), fp32 as it is', () => {
    assert.deepEqual(peerConfigs('fp32', '/m/resnet18_fp32.onnx'), [{ name: SAME_FILE, file: '/m/resnet18_fp32.onnx' }]);
    assert.deepEqual(peerConfigs('int8', '/m/resnet18_int8.onnx'), [
      { name: SAME_FILE, file: '/m/resnet18_int8.onnx' }, { name: UINT8_TWIN, file: '/m/resnet18_int8_u8act.onnx' }]);
    assert.throws(() => twinFile('/m/model.tflite'), { name: 'RangeError', message: '/m/model.tflite: not an .onnx file' });
  });

  it('the best is the lowest p50, the first listed on a tie', () => {
    assert.deepEqual(bestPeer(new Map([[SAME_FILE, 9.8], [UINT8_TWIN, 6.2]])), { name: UINT8_TWIN, ms: 6.2 });
    assert.deepEqual(bestPeer(new Map([[SAME_FILE, 5], [UINT8_TWIN, 7]])), { name: SAME_FILE, ms: 5 });
    assert.deepEqual(bestPeer(new Map([[SAME_FILE, 5], [UINT8_TWIN, 5]])), { name: SAME_FILE, ms: 5 });
  });

  it('BAD CALL - no configuration, or a time that is not positive, is a RangeError', () => {
    assert.throws(() => bestPeer(new Map()), { name: 'RangeError', message: 'no onnxruntime configuration was timed' });
    assert.throws(() => bestPeer(new Map([[SAME_FILE, 0]])), { name: 'RangeError', message: /same file: p50 0 ms/ });
    assert.throws(() => bestPeer(new Map([[SAME_FILE, NaN]])), RangeError);
  });

  it('paired: per turn ours over the peer of the same turn, whichever phase the turn ran in', () => {
    // Turns 0-1 in a slow phase (both sides 1.5x), 2-4 fast: each side's p50 could land in either phase, the
    // per-turn ratios do not move.
    assert.deepEqual(turnRatios([9, 9, 6, 6, 5], [10, 12, 6, 8, 5]), [0.9, 0.75, 1, 0.75, 1]);
  });

  it('BAD CALL - turns of different counts, none, or a time that is not positive, is a RangeError', () => {
    assert.throws(() => turnRatios([1, 2], [1]),
      { name: 'RangeError', message: 'turn ratios of 2 and 1 samples: need the same number, not 0' });
    assert.throws(() => turnRatios([], []), RangeError);
    assert.throws(() => turnRatios([1, 0], [1, 1]),
      { name: 'RangeError', message: 'turn 1: 0 ms / 1 ms is not a ratio of positive times' });
    assert.throws(() => turnRatios([1, 1], [1, NaN]), { name: 'RangeError', message: /turn 1: 1 ms \/ NaN ms/ });
  });

  it('the pinned 1-thread run gets the same options, its thread count and a report file', () => {
    assert.deepEqual(childArgs({ set: 'broad', models: ['a-fp32', 'b-int8'], iterations: 20, warmup: 3, peak: 'p.json' },
      [1], '/tmp/r.json'), ['--set', 'broad', '--model', 'a-fp32', '--model', 'b-int8', '--iterations', '20',
      '--warmup', '3', '--threads', '1', '--peak', 'p.json', '--json', '/tmp/r.json']);
    assert.deepEqual(childArgs({ set: 'bench', iterations: 50, warmup: 5, image: 'x.png' }, [1, 4], 'r.json'),
      ['--set', 'bench', '--iterations', '50', '--warmup', '5', '--threads', '1,4', '--image', 'x.png', '--json', 'r.json']);
  });

  it('rows of the pinned and the in-process run as one table: by model, then threads', () => {
    const row = (id, threads) => ({ id, threads });
    assert.deepEqual(mergeRows(['b', 'a'], [row('a', 1), row('b', 1)], [row('b', 2), row('a', 2)]),
      [row('b', 1), row('b', 2), row('a', 1), row('a', 2)]);
  });

  it('BAD CALL - a child run of no thread count, or a row of a model the run did not have, is a RangeError', () => {
    assert.throws(() => childArgs({ set: 'bench', iterations: 1, warmup: 0 }, [], 'r.json'),
      { name: 'RangeError', message: 'a child run needs a thread count' });
    assert.throws(() => mergeRows(['a'], [{ id: 'c', threads: 1 }]),
      { name: 'RangeError', message: "row of 'c', a model the run did not have" });
  });

  it('GMAC/s, the geometric mean of the ratios and the share of the peak of the cores used', () => {
    assert.equal(gmacPerSec(300e6, 10), 30);
    assert.throws(() => gmacPerSec(300e6, 0), RangeError);
    assert.ok(Math.abs(geometricMean([0.5, 2, 1]) - 1) < 1e-12);
    assert.throws(() => geometricMean([]), RangeError);
    const peak = readPeak({ format: 'npulens-peak/1', peak: { fp32: { gmacPerSec: 32 }, int8: { gmacPerSec: 64 } } }, 'p.json');
    assert.deepEqual(peak, { fp32: 32, int8: 64, source: 'p.json' });
    assert.equal(peakShare(16, 'int8', 1, peak), 0.25);
    assert.equal(peakShare(16, 'fp32', 2, peak), 0.25);
  });

  it('BAD CALL - a peak report that is not npulens_peak\'s is an Error naming what is wrong', () => {
    assert.throws(() => readPeak({ format: 'npulens-benchmark/2' }, 'b.json'),
      { name: 'Error', message: 'b.json: not an npulens_peak report (format npulens-peak/1)' });
    assert.throws(() => readPeak({ format: 'npulens-peak/1', peak: { fp32: { gmacPerSec: 32 } } }, 'p.json'),
      { name: 'Error', message: 'p.json: peak.int8.gmacPerSec is not a positive number' });
  });
});

describe('bench:peer command line', () => {
  const peer = (...args) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'peer.js'), ...args],
    { encoding: 'utf8' });

  it('BAD CALL - a thread count below 1 exits 1 with one error line', () => {
    const r = peer('--threads', '1,0');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "error: expected an integer >= 1, got '0'\n");
  });

  it('BAD CALL - a --peak file that is missing exits 1 naming it', () => {
    const r = peer('--peak', '/nonexistent/peak.json');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: --peak: ENOENT.*\/nonexistent\/peak\.json/);
  });
});
