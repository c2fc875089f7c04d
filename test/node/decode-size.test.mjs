// Classifier.decodeSize, the one rule for the size to decode a picture at (native DecodeSizeFor): the golden cases
// of rawfile samples/decode_size.json (also checked by the core gtest DecodeSizeTest and the device suite) through the binding on the
// bundled models whose input a case names, and its bad calls (TypeError, RangeError, NPULENS_RELEASED).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, bundledRawfileDir, loadTiny } from './helpers.mjs';

const fixture = JSON.parse(fs.readFileSync(path.join(bundledRawfileDir, 'samples', 'decode_size.json'), 'utf8'));
const key = ({ width, height, centerCrop }) => `${width}x${height}@${centerCrop}`;

describe('Classifier.decodeSize', () => {
  const byInput = new Map();  // the loaded bundled models by their input spec
  before(async () => {
    const manifest = api.readManifest(bundledRawfileDir);
    for (const id of ['mobilenetv2-int8', 'shapes-int8']) {
      const m = manifest.models.find((e) => e.id === id);
      const c = await api.loadClassifier({ rawfileDir: bundledRawfileDir, modelId: id });
      byInput.set(key({ width: m.inputWidth, height: m.inputHeight, centerCrop: m.centerCrop }), c);
    }
  });
  after(() => { for (const c of byInput.values()) c.release(); });

  it('the golden cases: crop 0.875 and 1, portrait and landscape, never upscaled, the largest sides', () => {
    let checked = 0;
    for (const c of fixture.cases) {
      const classifier = byInput.get(key(c.input));
      if (classifier === undefined) continue;  // an input no bundled model has: the gtest checks it
      assert.deepEqual(classifier.decodeSize(c.source[0], c.source[1]), { width: c.decode[0], height: c.decode[1] }, c.name);
      checked++;
    }
    assert.ok(checked >= 10, `only ${checked} golden cases match a bundled model's input`);
  });

  it('BAD CALL - a source side outside 1..2147483647: RangeError naming the size', () => {
    const c = byInput.values().next().value;
    for (const e of fixture.errors) {
      const [w, h] = e.source;
      assert.throws(() => c.decodeSize(w, h), (err) => err instanceof RangeError && err.code === 'NPULENS_OUT_OF_RANGE' &&
        err.step === 'decodeSize' && err.message === `decodeSize: NPULENS_OUT_OF_RANGE (1001): source size ${w}x${h} is outside 1..2147483647 on a side`,
      e.name);
    }
  });

  it('BAD CALL - width or height not a number: TypeError; not an integer: RangeError', () => {
    const c = byInput.values().next().value;
    const fails = (fn, cls, message, code) => assert.throws(fn, (err) => err instanceof cls && message.test(err.message) &&
      err.code === code && err.step === 'decodeSize', String(message));
    fails(() => c.decodeSize('640', 480), TypeError, /^decodeSize: NPULENS_INVALID_ARGUMENT \(1000\): width must be a number$/, 'NPULENS_INVALID_ARGUMENT');
    fails(() => c.decodeSize(640), TypeError, /height must be a number$/, 'NPULENS_INVALID_ARGUMENT');
    fails(() => c.decodeSize(640.5, 480), RangeError, /width must be an integer, got 640\.5$/, 'NPULENS_OUT_OF_RANGE');
    fails(() => c.decodeSize(640, Number.NaN), RangeError, /height must be an integer, got NaN$/, 'NPULENS_OUT_OF_RANGE');
    fails(() => c.decodeSize(2 ** 60, 480), RangeError, /width must be within/, 'NPULENS_OUT_OF_RANGE');
    fails(() => c.decodeSize.call({}, 640, 480), TypeError, /not a Classifier made by loadClassifier\(\)$/, 'NPULENS_INVALID_ARGUMENT');
  });

  it('BAD CALL - after release(): Error NPULENS_RELEASED', async () => {
    const c = await loadTiny();
    assert.deepEqual(c.decodeSize(64, 32), { width: 32, height: 16 }, 'the tiny model: 16x16, crop 1');
    c.release();
    assert.throws(() => c.decodeSize(64, 32), (err) => err instanceof Error && !(err instanceof TypeError) &&
      err.code === 'NPULENS_RELEASED' && err.step === 'decodeSize' &&
      err.message === 'decodeSize: NPULENS_RELEASED (1004): the classifier was released');
  });
});
