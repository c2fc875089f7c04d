#!/usr/bin/env node
// The native API contract is written once, in entry/src/main/cpp/types/libentry/Index.d.ts, and its limits once, in
// tools/contract/limits.json. To change them:
//   1. Edit Index.d.ts (types and interfaces, with their doc comments; ArkTS-consumable: no any/unknown, no index
//      signatures; tag a declaration `@platform device` when only the device has it) or limits.json.
//   2. Run `node tools/contract/generate.mjs` (`npm run build:ts` runs it first) and commit the generated files.
//   3. Host-only parts (loading from files, inspect()) live in src/api/types.ts, the device's in Index.d.ts.
//   4. 50-lint runs `node tools/contract/generate.mjs --check`: a stale generated file fails it with a diff.
//
// What it writes:
//   - every exported interface and type alias of Index.d.ts, doc comments included, except those tagged
//     `@platform device`, into src/api/contract.generated.ts (the Node API) and
//     entry/src/main/ets/native/NativeContract.ets (the app's InferenceBackend). The import and the exported
//     functions of Index.d.ts are the device's loading and are never copied; any other kind of statement is an
//     error, so nothing in the contract is silently left out.
//   - every limit of limits.json as a constant: cpp/core/include/core/limits.h (kBenchmarkIterationsMax),
//     src/api/limits.generated.ts and entry/src/main/ets/native/NativeLimits.ets (BENCHMARK_ITERATIONS_MAX); and it
//     checks that the documentation quoting a limit (limits.json quotedIn) states its current value.
// Usage: node tools/contract/generate.mjs [--check] [--root <repository root>] (exit 1: stale with --check, or an
// input the generator does not accept).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const SOURCE = 'entry/src/main/cpp/types/libentry/Index.d.ts';
export const LIMITS = 'tools/contract/limits.json';
export const CONTRACT_OUTPUTS = ['src/api/contract.generated.ts', 'entry/src/main/ets/native/NativeContract.ets'];
const LIMITS_CPP = 'cpp/core/include/core/limits.h';
const LIMITS_SCRIPT = ['src/api/limits.generated.ts', 'entry/src/main/ets/native/NativeLimits.ets'];
export const LIMITS_OUTPUTS = [LIMITS_CPP, ...LIMITS_SCRIPT];
export const OUTPUTS = [...CONTRACT_OUTPUTS, ...LIMITS_OUTPUTS];
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

// The same text suits TypeScript and ArkTS: they share the comment syntax.
const HEADER = `/*
 * GENERATED from ${SOURCE} by ${GENERATOR}: the shared part of
 * the native API contract. Do not edit; edit Index.d.ts and run \`node ${GENERATOR}\`
 * (\`npm run build:ts\` runs it).
 */
`;

const LIMITS_ABOUT = 'the limits the native side, the Node API and CLI, and the app share. Do not edit; edit '
  + `limits.json and run \`node ${GENERATOR}\`, which \`npm run build:ts\` runs first.`;

/** `text` in lines of at most `width` columns, each starting with `prefix`. */
function wrap(text, prefix, width = 120) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(prefix + line);
  return lines.join('\n');
}

const UNITS = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/** "4 MiB", "1000000": a limit's value as the documentation states it (cpp/core's FormatByteSize for bytes). */
function quoted(limit) {
  if (limit.type !== 'bytes') return String(limit.value);
  for (const unit of ['GiB', 'MiB', 'KiB']) {
    if (limit.value >= UNITS[unit] && limit.value % UNITS[unit] === 0) return `${limit.value / UNITS[unit]} ${unit}`;
  }
  return `${limit.value} bytes`;
}

/** The limits of limits.json, checked: [{name, type, value (a number), doc, quotedIn}]. */
export function readLimits(root) {
  const where = LIMITS;
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(path.join(root, LIMITS), 'utf8'));
  } catch (e) {
    throw new ContractError(`${where}: ${e.message}`);
  }
  if (!Array.isArray(doc?.limits)) throw new ContractError(`${where}: "limits" must be an array`);
  const seen = new Set();
  return doc.limits.map((l, i) => {
    const at = `${where}: limits[${i}]${typeof l?.name === 'string' ? ` (${l.name})` : ''}`;
    if (typeof l?.name !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(l.name)) {
      throw new ContractError(`${at}: name must be camelCase`);
    }
    if (seen.has(l.name)) throw new ContractError(`${at}: name is not unique`);
    seen.add(l.name);
    if (!['count', 'bytes', 'ms'].includes(l.type)) throw new ContractError(`${at}: type must be count, bytes or ms`);
    let value = l.value;
    const bytes = typeof value === 'string' && l.type === 'bytes' ? /^(\d+) (KiB|MiB|GiB)$/.exec(value) : null;
    if (bytes) value = Number(bytes[1]) * UNITS[bytes[2]];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ContractError(`${at}: value must be an integer >= 0${l.type === 'bytes' ? ' or \'<n> KiB|MiB|GiB\'' : ''}`);
    }
    if (typeof l.doc !== 'string' || l.doc.trim() === '') throw new ContractError(`${at}: doc must say what it limits`);
    const quotedIn = l.quotedIn ?? [];
    if (!Array.isArray(quotedIn) || !quotedIn.every((q) => Array.isArray(q) && q.length === 2
      && q.every((x) => typeof x === 'string'))) {
      throw new ContractError(`${at}: quotedIn must be a list of [file, text]`);
    }
    return { name: l.name, type: l.type, value, doc: l.doc, quotedIn };
  });
}

const constantName = (name) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

function limitsHeader(limits) {
  const constants = limits.map((l) => {
    const type = { count: 'int64_t', bytes: 'uint64_t', ms: 'double' }[l.type];
    const value = l.type === 'ms' ? `${l.value}.0` : String(l.value);
    const unit = l.type === 'bytes' ? `  // ${quoted(l)}` : '';
    return `${wrap(l.doc, '// ')}\ninline constexpr ${type} k${l.name[0].toUpperCase()}${l.name.slice(1)} = ${value};${unit}`;
  });
  return `${wrap(`GENERATED from ${LIMITS} by ${GENERATOR}: ${LIMITS_ABOUT}`, '// ')}
#pragma once

#include <cstdint>

namespace npulens {

${constants.join('\n\n')}

}  // namespace npulens
`;
}

function limitsScript(limits) {
  const constants = limits.map((l) => {
    const unit = l.type === 'bytes' ? `  // ${quoted(l)}` : '';
    return `${wrap(l.doc, ' * ').replace(/^ \* /, '/** ')} */\nexport const ${constantName(l.name)} = ${l.value};${unit}`;
  });
  return `/*\n${wrap(`GENERATED from ${LIMITS} by ${GENERATOR}: ${LIMITS_ABOUT}`, ' * ')}\n */\n\n`
    + `${constants.join('\n\n')}\n`;
}

/** Problems of the documentation that quotes a limit: the quoted text, with the current values, is not there. */
function staleQuotes(root, limits) {
  const byName = new Map(limits.map((l) => [l.name, l]));
  const problems = [];
  for (const l of limits) {
    for (const [file, template] of l.quotedIn) {
      const text = template.replace(/\{(\w*)\}/g, (all, name) => {
        const other = name === '' ? l : byName.get(name);
        if (!other) throw new ContractError(`${LIMITS}: ${l.name}: quotedIn names no limit '${name}'`);
        return quoted(other);
      });
      const full = path.join(root, file);
      if (!fs.existsSync(full)) {
        problems.push(`${file} (quoting ${l.name}) does not exist`);
        continue;
      }
      // Doc comments wrap anywhere: compare with line breaks and comment leaders taken out.
      const content = fs.readFileSync(full, 'utf8').replace(/\s*\n\s*(\*(?!\/)|\/\/|#)?\s*/g, ' ');
      if (!content.includes(text)) problems.push(`${file} does not say '${text}' (${l.name} = ${quoted(l)})`);
    }
  }
  return problems;
}

/** path (relative to the root) -> expected content. Throws ContractError on an input it does not accept. */
export function expectedOutputs(root) {
  const body = sharedDeclarations(fs.readFileSync(path.join(root, SOURCE), 'utf8'));
  const contract = `${HEADER}\n${body}`;
  const limits = readLimits(root);
  const problems = staleQuotes(root, limits);
  if (problems.length > 0) {
    throw new ContractError(`documentation that quotes a limit of ${LIMITS} is out of date:\n  ${problems.join('\n  ')}`);
  }
  const script = limitsScript(limits);
  return new Map([...CONTRACT_OUTPUTS.map((out) => [out, contract]), [LIMITS_CPP, limitsHeader(limits)],
    ...LIMITS_SCRIPT.map((out) => [out, script])]);
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
  if (check && stale === 0) out(`contract: ${OUTPUTS.join(', ')} match ${SOURCE} and ${LIMITS}`);
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
