// Runs an ONNX model with onnxruntime-node on one float32 input read from a raw little-endian file and writes
// the first output as raw float32 to stdout. Cross-check for tools/models (tests/test_models.py). The session is
// opened as the host code opens onnxruntime (src/ort/session.ts, compiled to dist/ by `npm run build:ts`): one
// thread, the graph as written.
// usage: node tools/models/ort_run.js <model.onnx> <input.f32> <dim,dim,...>
//        node tools/models/ort_run.js --all <job.json>
// --all (layerdiff.py): job {model, out, inputs: [{name, file, dims}]}, each input file holding K images of `dims`
// (batch 1) as raw float32; runs the K images one at a time and writes every output of every run, image after
// image, as raw float32 to `out`; prints {images, outputs: [{name, dims}]} on stdout.
'use strict';
const fs = require('fs');
const path = require('path');

const helper = path.join(__dirname, '..', '..', 'dist', 'ort', 'session.js');
if (!fs.existsSync(helper)) {
  process.stderr.write(`error: ${helper} is missing: run \`npm run build:ts\` (ort_run)\n`);
  process.exit(1);
}
const { OrtSession } = require(helper);

function readF32(file) {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

async function runAll(jobFile) {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  const session = await OrtSession.open(job.model, { threads: 1, optimization: 'disabled' });
  const inputs = job.inputs.map((i) => ({ ...i, data: readF32(i.file), size: i.dims.reduce((a, b) => a * b, 1) }));
  const images = inputs[0].data.length / inputs[0].size;
  const out = fs.openSync(job.out, 'w');
  let outputs = [];
  for (let k = 0; k < images; k++) {
    const feeds = {};
    for (const i of inputs) {
      feeds[i.name] = session.tensor(i.data.slice(k * i.size, (k + 1) * i.size).buffer, i.dims, 'float32');
    }
    let result;
    try {
      result = await session.session.run(feeds);
    } catch (e) {
      throw new Error(`onnxruntime-node run failed: ${String(e.message).split('\n')[0]}`);
    }
    outputs = session.session.outputNames.map((name) => ({ name, dims: [...result[name].dims] }));
    for (const { name } of outputs) {
      const t = result[name];
      if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, not float32`);
      fs.writeSync(out, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  fs.closeSync(out);
  await session.release();
  process.stdout.write(JSON.stringify({ images, outputs }));
}

async function main() {
  if (process.argv[2] === '--all') return runAll(process.argv[3]);
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
