// ohos-typescript programs over .ets sources: type check (ETS syntax + our SDK declarations) and the ArkTS linter.
// The tsc CLI of ohos-typescript crashes on .ets (no services-layer Node.getChildren), so we use the API.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { etsOptions } from './ets-options.mjs';

const require = createRequire(import.meta.url);
export const ts = require('ohos-typescript');

export const ARKTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(ARKTS_DIR, '..', '..');
export const SDK_DIR = path.join(ARKTS_DIR, 'sdk');

/** Every .ets file below `dir` (sorted), skipping build output and package folders. */
export function findEtsFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (['node_modules', 'oh_modules', 'build', '.preview', '.hvigor'].includes(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ets') && !e.name.endsWith('.d.ets')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The SDK declaration files (component/*.d.ts are global; kits/api are modules found through `paths`). */
export function sdkGlobalFiles() {
  const dir = path.join(SDK_DIR, 'component');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.d.ts')).sort().map((f) => path.join(dir, f));
}

export function compilerOptions(extra = {}) {
  return {
    target: ts.ScriptTarget.ES2021,
    module: ts.ModuleKind.ES2020,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    lib: ['lib.es2021.d.ts'],
    types: [],
    strict: true,
    noImplicitReturns: true,
    noEmit: true,
    experimentalDecorators: true,
    // As DevEco sets it: also makes the checker verify 'libentry.so' against its Index.d.ts (otherwise: any).
    needDoArkTsLinter: true,
    isCompatibleVersion: false,
    skipLibCheck: false,
    baseUrl: REPO,
    paths: {
      '@kit.*': [path.join(SDK_DIR, 'kits', '@kit.*')],
      '@ohos.*': [path.join(SDK_DIR, 'api', '@ohos.*')],
      '@ohos/hypium': [path.join(REPO, 'node_modules', '@ohos', 'hypium', 'index.d.ts')],
      'libentry.so': [path.join(REPO, 'entry', 'src', 'main', 'cpp', 'types', 'libentry', 'Index.d.ts')],
    },
    ets: etsOptions(),
    ...extra,
  };
}

export function formatDiagnostics(diags) {
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return `error TS${d.code}: ${msg}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${path.relative(REPO, d.file.fileName)}(${line + 1},${character + 1}): error TS${d.code}: ${msg}`;
  });
}

/** Syntax + semantic diagnostics for the given .ets roots (and everything they import). */
export function typeCheck(rootFiles, extra = {}) {
  const options = compilerOptions(extra);
  const program = ts.createProgram({ rootNames: [...sdkGlobalFiles(), ...rootFiles], options });
  // Warnings count too (e.g. an unverified .so import); only suggestions and messages are ignored.
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error
    || d.category === ts.DiagnosticCategory.Warning);
  return { program, diagnostics: diags, messages: formatDiagnostics(diags) };
}

/** ArkTS 1.1 strict-mode linter errors (arkts-no-*), only for files under `scopeDir`. */
export function lint(rootFiles, scopeDir, extra = {}) {
  const buildDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'arkts-lint-'));
  try {
    const options = { ...compilerOptions(extra), noEmit: false, incremental: true,
      tsBuildInfoFile: path.join(buildDir, 'lint.tsbuildinfo'), outDir: buildDir };
    const host = ts.createIncrementalCompilerHost(options);
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(
      [...sdkGlobalFiles(), ...rootFiles], options, host);
    const diags = ts.ArkTSLinter_1_1.runArkTSLinter(builder, undefined, undefined, '1.1')
      .filter((d) => d.category === ts.DiagnosticCategory.Error && d.file
        && path.resolve(d.file.fileName).startsWith(scopeDir + path.sep));
    return { diagnostics: diags, messages: formatDiagnostics(diags) };
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}
