// One benchmark report for every producer: the app's export (BenchmarkReport.ets, bundled here as the hypium host
// runner bundles it) and `npulens bench --json` both match tools/bench/benchmark-report.schema.json
// (npulens-benchmark/2), and the CLI's reader compares a phone report with a host report (compareReports, the code
// behind `npulens bench --compare`). npulens_bench's output is checked against the same schema by ctest
// (tools.npulens_bench.ReportMatchesTheSchema, through tools/bench/check-report.mjs as here).
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { appModule } from './app-module.mjs';
import { assertValidReport, fixtures, repoRoot, require } from './helpers.mjs';

const { runCli } = require(path.join(repoRoot, 'dist', 'cli', 'main.js'));
const { compareReports, readReport } = require(path.join(repoRoot, 'dist', 'bench', 'report.js'));


/** A phone's record as the Benchmark screen holds it after an int8 run on the NPU, zero-copy. */
function phoneRecord(app) {
  const row = new app.BenchmarkRow(new app.Variant('tiny-int8', 'int8', 'npu', 'zero-copy', 'baseline'));
  row.deviceName = 'HIAI_F';
  row.deviceType = 'accelerator';
  row.selection = 'HIAI_F found by name (policy npu)';
  row.loadMs = 3.2;
  row.compileColdMs = 420.5;
  row.firstRunMs = 2.1;
  row.iterations = 4;
  row.warmup = 2;
  row.samplesMs = [0.25, 0.5, 0.75, 1];
  row.latency = { min: 0.25, p50: 0.625, p90: 0.925, p99: 0.9925, max: 1, mean: 0.625, std: 0.323 };
  row.throughputPerSec = 1600;
  row.windowP50Ms = [0.25, 0.5, 0.75, 1];
  row.drift = 4;
  row.speedupVsBaseline = 1;
  const device = new app.DeviceDescription();
  device.marketName = 'Test Phone';
  device.osFullName = 'OpenHarmony-5.1.0';
  device.sdkApiVersion = 17;
  return { startedAt: Date.UTC(2026, 0, 2, 3, 4, 5), device,
    config: { runLength: 'iterations', iterations: 4, durationSec: 0, warmup: 2 }, rows: [row] };
}

describe('benchmark report (npulens-benchmark/2)', () => {
  let app;
  let hostDoc;
  before(async () => {
    app = await appModule('report', 'BenchmarkReport.ets', { Variant: 'BenchmarkPlan.ets' });
    process.env.NPULENS_RAWFILE_DIR = fixtures;
    const out = { text: '', write(s) { out.text += s; return true; } };
    const err = { text: '', write(s) { err.text += s; return true; } };
    const code = await runCli(['bench', '--model', 'tiny-int8', '--iterations', '20', '--json', '-'], { stdout: out, stderr: err });
    assert.equal(code, 0, err.text);
    hostDoc = JSON.parse(out.text);
  });

  it('the app export matches the schema', () => {
    const doc = JSON.parse(app.reportJson(phoneRecord(app)));
    assertValidReport(doc, 'the app report');
    assert.equal(doc.producer, 'NpuLens app');
    assert.deepEqual(doc.runs[0].windowP50Ms, [0.25, 0.5, 0.75, 1]);
  });

  it('the app export of a CPU pre-processing vs AIPP comparison matches the schema, role source', () => {
    const record = phoneRecord(app);
    const variant = app.Variant.source('tiny-int8', 'int8', 'npu', 'zero-copy', 'aipp', 'camera');
    const row = Object.assign(new app.BenchmarkRow(variant), record.rows[0], { variant });
    Object.assign(row, { sourceWidth: 1920, sourceHeight: 1080, sourceFormat: 'NV21', sourceBytes: 3110400,
      path: 'aipp+copy', cpuBytesIn: 6220800, nonInferenceFraction: 0.123456,
      stagesP50Ms: { preprocessMs: 0, frameCopyMs: 0.4, copyInMs: 0, inferenceMs: 0.5, copyOutMs: 0, postprocessMs: 0.01,
        totalMs: 0.625 } });
    record.rows.push(row);
    const doc = JSON.parse(app.reportJson(record));
    assertValidReport(doc, 'the app report with a source row');
    assert.equal(doc.runs[0].path, undefined);
    assert.equal(doc.runs[1].role, 'source');
    assert.equal(doc.runs[1].preprocessing, 'aipp');
    assert.deepEqual(doc.runs[1].source, { width: 1920, height: 1080, format: 'NV21', bytes: 3110400 });
    assert.equal(doc.runs[1].stagesP50Ms.frameCopy, 0.4);
    assert.equal(doc.runs[1].nonInferenceFraction, 0.1235);
  });

  it('the app export of batch sizes, tuning, the Model Zoo reference and profile files matches the schema', () => {
    const record = phoneRecord(app);
    const batch = new app.Variant('zoo-resnet18-int8', 'int8', 'npu', 'zero-copy', 'baseline').derive('batch', 'heter', 4);
    const row = Object.assign(new app.BenchmarkRow(batch), record.rows[0], { variant: batch });
    Object.assign(row, { batchSize: 4, batchSizes: [1, 2, 4], imagesPerSec: 6400.1234, profileDir: '/files/profiles/p',
      profiling: 'applied', profileFiles: ['/files/profiles/p/zoo_profile.csv'],
      reference: { device: 'Kirin 9000', network: 'Resnet18', ms: 1.24 } });
    record.rows.push(row);
    const doc = JSON.parse(app.reportJson(record));
    assertValidReport(doc, 'the app report with issue 13 fields');
    assert.equal(doc.runs[0].tuningMode, 'off');
    assert.equal(doc.runs[0].referenceLatency, undefined);
    assert.equal(doc.runs[1].role, 'batch');
    assert.equal(doc.runs[1].tuningMode, 'heter');
    assert.equal(doc.runs[1].batchSize, 4);
    assert.equal(doc.runs[1].imagesPerSec, 6400.123);
    assert.deepEqual(doc.runs[1].referenceLatency, { device: 'Kirin 9000', network: 'Resnet18', ms: 1.24 });
    assert.deepEqual(doc.runs[1].profileFiles, ['zoo_profile.csv']);
  });

  it('npulens bench --json matches the schema', () => {
    assertValidReport(hostDoc, 'the CLI report');
    assert.equal(hostDoc.producer, 'npulens bench');
  });

  it('BAD CALL - the schema refuses a report of the old format or with a missing figure', () => {
    const old = { ...hostDoc, format: 'npulens-benchmark/1' };
    assert.throws(() => assertValidReport(old), /does not match the schema.*\.format/s);
    const run = { ...hostDoc.runs[0] };
    delete run.latencyMs;
    assert.throws(() => assertValidReport({ ...hostDoc, runs: [run] }), /does not match the schema.*latencyMs/s);
  });

  it('a phone report and a host report are compared by the same reader', () => {
    const phone = readReport(app.reportJson(phoneRecord(app)));
    const host = readReport(JSON.stringify(hostDoc));
    const [row, ...rest] = compareReports(phone, host);
    assert.equal(rest.length, 0);
    assert.equal(row.modelId, 'tiny-int8');
    assert.equal(row.mode, 'zero-copy');
    assert.equal(row.deviceA, 'HIAI_F');
    assert.equal(row.deviceB, 'hostnn_cpu');
    assert.equal(row.p50A, 0.625);
    assert.equal(row.p50B, hostDoc.runs[0].latencyMs.p50);
    assert.equal(row.ratio, hostDoc.runs[0].latencyMs.p50 / 0.625);
  });
});
