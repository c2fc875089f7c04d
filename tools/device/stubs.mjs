#!/usr/bin/env node
// Stub shared libraries for the device link check: one arm64 lib<name>.so per NDK library of the SDK
// (<sdk>/default/openharmony/native/ndk-exports/<lib>.ndk.json), exporting exactly the symbols available at the
// app's compatibleSdkVersion (first_introduced <= that API level), with the library's on-device SONAME. Plus:
//   libhiai_foundation.so  the functions of our CANN Kit declarations (cpp/hostnn/include/CANNKit; an HMS kit, not
//                          in the OpenHarmony SDK), those whose doc comment says `@since` a later API level left out
//   libc++_shared.so       the exports of LLVM 16's libc++, libc++abi and libunwind (the NDK ships libc++ as
//                          c++_shared; its export list is not part of the SDK, so the libc++ whose headers we
//                          compile with stands in, and its unwinder for the static one of the OHOS toolchain)
// Each stub is a function `ret` or an 8-byte object per name: enough for `ld.lld --no-undefined`, never run.
//   node tools/device/stubs.mjs <sdk-root> <out-dir> [soname...]
// With sonames (e.g. the -l libraries of libentry.so's link line), only those; a name that is neither an SDK NDK
// library nor one of the two above fails. Writes out-dir/stubs.tsv (library, symbols, left out as too new).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { compatibleApiLevel, declarations, definedDynamicSymbols, deviceClangArgs, repoRoot, sdkPaths } from './lib.mjs';

const run = promisify(execFile);
const [sdkRoot, outArg, ...only] = process.argv.slice(2);
if (!sdkRoot || !outArg) {
  console.error('usage: stubs.mjs <sdk-root> <out-dir> [soname...]');
  process.exit(2);
}
const sdk = sdkPaths(path.resolve(sdkRoot));
const outDir = path.resolve(outArg);
const api = compatibleApiLevel();
const wanted = (soname) => only.length === 0 || only.includes(soname);
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(path.join(outDir, 'src'), { recursive: true });

const libraries = [];  // { soname, symbols: [{ name, object }], dropped: [name] }
for (const file of fs.readdirSync(sdk.exports).filter((f) => f.endsWith('.ndk.json')).sort()) {
  const soname = file.replace(/\.ndk\.json$/, '');
  if (!wanted(soname)) continue;
  const entries = JSON.parse(fs.readFileSync(path.join(sdk.exports, file), 'utf8'));
  const symbols = [];
  const dropped = [];
  for (const e of entries) {
    // A few SDK export lists spell the key "first_instroduced".
    const since = e.first_introduced ?? e.first_instroduced;
    if (since !== undefined && Number(since) > api) dropped.push(`${e.name}@${since}`);
    else symbols.push({ name: e.name, object: e.type === 'variable' });
  }
  libraries.push({ soname, symbols, dropped });
}

const cannDir = path.join(repoRoot, 'cpp/hostnn/include/CANNKit');
const cann = {};
if (wanted('libhiai_foundation.so')) {
  // Parsed as on the device: the NNRt types they use come from the SDK.
  for (const h of fs.readdirSync(cannDir).filter((f) => f.endsWith('.h'))) {
    Object.assign(cann, declarations(path.join(cannDir, h), { dirs: [cannDir], args: deviceClangArgs(sdk.include) }).functions);
  }
  // A function's doc comment `@since 5.1.0(18)` is its first API level, as an ndk.json's first_introduced.
  const names = Object.keys(cann).sort();
  libraries.push({ soname: 'libhiai_foundation.so', symbols: names.filter((n) => !(cann[n].since > api)).map((name) => ({ name })),
    dropped: names.filter((n) => cann[n].since > api).map((n) => `${n}@${cann[n].since}`) });
}

const llvmLib = '/usr/lib/llvm-16/lib';
const cxx = new Map();
if (wanted('libc++_shared.so')) {
  for (const lib of ['libc++.so.1', 'libc++abi.so.1', 'libunwind.so.1']) {
    for (const s of definedDynamicSymbols(path.join(llvmLib, lib))) cxx.set(s.name, s.type === 'OBJECT' || s.type === 'TLS');
  }
  libraries.push({ soname: 'libc++_shared.so', symbols: [...cxx].map(([name, object]) => ({ name, object })), dropped: [] });
}
const unknown = only.filter((n) => !libraries.some((l) => l.soname === n));
if (unknown.length > 0) {
  console.error(`stubs: not an NDK library of the SDK (${path.relative(process.cwd(), sdk.exports)}) nor ours: ${unknown.join(' ')}`);
  process.exit(1);
}

const assembly = (symbols) => symbols.map(({ name, object }) => (object
  ? `.data\n.globl ${name}\n.type ${name},%object\n.size ${name},8\n${name}:\n.zero 8\n`
  : `.text\n.globl ${name}\n.type ${name},%function\n${name}:\nret\n`)).join('');

const build = async ({ soname, symbols }) => {
  const src = path.join(outDir, 'src', `${soname}.s`);
  fs.writeFileSync(src, assembly(symbols));
  await run('clang-16', ['--target=aarch64-linux-ohos', '-fuse-ld=lld', '-nostdlib', '-shared', `-Wl,-soname,${soname}`,
    src, '-o', path.join(outDir, soname)]);
};
// Two at a time (CI has two cores).
const queue = [...libraries];
await Promise.all([0, 1].map(async () => { while (queue.length > 0) await build(queue.shift()); }));

fs.writeFileSync(path.join(outDir, 'stubs.tsv'), libraries.map((l) =>
  `${l.soname}\t${l.symbols.length}\t${l.dropped.join(' ')}\n`).join(''));
const total = libraries.reduce((n, l) => n + l.symbols.length, 0);
const dropped = libraries.flatMap((l) => l.dropped.map((d) => `${l.soname}:${d}`));
console.log(`stubs: ${libraries.length} libraries, ${total} symbols available at API ${api} (compatibleSdkVersion): ` +
  libraries.map((l) => `${l.soname} ${l.symbols.length}`).join(', '));
console.log(`stubs: left out as introduced after API ${api}: ${dropped.length ? dropped.join(' ') : 'none'}`);
if (Object.keys(cann).length === 0 && wanted('libhiai_foundation.so')) {
  console.error(`stubs: no functions read from ${cannDir}`);
  process.exit(1);
}
