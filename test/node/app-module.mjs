// The app's ViewModel code (.ets) for the Node tests: esbuild bundles it into one ES module (no ArkUI, no
// libentry.so), without helpers.mjs's addon and fixtures so the app-only tests run without them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const viewModel = path.join(repoRoot, 'entry/src/main/ets/viewmodel');

/**
 * Imports the app's `<main>.ets` with `others` ({ name: 'File.ets' }) re-exported beside it; alias maps import
 * names to files (e.g. libentry.so to its mock). name labels the temporary folder and files.
 */
export async function appModule(name, main, others = {}, alias = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `npulens-${name}-`));
  const outfile = path.join(dir, `${name}.mjs`);
  const entry = [`export * from ${JSON.stringify(path.join(viewModel, main))};`,
    ...Object.entries(others).map(([n, f]) => `export { ${n} } from ${JSON.stringify(path.join(viewModel, f))};`)]
    .join('\n');
  await build({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'js', sourcefile: `${name}-entry.js` },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error',
    loader: { '.ets': 'ts' }, resolveExtensions: ['.ets', '.ts', '.js'], alias,
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  });
  return import(pathToFileURL(outfile).href);
}
