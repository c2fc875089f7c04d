// The host TypeScript's module graph (src/, every import including `import type` and re-exports) has no cycle: a
// cycle means two modules that cannot be read, tested or moved one without the other (verify importing the CLI's
// types while the CLI imports verify was one). Needs no build: it reads the sources.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ts = createRequire(import.meta.url)('typescript');
const src = path.join(root, 'src');

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The src/ files `file` imports (relative specifiers, resolved as tsc does: x.ts, then x/index.ts). */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.filter((i) => i.fileName.startsWith('.')).map((i) => {
    const base = path.resolve(path.dirname(file), i.fileName);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    assert.ok(hit, `${path.relative(root, file)} imports '${i.fileName}', which is no file in src/`);
    return hit;
  });
}

/** Every cycle found by a depth-first walk, each as the chain of files that closes it. */
function cycles(graph) {
  const found = [];
  const state = new Map();  // file -> 'open' while on the walk's stack, 'done' after
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

it('src/ has no import cycle', () => {
  const files = sources(src);
  assert.ok(files.length > 10, `expected the TypeScript sources in ${src}`);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const chains = cycles(graph).map((c) => c.map((f) => path.relative(src, f)).join(' -> '));
  assert.deepEqual(chains, [], `import cycles in src/:\n${chains.join('\n')}`);
});
