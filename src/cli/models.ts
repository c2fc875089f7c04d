/* `npulens models`: the manifest's models, their target files (missing ones marked) and the default model. */
import fs from 'node:fs';
import { parse } from './args';
import { table } from './format';
import type { Io } from './io';
import { defaultModel, displayPath, rawfileDir, type Backend } from './model';

export function models(args: string[], io: Io, backend: Backend): number {
  parse(args, {}, false);
  const manifest = backend.readManifest(rawfileDir());
  io.stdout.write(`manifest: ${displayPath(manifest.file)}\n`);
  const chosen = defaultModel(manifest);
  io.stdout.write(table(['id', 'precision', 'input', 'classes', 'targets', 'title'],
    manifest.models.map((m) => [
      m.id + (m === chosen ? ' *' : ''),
      m.precision,
      `${m.inputWidth}x${m.inputHeight}`,
      String(m.classes),
      m.targets.map((t) => `${t.name}:${t.file}${fs.existsSync(t.path) ? '' : ' (missing)'}`).join(' '),
      m.title + (m.pretrained ? '' : ' [random weights]'),
    ]), [false, false, false, true, false, false], ''));
  io.stdout.write('* = the model classify/bench use without --model (the manifest default, if it has an onnx target)\n');
  return 0;
}
