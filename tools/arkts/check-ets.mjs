#!/usr/bin/env node
// ArkTS check of every .ets in the HAP sources against a HarmonyOS SDK, as DevEco's ets-loader checks them:
// ohos-typescript type check with the SDK's declarations and ets-loader options (errors and warnings, incl. TS28040
// "Function may throw exceptions" for @throws APIs called outside try/catch), DevEco's JSDoc checks (@since above
// compatibleSdkVersion unless under a deviceInfo version guard, @deprecated) and the bundled ArkTS 1.1 linter.
// The SDK root comes from OHOS_SDK_HOME, else ../shared/ohos-sdk beside the repository.
// Usage: node tools/arkts/check-ets.mjs [dir-or-file ...] (default: entry/src).
// Exit 1 on any error or warning; exit 0 with a loud SKIPPED notice when there is no SDK at all.
import fs from 'node:fs';
import path from 'node:path';
import { apiLevelCheck, parseVersion } from './lib/api-level.mjs';
import { analyze, compatibleSdkVersion, findEtsFiles, formatDiagnostic, REPO, ts } from './lib/program.mjs';
import { locateSdk } from './lib/sdk.mjs';

const started = Date.now();
let sdk;
try {
  sdk = locateSdk();
} catch (e) {
  console.log(`check-ets: ${e.message}`);
  process.exit(1);
}
if (sdk.skipped) {
  const bar = '!'.repeat(100);
  console.log(`${bar}\nARKTS CHECK SKIPPED: no HarmonyOS SDK (${sdk.skipped}).\nThe type check, DevEco's JSDoc checks `
    + 'and the ArkTS linter did NOT run. Set OHOS_SDK_HOME to an SDK root (the folder holding default/openharmony, '
    + `e.g. DevEco Studio's sdk folder).\n${bar}`);
  // CI has the SDK beside the clone: there, a missing SDK is a failure, not a skip.
  process.exit(process.env.CI === 'true' ? 1 : 0);
}
console.log(`sdk: ${sdk.root} (from ${sdk.from})`);

const args = process.argv.slice(2);
const targets = (args.length > 0 ? args : [path.join(REPO, 'entry', 'src')]).map((a) => path.resolve(a));
const files = targets.flatMap((t) => (fs.statSync(t).isDirectory() ? findEtsFiles(t) : [t]));
if (files.length === 0) {
  console.error('check-ets: no .ets files found');
  process.exit(1);
}
const scope = targets.length === 1 && fs.statSync(targets[0]).isDirectory() ? targets[0] : REPO;
const compatible = parseVersion(compatibleSdkVersion());

const { program, view, isSdkFile, typeDiagnostics, lintDiagnostics } = analyze(files,
  { sdkRoot: sdk.root, apiLevel: compatible.api, scopeDir: scope });
const rel = (m) => {
  const i = m.indexOf('(');
  return (m.startsWith(REPO + path.sep) ? path.relative(REPO, m.slice(0, i)) : m.slice(0, i)) + m.slice(i);
};

const errors = typeDiagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
for (const d of typeDiagnostics) console.log(formatDiagnostic(d, view));
const throws = typeDiagnostics.filter((d) => d.code === 28040).length;
console.log(`type check: ${files.length} .ets files, ${errors.length} errors, `
  + `${typeDiagnostics.length - errors.length} warnings (${throws} TS28040)`);

const jsdoc = apiLevelCheck(program, files, compatible, isSdkFile);
for (const p of jsdoc) console.log(rel(p.message));
const count = (kind) => jsdoc.filter((p) => p.kind === kind).length;
console.log(`jsdoc: ${files.length} .ets files, ${count('since')} unguarded uses above ${compatible.text}, `
  + `${count('deprecated')} deprecated uses`);

for (const d of lintDiagnostics) console.log(formatDiagnostic(d, view));
console.log(`arkts linter: ${files.length} .ets files, ${lintDiagnostics.length} errors`);
console.log(`check-ets: ${((Date.now() - started) / 1000).toFixed(1)} s`);

process.exit(typeDiagnostics.length + jsdoc.length + lintDiagnostics.length > 0 ? 1 : 0);
