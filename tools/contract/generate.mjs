#!/usr/bin/env node
// The native API contract is written once, in entry/src/main/cpp/types/libentry/Index.d.ts. To change it:
//   1. Edit Index.d.ts (types and interfaces, with their doc comments; ArkTS-consumable: no any/unknown, no index
//      signatures). Tag a declaration `@platform device` when only the device has it (how it loads models).
//   2. Run `node tools/contract/generate.mjs` (`npm run build:ts` runs it first) and commit the generated files.
//   3. Host-only parts (loading from files, inspect()) live in src/api/types.ts, the device's in Index.d.ts.
//   4. 50-lint runs `node tools/contract/generate.mjs --check`, which fails with a diff when a generated file is stale.
//
// What it does: copies every exported interface and type alias of Index.d.ts, doc comments included, except those
// tagged `@platform device`, into src/api/contract.generated.ts (the Node API) and
// entry/src/main/ets/native/NativeContract.ets (the app's InferenceBackend). The import and the exported functions
// of Index.d.ts are the device's loading and are never copied; any other kind of statement is an error, so nothing
// in the contract is silently left out.
// Usage: node tools/contract/generate.mjs [--check] [--root <repository root>] (exit 1: stale with --check, or an
// Index.d.ts the generator does not accept).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const SOURCE = 'entry/src/main/cpp/types/libentry/Index.d.ts';
export const OUTPUTS = ['src/api/contract.generated.ts', 'entry/src/main/ets/native/NativeContract.ets'];
const GENERATOR = 'tools/contract/generate.mjs';
const DEVICE_TAG = 'platform';

class ContractError extends Error {}

function isDeviceOnly(node) {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === DEVICE_TAG && String(t.comment ?? '').trim() === 'device');
}

function lineOf(source, pos) {
  return `${SOURCE}:${source.getLineAndCharacterOfPosition(pos).line + 1}`;
}

/** The shared declarations' text (doc comments included), in source order, with the source's blank lines. */
export function sharedDeclarations(sourceText) {
  const source = ts.createSourceFile(SOURCE, sourceText, ts.ScriptTarget.ES2022, true);
  const kept = [];
  const skippedNames = new Set();
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) || ts.isVariableStatement(st)) {
      // The device's loading: `import { resourceManager }` and the exported functions.
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) skippedNames.add(d.name.getText());
      continue;
    }
    if (!ts.isInterfaceDeclaration(st) && !ts.isTypeAliasDeclaration(st)) {
      throw new ContractError(`${lineOf(source, st.getStart())}: ${ts.SyntaxKind[st.kind]} is not part of the `
        + 'contract the generator copies (only exported interfaces and type aliases)');
    }
    if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      throw new ContractError(`${lineOf(source, st.getStart())}: ${st.name.text} is not exported`);
    }
    if (isDeviceOnly(st)) {
      skippedNames.add(st.name.text);
      continue;
    }
    kept.push(st);
  }
  const problems = [];
  for (const st of kept) {
    const visit = (n) => {
      if (n.kind === ts.SyntaxKind.AnyKeyword || n.kind === ts.SyntaxKind.UnknownKeyword) {
        problems.push(`${lineOf(source, n.getStart())}: '${n.getText()}' (ArkTS has no any/unknown)`);
      } else if (ts.isIndexSignatureDeclaration(n)) {
        problems.push(`${lineOf(source, n.getStart())}: index signature (not allowed in ArkTS)`);
      } else if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
        const name = (ts.isTypeReferenceNode(n) ? n.typeName : n.expression).getText().split('.')[0];
        if (skippedNames.has(name) || name === 'resourceManager') {
          problems.push(`${lineOf(source, n.getStart())}: ${st.name.text} uses ${name}, which is device-only`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(st);
  }
  if (problems.length > 0) throw new ContractError(problems.join('\n'));
  let text = '';
  let previousEnd = -1;
  for (const st of kept) {
    const start = st.getStart(source, true);  // with its doc comment
    if (previousEnd >= 0) text += /\n[ \t]*\n/.test(sourceText.slice(previousEnd, start)) ? '\n\n' : '\n';
    text += sourceText.slice(start, st.end);
    previousEnd = st.end;
  }
  return `${text}\n`;
}

// The same text suits both outputs: TypeScript and ArkTS share the comment syntax.
const HEADER = `/*
 * GENERATED from ${SOURCE} by ${GENERATOR}: the shared part of
 * the native API contract. Do not edit; edit Index.d.ts and run \`node ${GENERATOR}\`
 * (\`npm run build:ts\` runs it).
 */
`;

/** path (relative to the root) -> expected content. */
export function expectedOutputs(root) {
  const body = sharedDeclarations(fs.readFileSync(path.join(root, SOURCE), 'utf8'));
  const text = `${HEADER}\n${body}`;
  return new Map(OUTPUTS.map((out) => [out, text]));
}

function diff(file, rel, expected) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-'));
  try {
    const want = path.join(tmp, path.basename(file));
    fs.writeFileSync(want, expected);
    const r = spawnSync('diff', ['-u', '--label', `${rel} (on disk)`, '--label', `${rel} (from Index.d.ts)`,
      fs.existsSync(file) ? file : '/dev/null', want], { encoding: 'utf8' });
    return r.stdout;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The command line, with its output going to `out` and `err` (lines); returns the exit code. */
export function main(argv, out = console.log, err = console.error) {
  let check = false;
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--root' && i + 1 < argv.length) root = path.resolve(argv[++i]);
    else {
      err(`usage: node ${GENERATOR} [--check] [--root <repository root>] (unknown argument '${argv[i]}')`);
      return 2;
    }
  }
  let outputs;
  try {
    outputs = expectedOutputs(root);
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    err(`contract: ${e.message}`);
    return 1;
  }
  let stale = 0;
  for (const [rel, text] of outputs) {
    const file = path.join(root, rel);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (current === text) continue;
    if (check) {
      stale++;
      err(`contract: ${rel} is stale (run node ${GENERATOR}):`);
      err(diff(file, rel, text));
    } else {
      fs.writeFileSync(file, text);
      out(`contract: wrote ${rel}`);
    }
  }
  if (check && stale === 0) out(`contract: ${OUTPUTS.join(', ')} match ${SOURCE}`);
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
