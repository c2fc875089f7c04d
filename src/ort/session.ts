/*
 * The one way the host code opens onnxruntime-node: verify's ort engine, bench:peer's peer side, the oracle tests and
 * tools/models' cross-check (ort_run.js). One place decides the threads (intra-op N, inter-op 1, sequential), the
 * graph optimisation and what a failure says; callers add where it happened.
 */
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;

/** The element types our pre-processing writes (Inspection.inputDType) that onnxruntime takes as they are. */
export type OrtInputDType = 'float32' | 'float16' | 'int8' | 'uint8';

export interface OrtSessionOptions {
  /** Intra-op threads; inter-op is 1, execution sequential, as our runtime runs a model. */
  threads: number;
  /**
   * Graph optimisation. 'basic' (the default) keeps QDQ unfused: DequantizeLinear, the fp32 op, QuantizeLinear, the
   * ONNX definition, the same result on every CPU (fused, onnxruntime's int8 GEMM saturates pairs of products on x86
   * CPUs without VNNI). 'all' is onnxruntime's own default, what it runs fastest. 'disabled' runs the graph as
   * written.
   */
  optimization?: 'disabled' | 'basic' | 'all';
  /**
   * Pool threads spin-wait for work after a run (onnxruntime's default, true). Off when calls interleave with
   * another engine's, whose CPU the spinning would take.
   */
  spinning?: boolean;
  /**
   * onnxruntime's own profiler on: every run's per-node times go to `<profilePrefix>_<date>.json`, written by
   * endProfiling() (bench:ort-profile).
   */
  profilePrefix?: string;
}

let cached: OrtModule | undefined;

/** onnxruntime-node, loaded on first use so that code that never runs it never pays for it. */
export function loadOrt(): OrtModule {
  if (cached === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require('onnxruntime-node') as OrtModule;
    } catch (err) {
      throw new Error(`onnxruntime-node is not loadable: ${firstLine(err)}`);
    }
  }
  return cached;
}

function firstLine(err: unknown): string {
  const [line = ''] = (err instanceof Error ? err.message : String(err)).split('\n');
  return line;
}

/** One onnxruntime-node session, run as a classifier: the model's first input in, its first output out. */
export class OrtSession {
  private constructor(readonly ort: OrtModule, readonly session: Ort.InferenceSession, readonly inputName: string,
    readonly outputName: string) {}

  /**
   * Opens `model` (a file, or its bytes: callers that check files first pass what they read). Throws Error
   * 'onnxruntime-node is not loadable: …', 'onnxruntime-node cannot load the model: …' or, for a model without an
   * input or an output, 'onnxruntime-node: the model has no input or no output'.
   */
  static async open(model: string | Uint8Array, options: OrtSessionOptions): Promise<OrtSession> {
    const ort = loadOrt();
    const spin = options.spinning === false ? '0' : '1';
    let session: Ort.InferenceSession;
    try {
      const sessionOptions: Ort.InferenceSession.SessionOptions = {
        intraOpNumThreads: options.threads, interOpNumThreads: 1, executionMode: 'sequential',
        graphOptimizationLevel: options.optimization ?? 'basic',
        extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
        ...(options.profilePrefix === undefined ? {} : { enableProfiling: true, profileFilePrefix: options.profilePrefix }),
      };
      session = typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
    } catch (err) {
      throw new Error(`onnxruntime-node cannot load the model: ${firstLine(err)}`);
    }
    const [inputName] = session.inputNames, [outputName] = session.outputNames;
    if (inputName === undefined || outputName === undefined) {
      await session.release();
      throw new Error('onnxruntime-node: the model has no input or no output');
    }
    return new OrtSession(ort, session, inputName, outputName);
  }

  /** onnxruntime-node's version, e.g. '1.30.0'. */
  get version(): string {
    return this.ort.env.versions.node ?? 'unknown';
  }

  /** A tensor over `data` (e.g. Inspection.input), not a copy; RangeError for a type onnxruntime is not fed here. */
  tensor(data: ArrayBuffer, shape: readonly number[], dtype: string): Ort.Tensor {
    const dims = [...shape];
    switch (dtype as OrtInputDType) {
      case 'float32': return new this.ort.Tensor('float32', new Float32Array(data), dims);
      case 'float16': return new this.ort.Tensor('float16', new Uint16Array(data), dims);
      case 'int8': return new this.ort.Tensor('int8', new Int8Array(data), dims);
      case 'uint8': return new this.ort.Tensor('uint8', new Uint8Array(data), dims);
      default: throw new RangeError(`input dtype ${dtype} is not supported with onnxruntime-node`);
    }
  }

  /** The first output for `input` fed as the first input; Error 'onnxruntime-node run failed: …' otherwise. */
  async run(input: Ort.Tensor): Promise<Ort.Tensor> {
    let output: Ort.Tensor | undefined;
    try {
      output = (await this.session.run({ [this.inputName]: input }))[this.outputName];
    } catch (err) {
      throw new Error(`onnxruntime-node run failed: ${firstLine(err)}`);
    }
    if (output === undefined) throw new Error(`onnxruntime-node returned no output '${this.outputName}'`);
    return output;
  }

  /** Writes the profile of a session opened with profilePrefix (see OrtSessionOptions). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  /** The first input's shape as the model declares it (a symbolic dimension: its name). */
  get inputShape(): ReadonlyArray<number | string> {
    const meta = this.session.inputMetadata.find((m) => m.name === this.inputName);
    return meta !== undefined && meta.isTensor ? meta.shape : [];
  }

  /** The first input's element type as the model declares it. */
  get inputType(): string {
    const meta = this.session.inputMetadata.find((m) => m.name === this.inputName);
    return meta !== undefined && meta.isTensor ? meta.type : 'unknown';
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
