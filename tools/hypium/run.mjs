#!/usr/bin/env node
// Runs hypium suites written for the device (ArkTS, entry/src/ohosTest) on the host with Node:
// esbuild bundles the suite (.ets compiled as TypeScript; only ViewModel/logic code, never ArkUI or libentry.so),
// a fake AbilityDelegator collects hypium's OHOS_REPORT lines, and the summary decides the exit code
// (hypium itself always "finishes" with code 0).
// Usage: node tools/hypium/run.mjs [--verbose] [suite.ets (default: the ViewModel list)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const suite = path.resolve(args.find((a) => !a.startsWith('--'))
  ?? path.join(repo, 'entry/src/ohosTest/ets/test/viewmodel/List.test.ets'));
const fixtures = path.join(repo, 'entry/src/ohosTest/ets/test/support/Fixtures.ets');
const rawfile = path.join(repo, 'entry/src/main/resources/rawfile');
const TIMEOUT_MS = 60000;

const entry = `
import { Hypium } from '@ohos/hypium';
import suite from ${JSON.stringify(suite)};
import { setFixtureProvider } from ${JSON.stringify(fixtures)};
import fs from 'node:fs';
import path from 'node:path';
setFixtureProvider({
  platform: 'host',
  readText(p) {
    try { return fs.readFileSync(path.join(${JSON.stringify(rawfile)}, p), 'utf8'); } catch { return ''; }
  },
});
export function run(delegator, args) { Hypium.hypiumTest(delegator, args, suite); }
`;

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hypium-host-'));
const outfile = path.join(outDir, 'suite.mjs');
try {
  await build({
    stdin: { contents: entry, resolveDir: repo, loader: 'js', sourcefile: 'hypium-host-entry.js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    loader: { '.ets': 'ts' },
    // No libentry.so on the host: the bridge links against the Previewer mock (every model call rejects).
    alias: { 'libentry.so': path.join(repo, 'entry/src/mock/Libentry.mock.ets') },
    resolveExtensions: ['.ets', '.ts', '.js', '.mjs'],
    logLevel: 'error',
    // ArkTS decorators never appear in logic code; keep TS semantics for class fields as ArkTS compiles them.
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  });
} catch (e) {
  console.error(`hypium: bundling ${path.relative(repo, suite)} failed: ${e.message}`);
  process.exit(1);
}

// hypium logs every step through console.info/debug; keep that only with --verbose.
if (!verbose) {
  console.info = () => {};
  console.debug = () => {};
  console.log = () => {};
  console.error = () => {};
}
const out = (s) => process.stdout.write(`${s}\n`);

const summary = { run: -1, failure: 0, error: 0, pass: 0, ignore: 0 };
let cls = '';
let stack = '';
const failures = new Set();
const { run } = await import(pathToFileURL(outfile).href);
const finished = new Promise((resolve) => {
  const timer = setTimeout(() => {
    out(`hypium: no result after ${TIMEOUT_MS / 1000} s (a test never finished)`);
    resolve();
  }, TIMEOUT_MS);
  const delegator = {
    printSync(msg) {
      for (const line of String(msg).split('\n')) {
        if (verbose) out(line);
        // Per test: class=, [stack=<failure>], test=<name>, STATUS_CODE (each block may be printed twice).
        let m = /OHOS_REPORT_STATUS: class=(.*)/.exec(line);
        if (m) cls = m[1].trim();
        m = /OHOS_REPORT_STATUS: stack=(.*)/.exec(line);
        if (m) stack = m[1].trim();
        m = /OHOS_REPORT_STATUS: test=(.*)/.exec(line);
        if (m && stack) failures.add(`${cls}#${m[1].trim()}: ${stack}`);
        if (/OHOS_REPORT_STATUS_CODE/.test(line)) stack = '';
        m = /Tests run: (\d+), Failure: (\d+), Error: (\d+), Pass: (\d+), Ignore: (\d+)/.exec(line);
        if (m) Object.assign(summary, { run: +m[1], failure: +m[2], error: +m[3], pass: +m[4], ignore: +m[5] });
      }
    },
    print(msg) { this.printSync(msg); },
    finishTest(_msg, _code, cb) {
      clearTimeout(timer);
      if (typeof cb === 'function') cb();
      resolve();
    },
    executeShellCommand() { throw new Error('hypium host runner: no shell on the host'); },
    getAppContext() { return undefined; },
  };
  run(delegator, { bundleName: 'host', parameters: {}, testCaseNames: '', testRunnerClassName: '' });
});
await finished;
fs.rmSync(outDir, { recursive: true, force: true });

for (const f of failures) out(`FAIL ${f}`);
const ok = summary.run > 0 && summary.failure === 0 && summary.error === 0;
out(`hypium: ${path.relative(repo, suite)}: tests ${summary.run}, passed ${summary.pass}, failed ${summary.failure}, errors ${summary.error}`);
process.exit(ok ? 0 : 1);
