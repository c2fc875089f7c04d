#!/usr/bin/env node
// After the device build (scripts/test.d/25-device.sh): proves where libentry.so's headers and symbols came from.
//   node tools/device/link-report.mjs <entry-build-dir> <stub-dir> <sdk-root>
// Headers (from the compiler's dependency files, `ninja -t deps`): every header of every object must come from
// the SDK's sysroot, our CANN Kit folder, the repository's own sources, node-addon-api, nlohmann/json, libc++,
// clang's own headers or the arm64 C library headers; none from the host runtime's NNRt stand-ins
// (cpp/hostnn/include/neural_network_runtime, hostnn/), Node's node-api-headers or the host's /usr/include.
// Symbols: every symbol libentry.so imports is defined by one of the stub libraries it records as NEEDED (what
// `--no-undefined` enforced), counted per library.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { definedDynamicSymbols, neededLibraries, repoRoot, sdkPaths, undefinedDynamicSymbols } from './lib.mjs';

const [buildArg, stubArg, sdkRoot] = process.argv.slice(2);
if (!buildArg || !stubArg || !sdkRoot) {
  console.error('usage: link-report.mjs <entry-build-dir> <stub-dir> <sdk-root>');
  process.exit(2);
}
const buildDir = path.resolve(buildArg);
const stubDir = path.resolve(stubArg);
const sdk = sdkPaths(path.resolve(sdkRoot));
const problems = [];

// --- headers
const deps = execFileSync('ninja', ['-C', buildDir, '-t', 'deps'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const objects = new Set();
const headers = new Set();
let current;
for (const line of deps.split('\n')) {
  const obj = /^(\S.*\.o): #deps/.exec(line);
  if (obj) { current = obj[1]; objects.add(current); continue; }
  const dep = line.trim();
  if (current && dep && !/\.(c|cc|cpp)$/.test(dep)) headers.add(fs.realpathSync(path.resolve(buildDir, dep)));
}
// Compared as real paths: the build reaches CANNKit and nlohmann/json through symlinks in the build dir.
const real = (p) => fs.realpathSync(p);
const origins = [
  ['SDK sysroot', real(sdk.include)],
  ['our CANN Kit declarations', real(path.join(repoRoot, 'cpp/hostnn/include/CANNKit'))],
  ['repository sources', real(path.join(repoRoot, 'cpp'))],
  ['node-addon-api', real(path.join(repoRoot, 'node_modules/node-addon-api'))],
  ['nlohmann/json', real(path.join(buildDir, '..', 'json', 'nlohmann'))],
  ['libc++', real('/usr/lib/llvm-16/include/c++/v1')],
  ['clang', real('/usr/lib/llvm-16/lib/clang')],
  ['arm64 C library', real('/usr/aarch64-linux-gnu/include')],
];
const forbidden = ['cpp/hostnn/include/neural_network_runtime', 'cpp/hostnn/include/hostnn', 'cpp/hostnn/src',
  'node_modules/node-api-headers'].map((d) => path.join(real(repoRoot), d));
const byOrigin = new Map(origins.map(([name]) => [name, 0]));
const sdkHeaders = new Set();
const under = (file, dir) => file.startsWith(dir + path.sep);
for (const h of headers) {
  if (forbidden.some((d) => under(h, d))) { problems.push(`header from a host stand-in: ${h}`); continue; }
  const origin = origins.find(([, dir]) => under(h, dir));
  if (!origin) { problems.push(`header from outside the device build's include path: ${h}`); continue; }
  byOrigin.set(origin[0], byOrigin.get(origin[0]) + 1);
  if (origin[0] === 'SDK sysroot') sdkHeaders.add(path.relative(origins[0][1], h));
}
if (objects.size === 0) problems.push(`no compiled objects recorded in ${buildDir} (ninja -t deps)`);
console.log(`headers: ${objects.size} objects include ${headers.size} headers: ` +
  [...byOrigin].filter(([, n]) => n > 0).map(([o, n]) => `${o} ${n}`).join(', '));
console.log(`headers from the SDK: ${[...sdkHeaders].sort().join(' ')}`);

// --- symbols
const lib = path.join(buildDir, 'libentry.so');
if (!fs.existsSync(lib)) {
  problems.push(`${lib} was not linked`);
} else {
  const needed = neededLibraries(lib);
  const providers = new Map();  // symbol -> [library]
  for (const n of needed) {
    const stub = path.join(stubDir, n);
    if (!fs.existsSync(stub)) { problems.push(`NEEDED ${n} is not one of the stub libraries`); continue; }
    for (const s of definedDynamicSymbols(stub)) providers.set(s.name, [...(providers.get(s.name) ?? []), n]);
  }
  const perLibrary = new Map(needed.map((n) => [n, 0]));
  const weakUnresolved = [];
  const imports = undefinedDynamicSymbols(lib);
  for (const s of imports) {
    const from = providers.get(s.name);
    if (!from) {
      if (s.bind === 'WEAK') weakUnresolved.push(s.name);
      else problems.push(`import ${s.name} is defined by none of the NEEDED libraries`);
      continue;
    }
    perLibrary.set(from[0], perLibrary.get(from[0]) + 1);
  }
  for (const [n, count] of perLibrary) if (count === 0) problems.push(`NEEDED ${n} provides none of the imports`);
  const exported = definedDynamicSymbols(lib).length;
  console.log(`link: libentry.so (${Math.round(fs.statSync(lib).size / 1024)} KiB, ${exported} exports) resolves ` +
    `${imports.length - weakUnresolved.length} imports: ` + [...perLibrary].map(([n, c]) => `${n} ${c}`).join(', ') +
    (weakUnresolved.length ? `; weak, left unresolved as allowed: ${weakUnresolved.join(' ')}` : ''));
}

if (problems.length > 0) {
  for (const p of problems) console.log(`FAIL ${p}`);
  process.exit(1);
}
