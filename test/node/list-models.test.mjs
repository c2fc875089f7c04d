// listModels: the manifest as the native model loader reads and validates it (the app's catalog on the device comes
// from the same code over rawfiles; here over the files of a rawfile folder, the host's 'onnx' target).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { addonPath, api, assertFails, fixtures, require } from './helpers.mjs';

const addon = require(addonPath);
const manifest = path.join(fixtures, 'models', 'manifest.json');

function withManifest(text, body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-list-'));
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(file, text);
  return Promise.resolve(body(file)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

describe('listModels', () => {
  it('lists every model in manifest order with the host target file', async () => {
    const entries = await addon.listModels(manifest);
    assert.deepEqual(entries.map((e) => e.id), ['tiny-fp32', 'tiny-int8', 'device-only']);
    assert.deepEqual(entries[0], {
      id: 'tiny-fp32', title: 'Tiny test CNN (fp32)', precision: 'fp32', pretrained: false, isDefault: false,
      inputWidth: 16, inputHeight: 16, classes: 5, file: 'tiny_fp32.onnx',
    });
    assert.equal(entries[1].isDefault, true);
    assert.equal(entries[1].precision, 'int8');
    assert.equal(entries[2].file, '', 'a model without an onnx target cannot run on the host');
  });

  it('agrees with readManifest, which the CLI uses', async () => {
    const entries = await addon.listModels(manifest);
    const summary = addon.readManifest(manifest);
    assert.deepEqual(entries.map((e) => [e.id, e.title, e.precision, e.isDefault, e.inputWidth, e.classes]),
      summary.models.map((m) => [m.id, m.title, m.precision, m.default, m.inputWidth, m.classes]));
  });

  it('the Node API lists a rawfile folder (<dir>/models/manifest.json) the same way', async () => {
    assert.deepEqual(await api.listModels(fixtures), await addon.listModels(manifest));
  });

  it('BAD CALL - the Node API with a rawfileDir that is not a string rejects', () =>
    assertFails(api.listModels(7), TypeError,
      /^listModels: NPULENS_INVALID_ARGUMENT \(1000\): rawfileDir must be a string$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'listModels' }));

  it('BAD CALL - manifestPath not a string', () =>
    assertFails(addon.listModels(42), TypeError,
      /^listModels: NPULENS_INVALID_ARGUMENT \(1000\): manifestPath must be a string$/,
      { code: 'NPULENS_INVALID_ARGUMENT', step: 'listModels' }));

  it('EXPECTED FAILURE - a missing manifest is an I/O error naming it', () =>
    assertFails(addon.listModels(path.join(fixtures, 'nowhere', 'manifest.json')), Error,
      /nowhere\/manifest\.json: No such file/, { code: 'NPULENS_IO', step: 'io.read' }));

  it('EXPECTED FAILURE - an invalid manifest names the field and the file', () =>
    withManifest('{"version": 1, "models": [{"id": "Bad Id"}]}', (file) =>
      assertFails(addon.listModels(file), Error, /models\[0\]\.id .*manifest\.json/,
        { code: 'NPULENS_MANIFEST', step: 'manifest' })));

  it('EXPECTED FAILURE - a manifest that is not JSON', () =>
    withManifest('{"models": [', (file) =>
      assertFails(addon.listModels(file), Error, /not valid JSON/, { code: 'NPULENS_MANIFEST', step: 'manifest' })));
});
