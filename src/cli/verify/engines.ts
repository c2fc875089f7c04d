/*
 * The two kinds of engine `npulens verify` compares:
 *   ours — our host NN runtime through src/api (Classifier.inspect: class scores after post-processing);
 *   ort  — onnxruntime-node on the same ONNX file, fed the exact input tensor our pre-processing wrote for that
 *          model (Classifier.inspect().input), with the same thread count; its raw output is post-processed here
 *          per the model's output kind.
 * Both yield the mean-centred log-scores of ./metrics.ts.
 */
import type * as Ort from 'onnxruntime-node';
import type { Classifier, Inspection } from '../../api';
import { manifestPathOf } from '../../api';
import { CliError, toCliError } from '../errors';
import { MANIFEST_FILE, MODEL_FILE, readRegularFile } from '../files';
import type { ModelChoice } from '../model';
import { centredLogits, centredLogScores } from './metrics';

export const ENGINES = ['ours', 'ort'] as const;
export type Engine = typeof ENGINES[number];

export type OutputKind = 'logits' | 'probabilities';

/** onnxruntime-node, loaded on first use so that the other commands never pay for it. */
function loadOrt(): typeof Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as typeof Ort;
  } catch (err) {
    throw new CliError(`onnxruntime-node is not loadable: ${(err as Error).message.split('\n')[0]}`, 'engine ort');
  }
}

/**
 * The output kind of a model: a file model's load options (the CLI loads files as 'logits', the API default), or
 * the manifest entry's output.kind (the manifest summary does not carry it; cpp/core has validated the file).
 */
export function outputKindOf(choice: ModelChoice, rawfileDir: string): OutputKind {
  if (!('modelId' in choice.load)) return choice.load.outputKind ?? 'logits';
  const file = manifestPathOf(rawfileDir);
  const text = readRegularFile(file, MANIFEST_FILE).toString('utf8');
  let kind: unknown;
  try {
    const doc = JSON.parse(text) as { models?: { id?: unknown; output?: { kind?: unknown } }[] };
    kind = doc.models?.find((m) => m.id === choice.id)?.output?.kind;
  } catch (err) {
    throw new CliError(`cannot read the manifest: ${(err as Error).message.split('\n')[0]}`, file);
  }
  if (kind !== 'logits' && kind !== 'probabilities') {
    throw new CliError(`models[id=${choice.id}].output.kind must be logits or probabilities`, file);
  }
  return kind;
}

/** One onnxruntime-node session on a model file. */
export class OrtRunner {
  private constructor(private readonly ort: typeof Ort, private readonly session: Ort.InferenceSession,
    readonly kind: OutputKind, private readonly file: string, readonly version: string) {}

  static async create(file: string, threads: number, kind: OutputKind): Promise<OrtRunner> {
    const ort = loadOrt();
    // Our reader, not onnxruntime's: only a regular file under the model cap reaches it.
    const bytes = readRegularFile(file, MODEL_FILE);
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
        // No QDQ fusion: DequantizeLinear → fp32 op → QuantizeLinear, the ONNX definition, the same on every CPU
        // (fused, its int8 GEMM saturates pairs of products on x86 CPUs without VNNI).
        graphOptimizationLevel: 'basic',
      });
    } catch (err) {
      throw new CliError(`onnxruntime-node cannot load the model: ${(err as Error).message.split('\n')[0]}`, file);
    }
    return new OrtRunner(ort, session, kind, file, ort.env.versions.node ?? 'unknown');
  }

  /** z of the model's first output on the pre-processed input `ins`, which must have `classes` elements. */
  async run(ins: Inspection, classes: number, image: string): Promise<Float64Array> {
    const tensor = this.tensorOf(ins, image);
    const [inputName] = this.session.inputNames, [outputName] = this.session.outputNames;
    if (inputName === undefined || outputName === undefined) {
      throw new CliError('onnxruntime-node: the model has no input or no output', `${this.file}, ${image}`);
    }
    let output: Ort.Tensor | undefined;
    try {
      const results = await this.session.run({ [inputName]: tensor });
      output = results[outputName];
    } catch (err) {
      throw new CliError(`onnxruntime-node run failed: ${(err as Error).message.split('\n')[0]}`, `${this.file}, ${image}`);
    }
    if (output === undefined) throw new CliError(`onnxruntime-node returned no output '${outputName}'`, this.file);
    const data = output.data;
    if (typeof data[0] !== 'number' || data.length !== classes) {
      throw new CliError(`onnxruntime-node output '${outputName}' has ${data.length} ${output.type} ` +
        `values, the model has ${classes} classes`, this.file);
    }
    const values = data as ArrayLike<number>;
    return this.kind === 'logits' ? centredLogits(values) : centredLogScores(values);
  }

  private tensorOf(ins: Inspection, image: string): Ort.Tensor {
    const ort = this.ort;
    switch (ins.inputDType) {
      case 'float32': return new ort.Tensor('float32', new Float32Array(ins.input), ins.inputShape);
      case 'float16': return new ort.Tensor('float16', new Uint16Array(ins.input), ins.inputShape);
      case 'int8': return new ort.Tensor('int8', new Int8Array(ins.input), ins.inputShape);
      case 'uint8': return new ort.Tensor('uint8', new Uint8Array(ins.input), ins.inputShape);
      default:
        throw new CliError(`input dtype ${ins.inputDType} is not supported with engine ort`, `${this.file}, ${image}`);
    }
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
