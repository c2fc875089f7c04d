// Runs an ONNX model with onnxruntime-node on one float32 input read from a raw little-endian file and writes
// the first output as raw float32 to stdout. Cross-check for tools/models (tests/test_quantize.py).
// usage: node tools/models/ort_run.js <model.onnx> <input.f32> <dim,dim,...>
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, inputFile, dims] = process.argv.slice(2);
  const shape = dims.split(',').map(Number);
  const buf = fs.readFileSync(inputFile);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, shape) });
  const t = out[session.outputNames[0]].data;
  process.stdout.write(Buffer.from(t.buffer, t.byteOffset, t.byteLength));
}
main().catch((e) => { process.stderr.write(`error: ${e.message} (ort_run)\n`); process.exit(1); });
