// The ArkTS checks must fail on broken code: each fixture holds deliberate errors and the test asserts the exact
// diagnostics (a checker that silently passes everything would fail here). The fixtures are checked against the real
// SDK (OHOS_SDK_HOME, else ../shared/ohos-sdk); without one these tests are skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiLevelCheck, parseVersion, sinceOf } from '../lib/api-level.mjs';
import { analyze, findEtsFiles, formatDiagnostic, ts } from '../lib/program.mjs';
import { HMS_ETS, locateSdk, SdkView } from '../lib/sdk.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name) => path.join(dir, name);
const CLI = path.join(dir, '..', '..', 'check-ets.mjs');
const COMPATIBLE = parseVersion('5.0.5(17)');

let sdk;
try {
  sdk = locateSdk();
} catch (e) {
  sdk = { error: e.message }; // a named SDK that is not one: every SDK test fails on it below
}
const needsSdk = sdk.skipped ? { skip: `no HarmonyOS SDK (${sdk.skipped})` } : {};
if (sdk.skipped) console.log(`!!! ArkTS checker self-tests against the SDK SKIPPED: ${sdk.skipped}`);
// CI has the SDK beside the clone: there, the skipped tests are a failure.
if (sdk.skipped && process.env.CI === 'true') {
  test('CI: the HarmonyOS SDK is present', () => assert.fail(`no HarmonyOS SDK in CI (${sdk.skipped})`));
}

/** Runs check-ets.mjs; started at load so the child processes overlap the in-process analysis. */
function cli(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stdout += d; });
    child.on('close', (status) => resolve({ status, stdout }));
  });
}
const cliRuns = sdk.root ? { good: cli([fx('GoodPage.ets')]), throws: cli([fx('Throws.ets')]) } : {};

// One program for every fixture (building one against the SDK takes tens of seconds).
let analysis;
function fixtures() {
  if (sdk.error) throw new Error(sdk.error);
  if (!analysis) {
    const files = findEtsFiles(dir);
    const r = analyze(files, { sdkRoot: sdk.root, apiLevel: COMPATIBLE.api, scopeDir: dir });
    analysis = { ...r, files, jsdoc: (v = COMPATIBLE) => apiLevelCheck(r.program, files, v, r.isSdkFile) };
  }
  return analysis;
}
const of = (name, diags) => diags.filter((d) => d.file?.fileName === fx(name)).map((d) => formatDiagnostic(d));
const types = (name) => of(name, fixtures().typeDiagnostics);
const lints = (name) => of(name, fixtures().lintDiagnostics);
const jsdoc = (name, v) => fixtures().jsdoc(v).filter((p) => p.message.startsWith(`${fx(name)}(`));
const codes = (messages) => messages.map((m) => /\((\d+),\d+\): (?:error|warning) (TS\d+)/.exec(m))
  .map((m) => `${m[1]}:${m[2]}`);

test('the SDK root: OHOS_SDK_HOME, else the default; none is a skip, a wrong one an error', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'arkts-nosdk-'));
  try {
    assert.match(locateSdk({}, path.join(empty, 'missing')).skipped,
      /OHOS_SDK_HOME is not set and .*missing does not exist/);
    assert.throws(() => locateSdk({ OHOS_SDK_HOME: empty }), /not an SDK root in DevEco's layout/);
    // An existing default that is not an SDK is an error too, never a silent skip.
    assert.throws(() => locateSdk({}, empty), /not an SDK root in DevEco's layout/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('the SDK is seen at a path ending in sdk/default/openharmony/ets (ohos-typescript decides @throws 401 by it)', () => {
  const view = new SdkView('/x/ohos-sdk');
  assert.equal(view.ets, '/x/ohos-sdk/sdk/default/openharmony/ets');
  assert.equal(view.toReal('/x/ohos-sdk/sdk/default/openharmony/ets/api/a.d.ts'), '/x/ohos-sdk/default/openharmony/ets/api/a.d.ts');
  assert.equal(new SdkView('/y/sdk').toReal('/y/sdk/default/a.d.ts'), '/y/sdk/default/a.d.ts');
  assert.equal(HMS_ETS.endsWith(path.join('sdk', 'default', 'hms', 'ets')), true);
});

test('every SDK declaration in the program sits under /sdk/default/(openharmony|hms)/ets/', needsSdk, () => {
  const names = fixtures().program.getSourceFiles().map((s) => s.fileName).filter(fixtures().isSdkFile);
  assert.ok(names.length > 100, `${names.length} SDK files`);
  assert.deepEqual(names.filter((f) => !/\/sdk\/default\/(openharmony|hms)\/ets\//.test(f)), []);
});

test('a correct page type checks, passes the JSDoc checks and lints clean', needsSdk, () => {
  assert.deepEqual(types('GoodPage.ets'), []);
  assert.deepEqual(jsdoc('GoodPage.ets'), []);
  assert.deepEqual(lints('GoodPage.ets'), []);
});

test('type errors in a page are reported with their positions', needsSdk, () => {
  const messages = types('BadTypes.ets');
  assert.deepEqual(codes(messages), ['9:TS2345', '11:TS2345', '12:TS2551', '14:TS2322']);
  assert.match(messages[0], /Argument of type 'number' is not assignable to parameter of type 'string \| Resource'/);
  assert.match(messages[2], /Property 'widthh' does not exist on type 'RowAttribute'/);
});

test('the libentry.so contract (Index.d.ts) is type checked, not any', needsSdk, () => {
  const messages = types('BadNative.ets');
  assert.equal(messages.length, 2, messages.join('\n'));
  assert.match(messages[0], /'number' is not assignable to parameter of type 'ResourceManager'/);
  assert.match(messages[1], /Type '"gpu"' is not assignable to type 'DevicePolicy/);
});

test('a member the SDK does not declare is an error', needsSdk, () => {
  const messages = types('BadKit.ets');
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /Property 'RGBA_9999' does not exist on type 'typeof PixelMapFormat'/);
});

test('the ArkTS linter reports arkts-no-* violations', needsSdk, () => {
  const rules = lints('BadLint.ets').map((m) => /\((arkts-[a-z-]+)\)/.exec(m)[1]);
  assert.deepEqual(rules, ['arkts-no-any-unknown', 'arkts-no-var', 'arkts-no-untyped-obj-literals']);
});

test('TS28040: a @throws API called outside try/catch warns; inside, or throwing only 401, it does not', needsSdk, () => {
  const messages = types('Throws.ets');
  // Line 6: no try; line 20: try/finally without catch. Line 11 (try/catch) and 30 (only @throws 401) are fine.
  assert.deepEqual(codes(messages), ['6:TS28040', '20:TS28040']);
  assert.match(messages[0], /warning TS28040: Function may throw exceptions/);
});

test('@since: a declaration exists from its FIRST JSDoc block; newer ones need the version guard', needsSdk, () => {
  const problems = jsdoc('SinceBlocks.ets');
  assert.deepEqual(problems.map((p) => p.message.slice(fx('SinceBlocks.ets').length)), [
    "(11,23): 'minFontScale' is since 18, above compatibleSdkVersion 5.0.5(17): guard it with deviceInfo.sdkApiVersion >= 18",
  ]);
  // What makes the fixture meaningful: fontWeight's last block (all that ts.getJSDocTags reads) says 20, its first 7.
  const { program } = fixtures();
  const sf = program.getSourceFile(fx('SinceBlocks.ets'));
  let call;
  const find = (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'fontWeight') call = n;
    ts.forEachChild(n, find);
  };
  find(sf);
  const decl = program.getTypeChecker().getResolvedSignature(call).declaration;
  const lastBlock = ts.getJSDocTags(decl).filter((t) => t.tagName.text === 'since').map((t) => t.comment);
  assert.deepEqual(lastBlock, ['20']);
  assert.equal(sinceOf(decl).api, 7);
});

test('@since with a HarmonyOS version: only the distributionOSApiVersion guard (&&, ?:) allows it', needsSdk, () => {
  assert.deepEqual(types('ApiLevel.ets'), []);
  const problems = jsdoc('ApiLevel.ets');
  assert.deepEqual(problems.map((p) => /\((\d+),\d+\): '(\w+)'/.exec(p.message).slice(1).join(':')),
    ['8:FunctionController', '19:FunctionController', '25:FunctionController']);
  assert.match(problems[0].message, /is since 6\.0\.0\(20\), above compatibleSdkVersion 5\.0\.5\(17\): guard it with deviceInfo\.distributionOSApiVersion >= 60000/);
  // With compatibleSdkVersion 6.0.0(20) nothing needs a guard.
  assert.deepEqual(jsdoc('ApiLevel.ets', parseVersion('6.0.0(20)')), []);
});

test('@deprecated APIs are reported', needsSdk, () => {
  assert.deepEqual(types('Deprecated.ets'), []);
  assert.deepEqual(jsdoc('Deprecated.ets').map((p) => [p.kind, p.message.slice(fx('Deprecated.ets').length)]),
    [['deprecated', "(5,10): 'push' is deprecated: since 9"]]);
});

test('check-ets exits 0 on a good file, 1 on a TS28040 warning alone, 1 on a named SDK that is not one', needsSdk, async () => {
  const good = await cliRuns.good;
  assert.equal(good.status, 0, good.stdout);
  assert.match(good.stdout, /type check: 1 \.ets files, 0 errors, 0 warnings/);
  const throws = await cliRuns.throws;
  assert.equal(throws.status, 1, throws.stdout);
  assert.match(throws.stdout, /type check: 1 \.ets files, 0 errors, 2 warnings \(2 TS28040\)/);
  const wrong = await cli([fx('GoodPage.ets')], { ...process.env, OHOS_SDK_HOME: dir });
  assert.equal(wrong.status, 1, wrong.stdout);
  assert.match(wrong.stdout, /OHOS_SDK_HOME .* is not an SDK root/);
});
