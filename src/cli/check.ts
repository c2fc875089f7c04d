/*
 * `npulens check <model.onnx|model id>`: checks an ONNX model against the CANN Kit guide's rules for omg/dopt before
 * the Huawei tools run (tools/models/modelcheck.py does the checking; each finding names the guide's section). A
 * manifest id checks that model's onnx file. Exit codes: 0 no errors (warnings allowed), 1 errors or an unreadable
 * model, 2 usage.
 */
import { parse, stringFlag, type Options } from './args';
import { CliError, UsageError } from './errors';
import type { Io } from './io';
import { HOST_TARGET, displayPath, looksLikeFile, rawfileDir, type Backend } from './model';
import { runPythonTool } from './python';

/** Flags passed on to modelcheck.py as they are (omg's syntax in the values). */
const VALUE_FLAGS = ['input-shape', 'dynamic-dims', 'input-type', 'output-type', 'json'] as const;
const SWITCHES = ['quantized', 'aipp'] as const;

const FLAGS: Options = Object.fromEntries([
  ...VALUE_FLAGS.map((f) => [f, { type: 'string' }] as const),
  ...SWITCHES.map((f) => [f, { type: 'boolean' }] as const),
]);

/** The ONNX file of a model argument: a file as given, or a manifest id's onnx target. */
function modelFile(model: string, backend: Backend): string {
  if (looksLikeFile(model)) return model;
  const manifest = backend.readManifest(rawfileDir());
  const entry = manifest.models.find((m) => m.id === model);
  if (entry === undefined) {
    const ids = manifest.models.map((m) => m.id).join(', ');
    throw new CliError(`unknown model '${model}' (known: ${ids || 'none'})`, manifest.file);
  }
  const target = entry.targets.find((t) => t.name === HOST_TARGET);
  if (target === undefined) {
    throw new CliError(`model '${entry.id}' has no onnx target to check (the check reads the ONNX model)`,
      manifest.file);
  }
  return displayPath(target.path);
}

export async function check(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, FLAGS, true);
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing model (a .onnx file or a manifest id)'
      : `one model at a time, got ${positionals.length}`);
  }
  const [model = ''] = positionals;
  if (model === '') throw new UsageError('the model must not be empty');
  const forwarded: string[] = [];
  for (const flag of VALUE_FLAGS) {
    const value = stringFlag(values, flag);
    if (value !== undefined) forwarded.push(`--${flag}`, value);
  }
  for (const flag of SWITCHES) if (values[flag] === true) forwarded.push(`--${flag}`);
  // '--' ends the options: a model file named like a flag stays the model.
  return runPythonTool('modelcheck.py', [...forwarded, '--', modelFile(model, backend)], io);
}
