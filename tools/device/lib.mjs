// Shared helpers of the device checks (scripts/test.d/25-device.sh): the SDK layout, the app's API level, clang's
// AST of a header reduced to the C declarations that matter for ABI (functions, enums, typedefs, records), and the
// dynamic symbols of an ELF file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// DevEco's layout: <sdk>/default/openharmony/native/{sysroot/usr/include,ndk-exports}.
export function sdkPaths(sdkRoot) {
  const native = path.join(sdkRoot, 'default/openharmony/native');
  return { native, include: path.join(native, 'sysroot/usr/include'), exports: path.join(native, 'ndk-exports') };
}

// "5.0.5(17)" -> 17: the API level in parentheses of build-profile.json5's compatibleSdkVersion.
export function compatibleApiLevel(buildProfile = path.join(repoRoot, 'build-profile.json5')) {
  const profile = JSON5.parse(fs.readFileSync(buildProfile, 'utf8'));
  const versions = (profile.app?.products ?? []).map((p) => p.compatibleSdkVersion).filter((v) => v !== undefined);
  if (versions.length === 0) throw new Error(`${buildProfile}: no app.products[].compatibleSdkVersion`);
  const levels = versions.map((v) => {
    const m = /\((\d+)\)\s*$/.exec(String(v)) ?? /^(\d+)$/.exec(String(v));
    if (!m) throw new Error(`${buildProfile}: compatibleSdkVersion "${v}" is not "x.y.z(API)" nor an API level`);
    return Number(m[1]);
  });
  return Math.min(...levels);
}

// The same flags as the device build (tools/device/aarch64-ohos.toolchain.cmake): arm64, libc++, the SDK's
// headers; the C library headers are glibc's for arm64 (the SDK does not ship musl's, the toolchain does).
export function deviceClangArgs(sdkInclude) {
  return ['--target=aarch64-linux-ohos', '-stdlib=libc++', '-isystem', sdkInclude,
    '-idirafter', '/usr/aarch64-linux-gnu/include'];
}

// Top-level declarations of `header` (and of the headers it includes) whose location lies under one of `dirs`,
// parsed as C++17 (the engine's language; the SDK's NNRt header uses C++-only `enum : int8_t`).
// Returns { functions, enums, constants, typedefs, records } keyed by name.
export function declarations(header, { dirs, args = [] }) {
  const json = execFileSync('clang++-16', ['-x', 'c++', '-std=c++17', ...args, '-Xclang', '-ast-dump=json',
    '-fsyntax-only', header], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  const root = JSON.parse(json);
  const inDirs = (file) => file !== undefined && dirs.some((d) => path.resolve(file).startsWith(path.resolve(d) + path.sep));
  const result = { functions: {}, enums: {}, constants: {}, typedefs: {}, records: {} };
  const enumNodes = new Map();  // EnumDecl id -> node (anonymous enums get the name of the typedef that owns them)

  // clang's JSON dumper writes a location's "file" only when it differs from the previous location written, so the
  // file of a declaration is the last "file" seen, in document order, up to and including its own "loc".
  let lastFile;
  let lastLine;
  const track = (value) => {
    if (Array.isArray(value)) { value.forEach(track); return; }
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'includedFrom') continue;
      if (key === 'file' && typeof v === 'string') lastFile = v;
      else if (key === 'line' && typeof v === 'number') lastLine = v;
      else track(v);
    }
  };
  const visit = (node) => {
    if (node.kind === 'LinkageSpecDecl') {
      track(node.loc); track(node.range);
      (node.inner ?? []).forEach(visit);
      return;
    }
    track(node.loc);
    const [file, line] = [lastFile, lastLine];
    track(node.range);
    if (inDirs(file) && !node.isImplicit) collect(node, `${path.basename(file)}:${line}`);
    for (const [key, v] of Object.entries(node)) if (key !== 'loc' && key !== 'range') track(v);
  };
  const collect = (node, where) => {
    switch (node.kind) {
      case 'FunctionDecl':
        result.functions[node.name] = { type: node.type.qualType, mangled: node.mangledName, since: since(node), where };
        break;
      case 'EnumDecl': {
        enumNodes.set(node.id, node);
        if (node.name) addEnum(node.name, node, where);
        break;
      }
      case 'TypedefDecl': {
        const owned = node.inner?.[0]?.ownedTagDecl;
        if (owned?.kind === 'EnumDecl' && enumNodes.has(owned.id) && !owned.name) addEnum(node.name, enumNodes.get(owned.id), where);
        result.typedefs[node.name] = { type: node.type.qualType, where };
        break;
      }
      case 'RecordDecl':
      case 'CXXRecordDecl':
        if (node.name) {
          const fields = (node.inner ?? []).filter((f) => f.kind === 'FieldDecl').map((f) => `${f.type.qualType} ${f.name}`);
          const prev = result.records[node.name];
          // A forward declaration and a later definition of the same struct: keep the definition.
          if (!prev || node.completeDefinition) result.records[node.name] = { fields: node.completeDefinition ? fields : null, where };
        }
        break;
      default:
        break;
    }
  };
  // The API level of a doc comment's `@since 18` / `@since 5.1.0(18)` (clang attaches /** */ comments as FullComment).
  const since = (node) => {
    const full = node.inner?.find((c) => c.kind === 'FullComment');
    const tag = full?.inner?.find((c) => c.kind === 'BlockCommandComment' && c.name === 'since');
    const text = JSON.stringify(tag ?? {}).match(/"text":"\s*([^"]*)"/)?.[1];
    const level = text && (/\((\d+)\)/.exec(text) ?? /^(\d+)/.exec(text));
    return level ? Number(level[1]) : undefined;
  };
  // An explicit value: the ConstantExpr clang folded it to (in C++ below an ImplicitCastExpr to the enum's type).
  const constantExpr = (nodes = []) => {
    for (const e of nodes) {
      if (e.kind === 'ConstantExpr' && e.value !== undefined) return e;
      const inner = constantExpr(e.inner);
      if (inner) return inner;
    }
    return undefined;
  };
  const addEnum = (name, node, where) => {
    let next = 0n;
    const constants = [];
    for (const c of node.inner ?? []) {
      if (c.kind !== 'EnumConstantDecl') continue;
      const explicit = constantExpr(c.inner);
      const value = explicit ? BigInt(explicit.value) : next;
      next = value + 1n;
      constants.push(c.name);
      result.constants[c.name] = { value: value.toString(), enum: name, where };
    }
    result.enums[name] = { underlying: node.fixedUnderlyingType?.qualType ?? 'int', constants, where };
  };
  (root.inner ?? []).forEach(visit);
  return result;
}

// Defined dynamic symbols of an ELF shared library: [{ name, type: 'FUNC' | 'OBJECT' | ... }] (readelf reads any
// architecture's ELF).
export function definedDynamicSymbols(file) {
  return dynamicSymbols(file).filter((s) => s.ndx !== 'UND');
}

export function undefinedDynamicSymbols(file) {
  return dynamicSymbols(file).filter((s) => s.ndx === 'UND' && s.name !== '');
}

function dynamicSymbols(file) {
  const text = execFileSync('readelf', ['--dyn-syms', '--wide', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const symbols = [];
  for (const line of text.split('\n')) {
    // Num: Value Size Type Bind Vis [Other] Ndx Name
    const t = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(t[0]) || t.length < 7) continue;
    let i = 6;
    if (t[i].startsWith('[')) { while (i < t.length && !t[i].endsWith(']')) i++; i++; }
    const [type, bind, ndx, rawName = ''] = [t[3], t[4], t[i], t[i + 1]];
    if (bind === 'LOCAL') continue;
    symbols.push({ name: rawName.replace(/@.*$/, ''), type, bind, ndx });
  }
  return symbols;
}

export function neededLibraries(file) {
  const text = execFileSync('readelf', ['--dynamic', '--wide', file], { encoding: 'utf8' });
  return [...text.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}
