// Runs an ONNX model with onnxruntime-node on one float32 input read from a raw little-endian file and writes
// the first output as raw float32 to stdout. Cross-check for tools/models (tests/test_models.py). The session is
// opened as the host code opens onnxruntime (src/ort/session.ts, compiled to dist/ by `npm run build:ts`): one
// thread, the graph as written.
// usage: node tools/models/ort_run.js <model.onnx> <input.f32> <dim,dim,...>
'use strict';
const fs = require('fs');
const path = require('path');

const helper = path.join(__dirname, '..', '..', 'dist', 'ort', 'session.js');
if (!fs.existsSync(helper)) {
  process.stderr.write(`error: ${helper} is missing: run \`npm run build:ts\` (ort_run)\n`);
  process.exit(1);
}
const { OrtSession } = require(helper);

async function main() {
  const [model, inputFile, dims] = process.argv.slice(2);
  const shape = dims.split(',').map(Number);
  const buf = fs.readFileSync(inputFile);
  const session = await OrtSession.open(model, { threads: 1, optimization: 'disabled' });
  const input = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const t = (await session.run(session.tensor(input, shape, 'float32'))).data;
  process.stdout.write(Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  await session.release();
}
main().catch((e) => { process.stderr.write(`error: ${e.message} (ort_run)\n`); process.exit(1); });
