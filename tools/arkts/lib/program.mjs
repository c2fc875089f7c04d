// One ohos-typescript builder program over .ets sources, set up as DevEco's ets-loader sets it up (ets2bundle
// ets_checker): the SDK's ets-loader/tsconfig.json compiler options and `ets` block, then module ES2020, target and lib
// ES2021, noEmit; root files = the sources + ets-loader/declarations/*.d.ts (the global ArkUI components); module names
// resolve to the SDK's ets/{api,kits,arkts} (our HMS declarations for the HMS kits). The same program gives the type
// check (errors and warnings, incl. TS28040 for unhandled @throws) and the ArkTS 1.1 linter.
// The tsc CLI of ohos-typescript crashes on .ets (no services-layer Node.getChildren), so we use the API.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { HMS_ETS, REPO, SdkView } from './sdk.mjs';

const require = createRequire(import.meta.url);
export const ts = require('ohos-typescript');
export { REPO };

const JSON5 = require('json5');

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

/** build-profile.json5's compatibleSdkVersion, e.g. "5.0.5(17)". */
export function compatibleSdkVersion(root = REPO) {
  const profile = JSON5.parse(fs.readFileSync(path.join(root, 'build-profile.json5'), 'utf8'));
  return profile.app.products[0].compatibleSdkVersion;
}

/** The ets-loader's tsconfig.json compiler options (with its `ets` block), as ets_checker reads them. */
function loaderOptions(view) {
  const file = path.join(view.loader, 'tsconfig.json');
  const read = ts.readConfigFile(view.toReal(file), ts.sys.readFile);
  if (read.error) throw new Error(`${view.toReal(file)}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const { options, errors } = ts.convertCompilerOptionsFromJson(read.config.compilerOptions, view.loader, file);
  if (errors.length > 0) {
    throw new Error(`${view.toReal(file)}: ${errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n'))}`);
  }
  if (!options.ets) throw new Error(`${view.toReal(file)}: no "ets" block`);
  return options;
}

function compilerOptions(view, apiLevel, extra = {}) {
  return {
    ...loaderOptions(view),
    // ets_checker's overrides for an ES-module (Stage model) build.
    module: ts.ModuleKind.ES2020,
    target: ts.ScriptTarget.ES2021,
    lib: ['lib.es2021.d.ts'],
    noEmit: true,
    // As DevEco sets them: the ArkTS linter mode (also makes the checker verify 'libentry.so' against its Index.d.ts,
    // otherwise any) and the app's compatibleSdkVersion.
    needDoArkTsLinter: true,
    isCompatibleVersion: false,
    compatibleSdkVersion: apiLevel,
    etsLoaderPath: view.loader,
    ...extra,
  };
}

/** The global declarations the ets-loader adds as root files (ArkUI components, global.d.ts). */
function loaderDeclarations(view) {
  const dir = path.join(view.loader, 'declarations');
  return fs.readdirSync(view.toReal(dir)).filter((f) => f.endsWith('.d.ts')).sort().map((f) => path.join(dir, f));
}

const SDK_MODULE = /^@(ohos|kit|system|arkts|hms)\./;

function resolver(view, options, host) {
  const dirs = [...['api', 'kits', 'arkts'].map((d) => path.join(view.ets, d)),
    ...['api', 'kits'].map((d) => path.join(HMS_ETS, d))];
  const fixed = {
    'libentry.so': path.join(REPO, 'entry', 'src', 'main', 'cpp', 'types', 'libentry', 'Index.d.ts'),
    '@ohos/hypium': path.join(REPO, 'node_modules', '@ohos', 'hypium', 'index.d.ts'),
  };
  const cache = ts.createModuleResolutionCache(REPO, (f) => f, options);
  return (names, containingFile) => names.map((name) => {
    if (fixed[name]) return { resolvedFileName: fixed[name], extension: ts.Extension.Dts, isExternalLibraryImport: false };
    if (SDK_MODULE.test(name)) {
      for (const dir of dirs) {
        for (const ext of [ts.Extension.Dts, ts.Extension.Dets]) {
          const f = path.join(dir, name + ext);
          if (host.fileExists(f)) return { resolvedFileName: f, extension: ext, isExternalLibraryImport: false };
        }
      }
      return undefined;
    }
    return ts.resolveModuleName(name, containingFile, options, host, cache).resolvedModule;
  });
}

function category(d) {
  return d.category === ts.DiagnosticCategory.Error ? 'error' : d.category === ts.DiagnosticCategory.Warning
    ? 'warning' : 'message';
}

/** "file(line,col): error|warning TSnnnn: text", file relative to the repository (SDK files by their real path). */
export function formatDiagnostic(d, view) {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file) return `${category(d)} TS${d.code}: ${msg}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  const real = view ? view.toReal(d.file.fileName) : d.file.fileName;
  const shown = real.startsWith(REPO + path.sep) ? path.relative(REPO, real) : real;
  return `${shown}(${line + 1},${character + 1}): ${category(d)} TS${d.code}: ${msg}`;
}

/**
 * Builds the program for `rootFiles` against the SDK at `sdkRoot` and runs the type check and the ArkTS linter.
 * Returns { program, view, isSdkFile(fileName) (the SDK's or our HMS declarations), typeDiagnostics (errors +
 * warnings), lintDiagnostics (errors, in files under scopeDir) }.
 */
export function analyze(rootFiles, { sdkRoot, apiLevel, scopeDir = REPO }) {
  const view = new SdkView(sdkRoot);
  const buildDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'arkts-check-'));
  try {
    // ets_checker's incremental builder program (the linter needs its state; nothing is emitted).
    const options = compilerOptions(view, apiLevel,
      { incremental: true, tsBuildInfoFile: path.join(buildDir, 'check.tsbuildinfo') });
    const host = ts.createIncrementalCompilerHost(options, view.system(ts));
    const resolve = resolver(view, options, host);
    host.resolveModuleNames = (names, containingFile) => resolve(names, containingFile);
    const roots = [...loaderDeclarations(view), ...rootFiles];
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(roots, options, host);
    const scope = fs.realpathSync(scopeDir) + path.sep;
    const lintDiagnostics = ts.ArkTSLinter_1_1.runArkTSLinter(builder, undefined, undefined, '1.1')
      .filter((d) => d.category === ts.DiagnosticCategory.Error && d.file
        && path.resolve(d.file.fileName).startsWith(scope));
    const program = builder.getProgram();
    // Warnings count too (TS28040, an unverified .so import); only suggestions and messages are left out.
    const typeDiagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error
      || d.category === ts.DiagnosticCategory.Warning);
    const isSdkFile = (f) => view.contains(f) || f.startsWith(HMS_ETS + path.sep);
    return { program, view, isSdkFile, typeDiagnostics, lintDiagnostics };
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}
