#!/usr/bin/env node
// The host runtime's NNRt declarations (cpp/hostnn/include/neural_network_runtime/*.h), which the engine compiles
// against on Linux, checked against the SDK's headers of the same name, which it compiles against on the phone:
// every function, enum (underlying type, constants and values), typedef and struct we declare must exist in the
// SDK, in the header of the same name, with the same type. Both sides are read from clang's AST (C++17, the
// engine's language), so a difference the compiler would see is seen here.
//   node tools/device/check-decls.mjs <sdk-root> [our-header-dir]
// Exit 1 on any difference (each printed with both declarations), 2 on a usage or setup error.
import fs from 'node:fs';
import path from 'node:path';
import { declarations, deviceClangArgs, repoRoot, sdkPaths } from './lib.mjs';

const [sdkRoot, oursArg] = process.argv.slice(2);
if (!sdkRoot) {
  console.error('usage: check-decls.mjs <sdk-root> [our-header-dir]');
  process.exit(2);
}
const oursDir = path.resolve(oursArg ?? path.join(repoRoot, 'cpp/hostnn/include/neural_network_runtime'));
const sdk = sdkPaths(path.resolve(sdkRoot));
const sdkDir = path.join(sdk.include, 'neural_network_runtime');
const args = deviceClangArgs(sdk.include);

const headers = fs.readdirSync(oursDir).filter((f) => f.endsWith('.h')).sort();
if (headers.length === 0) {
  console.error(`check-decls: no headers in ${oursDir}`);
  process.exit(2);
}
const problems = [];
const merge = (into, from) => { for (const k of Object.keys(into)) Object.assign(into[k], from[k]); return into; };
const ours = { functions: {}, enums: {}, constants: {}, typedefs: {}, records: {} };
const theirs = { functions: {}, enums: {}, constants: {}, typedefs: {}, records: {} };
for (const h of headers) {
  if (!fs.existsSync(path.join(sdkDir, h))) {
    problems.push(`${h}: the SDK has no neural_network_runtime/${h}`);
    continue;
  }
  merge(ours, declarations(path.join(oursDir, h), { dirs: [oursDir], args }));
  merge(theirs, declarations(path.join(sdkDir, h), { dirs: [sdkDir], args }));
}

const fileOf = (where) => where.replace(/:.*$/, '');
const compare = (kind, name, mine, sdkDecl, fields) => {
  if (!sdkDecl) { problems.push(`${kind} ${name} (${mine.where}): not declared by the SDK`); return; }
  if (fileOf(mine.where) !== fileOf(sdkDecl.where)) {
    problems.push(`${kind} ${name}: declared in ${fileOf(mine.where)} here, in ${fileOf(sdkDecl.where)} by the SDK`);
  }
  for (const f of fields) {
    const [a, b] = [JSON.stringify(mine[f]), JSON.stringify(sdkDecl[f])];
    if (a !== b) problems.push(`${kind} ${name}: ${f} ${a} here (${mine.where}), ${b} in the SDK (${sdkDecl.where})`);
  }
};
for (const [n, d] of Object.entries(ours.functions)) compare('function', n, d, theirs.functions[n], ['type']);
for (const [n, d] of Object.entries(ours.enums)) compare('enum', n, d, theirs.enums[n], ['underlying']);
for (const [n, d] of Object.entries(ours.constants)) compare('enum constant', n, d, theirs.constants[n], ['enum', 'value']);
for (const [n, d] of Object.entries(ours.typedefs)) compare('typedef', n, d, theirs.typedefs[n], ['type']);
for (const [n, d] of Object.entries(ours.records)) {
  compare('struct', n, d, theirs.records[n], d.fields === null ? [] : ['fields']);
}

const count = (o) => Object.keys(o).length;
const summary = `${count(ours.functions)} functions, ${count(ours.enums)} enums (${count(ours.constants)} constants), ` +
  `${count(ours.typedefs)} typedefs, ${count(ours.records)} structs of ${path.relative(repoRoot, oursDir) || oursDir} ` +
  `(${headers.join(', ')}) against the SDK's ${path.relative(sdk.native, sdkDir)}`;
if (count(ours.functions) === 0 || count(ours.constants) === 0) problems.push(`nothing was read from ${oursDir}`);
if (problems.length > 0) {
  for (const p of problems) console.log(`MISMATCH ${p}`);
  console.log(`declarations: ${problems.length} mismatches in ${summary}`);
  process.exit(1);
}
console.log(`declarations: ${summary}: all match`);
