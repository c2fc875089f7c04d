#!/usr/bin/env node
// The N-API the host addon is compiled against (Node's node-api-headers, NAPI_VERSION 8 as in
// cpp/binding/sources.cmake) checked against the SDK's (napi/native_api.h and the node_api.h / js_native_api.h it
// includes), for what the binding really uses: every napi_* function that libentry.so imports must have the same
// type in both, and every enum constant both declare must have the same value (a status or type tag that differed
// would make the host tests see other codes than the phone). Types are compared canonically (Node spells some
// parameters node_api_basic_env / node_api_basic_finalize, typedefs of napi_env / napi_finalize): as the Itanium
// mangling of a probe function taking decltype(&f), which names every type by its canonical form.
// Run after the device link.
//   node tools/device/check-napi.mjs <sdk-root> <libentry.so> [node-api-include-dir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { declarations, deviceClangArgs, repoRoot, sdkPaths, undefinedDynamicSymbols } from './lib.mjs';

const [sdkRoot, lib, nodeArg] = process.argv.slice(2);
if (!sdkRoot || !lib) {
  console.error('usage: check-napi.mjs <sdk-root> <libentry.so> [node-api-include-dir]');
  process.exit(2);
}
const sdk = sdkPaths(path.resolve(sdkRoot));
const nodeDir = path.resolve(nodeArg ?? path.join(repoRoot, 'node_modules/node-api-headers/include'));
const args = ['-DNAPI_VERSION=8', ...deviceClangArgs(sdk.include)];
const host = declarations(path.join(nodeDir, 'node_api.h'), { dirs: [nodeDir], args });
const device = declarations(path.join(sdk.include, 'napi/native_api.h'), { dirs: [sdk.include], args });

const problems = [];
const used = undefinedDynamicSymbols(lib).map((s) => s.name).filter((n) => n.startsWith('napi_')).sort();
if (used.length === 0) problems.push(`${lib} imports no napi_* function`);
const both = [];
for (const name of used) {
  const [h, d] = [host.functions[name], device.functions[name]];
  if (!h) problems.push(`function ${name}: imported by ${path.basename(lib)}, not declared by node-api-headers at NAPI_VERSION 8`);
  else if (!d) problems.push(`function ${name}: imported by ${path.basename(lib)}, not declared by the SDK`);
  else both.push(name);
}
const canonical = (header) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npulens-napi-'));
  try {
    const probe = path.join(dir, 'probe.h');
    fs.writeFileSync(probe, `#include "${header}"\n` + both.map((n) => `void npulens_probe_${n}(decltype(&${n}));\n`).join(''));
    const { functions } = declarations(probe, { dirs: [dir], args });
    return Object.fromEntries(both.map((n) => [n, functions[`npulens_probe_${n}`].mangled]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
const hostTypes = canonical(path.join(nodeDir, 'node_api.h'));
const deviceTypes = canonical(path.join(sdk.include, 'napi/native_api.h'));
for (const name of both) {
  if (hostTypes[name] !== deviceTypes[name]) {
    problems.push(`function ${name}: "${host.functions[name].type}" on Node (${host.functions[name].where}), ` +
      `"${device.functions[name].type}" in the SDK (${device.functions[name].where}); canonically ` +
      `${hostTypes[name]} vs ${deviceTypes[name]}`);
  }
}
let shared = 0;
const nodeOnly = [];
for (const [name, h] of Object.entries(host.constants)) {
  const d = device.constants[name];
  if (!d) { nodeOnly.push(name); continue; }
  shared++;
  if (h.value !== d.value || h.enum !== d.enum) {
    problems.push(`enum constant ${name}: ${h.enum} = ${h.value} on Node (${h.where}), ${d.enum} = ${d.value} in the SDK (${d.where})`);
  }
}
if (shared === 0) problems.push('no enum constant is declared by both');

if (problems.length > 0) {
  for (const p of problems) console.log(`MISMATCH ${p}`);
  console.log(`n-api: ${problems.length} mismatches`);
  process.exit(1);
}
console.log(`n-api: the ${used.length} napi_* functions ${path.basename(lib)} imports have the same type in node-api-headers ` +
  `(NAPI_VERSION 8) and the SDK; ${shared} enum constants declared by both have the same values` +
  (nodeOnly.length ? ` (Node only: ${nodeOnly.join(' ')})` : ''));
