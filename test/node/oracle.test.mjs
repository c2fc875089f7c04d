// Independent oracle: onnxruntime-node runs the same ONNX model on the exact input tensor our pre-processing
// produced (Classifier.inspect), and our host runtime's probabilities must agree with it:
//   fp32: the same top-1 on every image and max |Δprobability| <= 1e-3;
//   int8: the same top-1 on >= 98% of images and cosine >= 0.99 of the mean-centred logits (ours are recovered
//         as log-probabilities: softmax is shift-invariant, so logits are known up to a constant per image).
// Models: the generated tiny fixtures always, plus the bundled shapes-* and bench models when present.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, bundledRawfileDir, fixtures, repoRoot, require } from './helpers.mjs';

// onnxruntime-node as the host code opens it: unfused QDQ (the ONNX definition), one thread here.
const { OrtSession } = require(path.join(repoRoot, 'dist', 'ort', 'session.js'));
const sharp = require('sharp');
const samplesDir = path.join(bundledRawfileDir, 'samples');

async function decode(file) {
  const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data).buffer, width: info.width, height: info.height, name: path.basename(file) };
}

function softmax(logits) {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);

function centredCosine(a, b) {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma, y = b[i] - mb;
    dot += x * y; na += x * x; nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

let manifestError = null;

/** [{rawfileDir, modelId, file, precision}] for every model this run can check. */
function models() {
  const list = [
    { rawfileDir: fixtures, modelId: 'tiny-fp32', file: path.join(fixtures, 'models/tiny_fp32.onnx'), precision: 'fp32' },
    { rawfileDir: fixtures, modelId: 'tiny-int8', file: path.join(fixtures, 'models/tiny_int8.onnx'), precision: 'int8' },
  ];
  let manifest;
  try {
    manifest = api.readManifest(bundledRawfileDir);
  } catch (err) {
    // Reported by its own failing test below; the fixture models still run.
    manifestError = err;
    return list;
  }
  for (const m of manifest.models) {
    const onnx = m.targets.find((t) => t.name === 'onnx');
    // Demo models always; the large bench models only on request (they take a while on 2 cores). A wanted model
    // whose .onnx file is missing fails its load below; it is never left out.
    const wanted = m.id.startsWith('shapes-') || (process.env.NPULENS_ORACLE_BENCH === '1' && m.id.startsWith('mobilenetv2'));
    if (onnx && wanted) list.push({ rawfileDir: bundledRawfileDir, modelId: m.id, file: onnx.path, precision: m.precision });
  }
  return list;
}

let images = [];
before(async () => {
  const files = fs.existsSync(samplesDir)
    ? fs.readdirSync(samplesDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => path.join(samplesDir, f))
    : [];
  assert.ok(files.length >= 8, `expected the bundled sample photos in ${samplesDir}`);
  images = await Promise.all(files.map(decode));
});

for (const model of models()) {
  describe(`oracle: ${model.modelId} (${model.precision}) vs onnxruntime-node`, () => {
    let classifier, session;
    before(async () => {
      // The CPU path: onnxruntime runs on the model input inspect() returns, which exists only there (the bundled
      // shapes models declare dynamic AIPP, so 'auto' would take the AIPP path).
      classifier = await api.loadClassifier({ rawfileDir: model.rawfileDir, modelId: model.modelId, preprocessing: 'cpu' });
      session = await OrtSession.open(model.file, { threads: 1 });
    });
    after(async () => {
      classifier?.release();
      await session?.release();
    });

    it(model.precision === 'fp32' ? 'same top-1 on every image, max |Δp| <= 1e-3' : 'top-1 agreement >= 98%, logits cosine >= 0.99',
      async (t) => {
        let agree = 0, worstDelta = 0, worstCosine = 1;
        const disagreements = [];
        for (const img of images) {
          const ins = await classifier.inspect(img.pixels, img.width, img.height, 'RGBA');
          assert.equal(ins.inputDType, 'float32', 'the host models take float32 input');
          const out = await session.run(session.tensor(ins.input, ins.inputShape, ins.inputDType));
          const logits = Array.from(out.data);
          const theirs = softmax(logits);
          const ours = Array.from(ins.probabilities);
          assert.equal(ours.length, theirs.length);
          const delta = Math.max(...ours.map((p, i) => Math.abs(p - theirs[i])));
          const cosine = centredCosine(ours.map((p) => Math.log(Math.max(p, 1e-38))), logits);
          worstDelta = Math.max(worstDelta, delta);
          worstCosine = Math.min(worstCosine, cosine);
          if (argmax(ours) === argmax(theirs)) agree++;
          else disagreements.push(`${img.name}: ours #${argmax(ours)} ort #${argmax(theirs)}`);
        }
        const rate = agree / images.length;
        t.diagnostic(`${model.modelId}: ${images.length} images, top-1 agreement ${(rate * 100).toFixed(1)}%, ` +
          `max |Δp| ${worstDelta.toExponential(2)}, min logits cosine ${worstCosine.toFixed(5)}`);
        if (model.precision === 'fp32') {
          assert.deepEqual(disagreements, []);
          assert.ok(worstDelta <= 1e-3, `max |Δp| ${worstDelta}`);
        } else {
          assert.ok(rate >= 0.98, `top-1 agreement ${rate}: ${disagreements.join('; ')}`);
          assert.ok(worstCosine >= 0.99, `min cosine ${worstCosine}`);
        }
      });
  });
}

it('the bundled manifest (if present) parses', () => {
  assert.equal(manifestError, null, `readManifest(${bundledRawfileDir}): ${manifestError?.message}`);
});
