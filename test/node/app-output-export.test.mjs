// The app's raw-output export (OutputExport.ets, bundled here as the hypium host runner bundles it) matches
// docs/output-export.schema.json (npulens-outputs/1), the document `npulens verify --device-outputs` reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { appModule } from './app-module.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

function schemaProblems(doc) {
  const Ajv = require('ajv');
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'docs', 'output-export.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);
  return validate(doc) ? [] : validate.errors.map((e) => `${e.dataPath || '(root)'} ${e.message}`);
}

/** A loaded model's info as the engine reports it (the fields the export reads). */
const info = {
  modelId: 'shapes-fp32', file: 'shapes_fp32.om', precision: 'fp32', device: { name: 'HIAI_F', type: 'accelerator' },
  outputKind: 'logits', classes: 3,
};

describe('app raw-output export (npulens-outputs/1)', () => {
  let app;
  before(async () => {
    app = await appModule('outputs', 'OutputExport.ets', { ImageRef: 'Images.ets' },
      { 'libentry.so': path.join(repoRoot, 'entry/src/mock/Libentry.mock.ets') });
  });

  it('the export of a sample and a picked photo matches the schema', () => {
    const result = { top: [{ rank: 1, index: 2, label: 'star', score: 0.875 }] };
    const images = [
      app.outputImage(new app.ImageRef('sample', 'samples/star_96x96.png', 'star_96x96.png', 'star'), result,
        [0.5, -1.25, 3]),
      app.outputImage(new app.ImageRef('photo', 'file://media/Photo/7/IMG_7.jpg', 'IMG_7.jpg', ''), { top: [] },
        [1, 2, 3]),
    ];
    const doc = JSON.parse(JSON.stringify(app.outputExportDoc(info, 'TST-AL00', Date.UTC(2026, 0, 2, 3, 4, 5),
      images)));
    assert.deepEqual(schemaProblems(doc), []);
    assert.equal(doc.target.precision, 'fp32');
    assert.equal(doc.images[1].top1, undefined);
    assert.deepEqual(doc.images[0].top1, { index: 2, label: 'star', score: 0.875 });
  });

  it('BAD CALL - the schema refuses an export whose image name has a folder or whose output is empty', () => {
    const doc = JSON.parse(JSON.stringify(app.outputExportDoc(info, '', 0, [
      app.outputImage(new app.ImageRef('sample', 'samples/a.png', 'a.png', ''), { top: [] }, [1, 2, 3])])));
    doc.images[0].file = 'samples/a.png';
    assert.match(schemaProblems(doc).join('\n'), /\.images\[0\]\.file should match pattern/);
    doc.images[0].file = 'a.png';
    doc.images[0].output = [];
    assert.match(schemaProblems(doc).join('\n'), /\.images\[0\]\.output should NOT have fewer than 1 items/);
  });
});
