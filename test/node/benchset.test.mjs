// The broad benchmark set (tools/models/benchset.py, generated at setup into build/benchset/): every model, fp32 and
// int8, either loads in our host runtime and agrees with onnxruntime-node on the same pre-processed input, or our
// runtime refuses it at load with OH_NN_UNSUPPORTED naming the op, and that op is the one EXPECTED_MISSING lists for
// the file. The list must match exactly: when an op is added, the model loads, the test fails until its entry goes.
//   fp32: against onnxruntime's float run, max |Δlogit| <= 1e-4 x max |logit| and the same top-1;
//   int8: against onnxruntime's unfused QDQ run (graphOptimizationLevel 'basic': DequantizeLinear -> fp32 op ->
//         QuantizeLinear, the ONNX definition; cpp/hostnn/README.md "Agreement with onnxruntime" says why not its
//         fused run), max |Δlogit| <= INT8_MAX_LSB output LSBs (the scale of the model's output QuantizeLinear).
// Two inputs per model: a bundled photo (pre-processing resizes it) and a synthetic 224x224 pattern.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { api, bundledRawfileDir, repoRoot, require, rgbaImage } from './helpers.mjs';

const { OrtSession } = require(path.join(repoRoot, 'dist', 'ort', 'session.js'));
const { countMacs } = require(path.join(repoRoot, 'dist', 'bench', 'macs.js'));
const sharp = require('sharp');

const setDir = path.join(repoRoot, 'build', 'benchset');
const indexFile = path.join(setDir, 'index.json');

// What our runtime refuses today, per file: the op its OH_NN_UNSUPPORTED error names (none: every model loads).
const EXPECTED_MISSING = {};
const FP32_REL_TOL = 1e-4;
const INT8_MAX_LSB = 3;
const IMAGENET = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };

function readIndex() {
  if (!fs.existsSync(indexFile)) {
    throw new Error(`${indexFile} is missing: generate the set with scripts/setup.d/21-benchset.sh`);
  }
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  assert.equal(index.format, 'npulens-benchset/1', indexFile);
  return index;
}

const index = readIndex();

async function inputs() {
  const photo = path.join(bundledRawfileDir, 'samples', 'house_640x480.png');
  const { data, info } = await sharp(photo).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return [
    { name: 'house_640x480.png', pixels: new Uint8Array(data).buffer, width: info.width, height: info.height },
    { name: 'pattern 224x224', pixels: rgbaImage(224, 224, 3).buffer, width: 224, height: 224 },
  ];
}
const images = await inputs();

const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
const maxAbs = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Our classifier for `file`, or the op named by the OH_NN_UNSUPPORTED error it is refused with. */
async function load(file) {
  try {
    return {
      classifier: await api.loadClassifier({
        modelPath: file, input: { width: 224, height: 224, ...IMAGENET }, classes: index.classes,
        outputKind: 'probabilities',  // no softmax: the raw logits, to compare in output LSBs
      }),
    };
  } catch (err) {
    assert.equal(err.code, 'OH_NN_UNSUPPORTED', `${path.basename(file)}: refused with ${err.code}: ${err.message}`);
    const op = /unsupported (?:op '(\w+)'|(\w+) )/.exec(err.message);
    assert.ok(op, `${path.basename(file)}: the refusal does not name the op: ${err.message}`);
    return { missing: op[1] ?? op[2], message: err.message };
  }
}

const refused = {}, measured = {};

for (const model of index.models) {
  for (const precision of ['fp32', 'int8']) {
    const name = model.files[precision].replace(/\.onnx$/, '');
    const file = path.join(setDir, model.files[precision]);
    describe(`benchset: ${name} (${model.arch}, ${precision})`, () => {
      it('loads and agrees with onnxruntime-node, or is refused naming the op EXPECTED_MISSING lists', async () => {
        const ours = await load(file);
        if (ours.missing !== undefined) {
          refused[name] = ours.missing;
          assert.equal(ours.missing, EXPECTED_MISSING[name],
            `refused, naming ${ours.missing}, but EXPECTED_MISSING says ${EXPECTED_MISSING[name] ?? 'it loads'}: ${ours.message}`);
          return;
        }
        const session = await OrtSession.open(file, { threads: 1, optimization: 'basic' });
        try {
          assert.equal(EXPECTED_MISSING[name], undefined,
            `loads now: remove '${name}' from EXPECTED_MISSING (was: ${EXPECTED_MISSING[name]} missing)`);
          for (const image of images) {
            const ins = await ours.classifier.inspect(image.pixels, image.width, image.height, 'RGBA');
            const ref = (await session.run(session.tensor(ins.input, ins.inputShape, ins.inputDType))).data;
            const got = ins.probabilities;
            assert.equal(got.length, ref.length, `${image.name}: output length`);
            const diff = maxAbsDiff(got, ref);
            const figure = precision === 'fp32' ? diff / maxAbs(ref) : diff / model.int8LogitsScale;
            measured[name] = Math.max(measured[name] ?? 0, figure);
            if (precision === 'fp32') {
              assert.ok(diff <= FP32_REL_TOL * maxAbs(ref),
                `${image.name}: max |Δlogit| ${diff} > ${FP32_REL_TOL} x max |logit| ${maxAbs(ref)}`);
              assert.equal(argmax(got), argmax(ref), `${image.name}: top-1`);
            } else {
              const lsb = diff / model.int8LogitsScale;
              assert.ok(lsb <= INT8_MAX_LSB + 1e-3, `${image.name}: max |Δlogit| ${lsb.toFixed(2)} LSB > ${INT8_MAX_LSB}`);
            }
          }
        } finally {
          ours.classifier.release();
          await session.release();
        }
      });
    });
  }
}

describe('benchset: bench:peer over the set', () => {
  // What bench:peer divides by for GMAC/s: src/bench/macs.ts's count from the graph (grouped and depthwise
  // convolutions, Split, Transpose, Concat followed) equals the generator's from ONNX shape inference.
  it('macs.ts counts every model as benchset.py does', () => {
    for (const m of index.models) {
      for (const precision of ['fp32', 'int8']) {
        assert.equal(countMacs(fs.readFileSync(path.join(setDir, m.files[precision]))), m.macs, `${m.key} ${precision}`);
      }
    }
  });

  const peer = (...args) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'peer.js'), ...args],
    { encoding: 'utf8' });

  it('BAD CALL - --set other than bench or broad exits 1 with one error line', () => {
    const r = peer('--set', 'all');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "error: --set: expected bench or broad, got 'all'\n");
  });

  it('BAD CALL - --set broad --model with an id not in the set exits 1 listing the set', () => {
    const r = peer('--set', 'broad', '--model', 'mobilenetv2-int4');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: no model 'mobilenetv2-int4' in .*index\.json \(mobilenetv2-fp32, mobilenetv2-int8, /);
  });
});

describe('benchset: EXPECTED_MISSING', () => {
  it('names only files of the set', () => {
    const files = new Set(index.models.flatMap((m) => ['fp32', 'int8'].map((p) => m.files[p].replace(/\.onnx$/, ''))));
    assert.deepEqual(Object.keys(EXPECTED_MISSING).filter((k) => !files.has(k)), []);
  });
});

after(() => {
  process.stderr.write(`benchset: refused by our runtime: ${JSON.stringify(refused)}\n`);
  const shown = Object.entries(measured).map(([k, v]) => `${k} ${k.endsWith('_int8') ? `${v.toFixed(2)} LSB` : v.toExponential(1)}`);
  process.stderr.write(`benchset: max |Δlogit| (fp32: / max |logit|; int8: output LSBs): ${shown.join(', ')}\n`);
});
