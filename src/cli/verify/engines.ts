/*
 * The two kinds of engine `npulens verify` compares:
 *   ours — our host NN runtime through src/api (Classifier.inspect: class scores after post-processing);
 *   ort  — onnxruntime-node on the same ONNX file, fed the exact input tensor our pre-processing wrote for that
 *          model (Classifier.inspect().input), with the same thread count; its raw output is post-processed here
 *          per the model's output kind (ModelInfo.outputKind).
 * Both yield the mean-centred log-scores of ./metrics.ts.
 */
import type * as Ort from 'onnxruntime-node';
import type { Classifier, Inspection, OutputKind } from '../../api';
import { CliError, toCliError } from '../errors';
import { MODEL_FILE, readRegularFile } from '../files';
import { OrtSession, loadOrt } from '../../ort/session';
import { centredLogits, centredLogScores } from './metrics';

export const ENGINES = ['ours', 'ort'] as const;
export type Engine = typeof ENGINES[number];

/** One onnxruntime-node session on a model file (src/ort/session.ts), its failures naming the file and image. */
export class OrtRunner {
  private constructor(private readonly session: OrtSession, readonly kind: OutputKind, private readonly file: string) {}

  static async create(file: string, threads: number, kind: OutputKind): Promise<OrtRunner> {
    try {
      loadOrt();
    } catch (err) {
      throw new CliError((err as Error).message, 'engine ort');
    }
    // Our reader, not onnxruntime's: only a regular file under the model cap reaches it.
    const bytes = readRegularFile(file, MODEL_FILE);
    try {
      // Unfused QDQ (the default 'basic'): the ONNX definition, the same on every CPU.
      const session = await OrtSession.open(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { threads });
      return new OrtRunner(session, kind, file);
    } catch (err) {
      throw new CliError((err as Error).message, file);
    }
  }

  get version(): string {
    return this.session.version;
  }

  /** z of the model's first output on the pre-processed input `ins`, which must have `classes` elements. */
  async run(ins: Inspection, classes: number, image: string): Promise<Float64Array> {
    let output: Ort.Tensor;
    try {
      output = await this.session.run(this.session.tensor(ins.input, ins.inputShape, ins.inputDType));
    } catch (err) {
      throw new CliError((err as Error).message, `${this.file}, ${image}`);
    }
    const data = output.data;
    if (typeof data[0] !== 'number' || data.length !== classes) {
      throw new CliError(`onnxruntime-node output '${this.session.outputName}' has ${data.length} ${output.type} ` +
        `values, the model has ${classes} classes`, this.file);
    }
    const values = data as ArrayLike<number>;
    return this.kind === 'logits' ? centredLogits(values) : centredLogScores(values);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Our pre-processed input and scores for one image (rejections become CliErrors naming the image). */
export async function inspectImage(classifier: Classifier, pixels: ArrayBuffer, width: number, height: number,
  image: string): Promise<Inspection> {
  try {
    return await classifier.inspect(pixels, width, height, 'RGBA');
  } catch (err) {
    throw toCliError(err, image);
  }
}

/** z of our runtime's scores. */
export function oursScores(ins: Inspection): Float64Array {
  return centredLogScores(ins.probabilities);
}
