/*
 * `npulens verify --device-outputs F.json [--model <fp32> --against <int8>] [--images DIR]`: the raw outputs a device
 * exported (docs/output-export.schema.json: the app's export of the golden samples and picked photos, or `npulens
 * classify --save-outputs`) against the host's runs of the same images on the fp32 and the int8 ONNX model. Per image
 * and per host model: cosine and max |Δ| of the mean-centred logits (./metrics.ts), top-1 agreement; and, for scale,
 * the host int8 model against the host fp32 one (what quantization alone costs). The thresholds are checked against
 * the host model of the export's precision (int8 for an int8 .om, fp32 for a float one, which runs in fp16 on the
 * NPU): the phone's model held to the numbers of the host model it was converted from.
 * Images: source 'sample' from the bundled rawfile samples/, 'photo' from --images DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Classifier, OutputKind } from '../../api';
import { stringFlag, type Parsed } from '../args';
import { CliError, UsageError, toCliError, writeJsonTarget } from '../errors';
import { printable, table } from '../format';
import { decodeInOrder } from '../image';
import type { Io } from '../io';
import { withPreprocessing, type Backend, type ModelChoice } from '../model';
import { readOutputExport, samplesDir, type OutputExport } from '../outputs';
import {
  centredLogScores, centredLogits, checkThresholds, compareImage, summarize, type ImageComparison, type Thresholds,
} from './metrics';

/** The fp32/int8 pair of a manifest id ending in -fp32, -fp16 or -int8 (shapes-int8 → shapes-fp32, shapes-int8). */
export function hostTwins(modelId: string): { fp32: string; int8: string } | undefined {
  const m = /^(.*)-(fp32|fp16|int8)$/.exec(modelId);
  return m === null ? undefined : { fp32: `${m[1]}-fp32`, int8: `${m[1]}-int8` };
}

export interface DeviceOutputsRun {
  values: Parsed['values'];
  positionals: string[];
  lists: string[];
  thresholds: Thresholds;
  jsonTarget: string | undefined;
}

function centred(values: ArrayLike<number>, kind: OutputKind): Float64Array {
  return kind === 'logits' ? centredLogits(values) : centredLogScores(values);
}

/** Where each exported image is: samples from the bundled samples/, photos from --images. */
function imageFiles(doc: OutputExport, imagesDir: string | undefined, exportFile: string): string[] {
  return doc.images.map((image) => {
    if (image.source === 'photo' && imagesDir === undefined) {
      throw new CliError(`photo '${image.file}': give --images DIR with the picked photos`, exportFile);
    }
    const file = path.join(image.source === 'sample' ? samplesDir() : imagesDir!, image.file);
    if (!fs.existsSync(file)) {
      throw new CliError(`${image.source} '${image.file}' is not in ${image.source === 'sample' ? 'the bundled samples' : '--images'}`, file);
    }
    return file;
  });
}

export async function verifyDeviceOutputs(exportFile: string, run: DeviceOutputsRun,
  choose: (values: Parsed['values']) => [ModelChoice, ModelChoice], io: Io, backend: Backend): Promise<number> {
  const { values } = run;
  if (run.positionals.length > 0 || run.lists.length > 0) {
    throw new UsageError('--device-outputs verifies the images named in the export: give no images or --list');
  }
  for (const flag of ['aipp', 'frame', 'engine', 'against-engine']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --device-outputs`);
  }
  const doc = readOutputExport(exportFile);
  const twins = hostTwins(doc.model);
  const model = values.model ?? twins?.fp32, against = values.against ?? twins?.int8;
  if (model === undefined || against === undefined) {
    throw new UsageError(`--device-outputs: the export's model '${doc.model}' names no -fp32/-int8 pair: give --model ` +
      '<fp32 model> and --against <int8 model>');
  }
  const [fp32Choice, int8Choice] = choose({ ...values, model, against }).map((c) => withPreprocessing(c, 'cpu'));
  const files = imageFiles(doc, stringFlag(values, 'images'), exportFile);
  const host: Classifier[] = [];
  try {
    for (const choice of [fp32Choice!, int8Choice!]) {
      try {
        host.push(await backend.loadClassifier({ ...choice.load, returnOutput: true }));
      } catch (err) {
        throw toCliError(err, choice.path);
      }
    }
    const [fp32, int8] = host as [Classifier, Classifier];
    for (const [c, choice] of [[fp32, fp32Choice!], [int8, int8Choice!]] as const) {
      if (c.info.classes !== doc.classes) {
        throw new CliError(`${choice.id} has ${c.info.classes} classes, the export ${doc.classes}`, exportFile);
      }
    }
    const vsFp32: ImageComparison[] = [], vsInt8: ImageComparison[] = [], int8VsFp32: ImageComparison[] = [];
    let i = 0;
    for await (const { file, image } of decodeInOrder(files, host)) {
      const exported = doc.images[i++]!;
      const outputOf = async (c: Classifier): Promise<Float64Array> => {
        try {
          const r = await c.classify(image.pixels, image.width, image.height, 'RGBA', undefined, 1);
          return centred(r.output!, c.info.outputKind);
        } catch (err) {
          throw toCliError(err, file);
        }
      };
      const device = centred(exported.output, doc.outputKind);
      const hostFp32 = await outputOf(fp32), hostInt8 = await outputOf(int8);
      vsFp32.push(compareImage(exported.file, hostFp32, device));
      vsInt8.push(compareImage(exported.file, hostInt8, device));
      int8VsFp32.push(compareImage(exported.file, hostFp32, hostInt8));
    }
    const checkedAgainst = doc.target.precision === 'int8' ? 'int8' : 'fp32';
    const summaries = {
      deviceVsFp32: summarize(vsFp32, run.thresholds.minCosine),
      deviceVsInt8: summarize(vsInt8, run.thresholds.minCosine),
      hostInt8VsFp32: summarize(int8VsFp32, run.thresholds.minCosine),
    };
    const failures = checkThresholds(checkedAgainst === 'int8' ? summaries.deviceVsInt8 : summaries.deviceVsFp32,
      run.thresholds);
    const describe = (c: Classifier, choice: ModelChoice): object => ({
      id: choice.id, path: choice.path, precision: choice.precision, device: c.info.device.name,
    });
    const report = {
      export: { file: exportFile, producer: doc.producer, createdAt: doc.createdAt, model: doc.model, target: doc.target,
        device: doc.device },
      host: { fp32: describe(fp32, fp32Choice!), int8: describe(int8, int8Choice!) },
      compared: 'mean-centred logits (the raw outputs, centred per image; log of the scores for a probabilities model)',
      checkedAgainst, thresholds: run.thresholds, summaries, pass: failures.length === 0, failures,
      images: vsFp32.map((r, k) => ({ image: r.image, vsFp32: r, vsInt8: vsInt8[k], hostInt8VsFp32: int8VsFp32[k] })),
    };
    if (run.jsonTarget === '-') {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      writeHuman(io, doc, [fp32Choice!, int8Choice!], vsFp32, vsInt8, int8VsFp32, report.summaries, checkedAgainst,
        fp32.info.labels);
      io.stdout.write(failures.length === 0 ? 'result: pass\n' : `result: FAIL (${failures.length} of the thresholds missed)\n`);
      writeJsonTarget(run.jsonTarget, report, io);
    }
    if (failures.length === 0) return 0;
    throw new CliError(`device outputs below thresholds against the host ${checkedAgainst} model: ${failures.join('; ')}`,
      exportFile);
  } finally {
    for (const c of host) c.release();
  }
}

function writeHuman(io: Io, doc: OutputExport, [fp32, int8]: ModelChoice[], vsFp32: ImageComparison[],
  vsInt8: ImageComparison[], int8VsFp32: ImageComparison[], s: Record<string, ReturnType<typeof summarize>>,
  checkedAgainst: string, labels: string[]): void {
  const label = (k: number): string => labels[k] ?? `#${k}`;
  io.stdout.write(`export: ${doc.model} (${doc.target.precision}, ${printable(doc.target.file)}) on ` +
    `${printable(doc.device.name)} (${doc.device.type}), ${doc.producer}, ${doc.createdAt}\n`);
  io.stdout.write(`host: fp32 ${fp32!.id} (${printable(fp32!.path)}), int8 ${int8!.id} (${printable(int8!.path)})\n`);
  io.stdout.write(table(['image', 'device top-1', 'cos fp32', 'top-1 fp32', 'cos int8', 'top-1 int8', 'int8 vs fp32'],
    vsFp32.map((r, k) => [r.image, label(r.top1.candidate), r.cosine.toFixed(6), r.top1Agree ? 'same' : 'differs',
      vsInt8[k]!.cosine.toFixed(6), vsInt8[k]!.top1Agree ? 'same' : 'differs', int8VsFp32[k]!.cosine.toFixed(6)]),
  [false, false, true, false, true, false, true]));
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  for (const [name, key] of [['device vs host fp32', 'deviceVsFp32'], ['device vs host int8', 'deviceVsInt8'],
    ['host int8 vs host fp32', 'hostInt8VsFp32']] as const) {
    const m = s[key]!;
    io.stdout.write(`  ${name}: cosine mean ${m.cosine.mean.toFixed(6)}, min ${m.cosine.min.toFixed(6)}; top-1 ` +
      `agreement ${pct(m.top1Agreement)}; max |Δ| ${m.maxAbsError.toPrecision(3)}\n`);
  }
  io.stdout.write(`thresholds checked against the host ${checkedAgainst} model (the export's precision is ` +
    `${doc.target.precision}); compared: mean-centred logits\n`);
}
