// The ArkTS checks must fail on broken code: each fixture holds deliberate errors and the test asserts the exact
// diagnostics (a checker that silently passes everything would fail here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint, typeCheck } from '../lib/program.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name) => path.join(dir, name);
const codes = (messages) => messages.map((m) => /\((\d+),\d+\): error (TS\d+)/.exec(m)).map((m) => `${m[1]}:${m[2]}`);

test('a correct page type checks and lints clean', () => {
  assert.deepEqual(typeCheck([fx('GoodPage.ets')]).messages, []);
  assert.deepEqual(lint([fx('GoodPage.ets')], dir).messages, []);
});

test('type errors in a page are reported with their positions', () => {
  const { messages } = typeCheck([fx('BadTypes.ets')]);
  assert.deepEqual(codes(messages), ['9:TS2345', '11:TS2345', '12:TS2551', '14:TS2322']);
  assert.match(messages[0], /Argument of type 'number' is not assignable to parameter of type 'string \| Resource \| undefined'/);
  assert.match(messages[2], /Property 'widthh' does not exist on type 'RowAttribute'/);
});

test('the libentry.so contract (Index.d.ts) is type checked, not any', () => {
  const { messages } = typeCheck([fx('BadNative.ets')]);
  assert.equal(messages.length, 2, messages.join('\n'));
  assert.match(messages[0], /'number' is not assignable to parameter of type 'ResourceManager'/);
  assert.match(messages[1], /Type '"gpu"' is not assignable to type 'DevicePolicy/);
});

test('kit declarations reject undocumented members', () => {
  const { messages } = typeCheck([fx('BadKit.ets')]);
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /Property 'RGBA_9999' does not exist/);
});

test('the ArkTS linter reports arkts-no-* violations', () => {
  const { messages } = lint([fx('BadLint.ets')], dir);
  const rules = messages.map((m) => /\((arkts-[a-z-]+)\)/.exec(m)[1]);
  assert.deepEqual(rules, ['arkts-no-any-unknown', 'arkts-no-var', 'arkts-no-untyped-obj-literals']);
});

test('check-ets exits 1 on a broken file and 0 on a good one', () => {
  const cli = path.join(dir, '..', '..', 'check-ets.mjs');
  const bad = spawnSync(process.execPath, [cli, fx('BadTypes.ets')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /type check: 1 \.ets files, 4 errors/);
  const good = spawnSync(process.execPath, [cli, fx('GoodPage.ets')], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stdout);
});

test('APIs above compatibleSdkVersion need the deviceInfo guard', async () => {
  const { apiLevelCheck, parseVersion } = await import('../lib/api-level.mjs');
  const file = fx('ApiLevel.ets');
  const { program, messages } = typeCheck([file]);
  assert.deepEqual(messages, []);
  const problems = apiLevelCheck(program, [file], parseVersion('5.0.5(17)'));
  assert.deepEqual(problems.map((p) => /\((\d+),\d+\): '(\w+)'/.exec(p).slice(1).join(':')),
    ['8:FunctionController', '19:FunctionController', '25:FunctionController']);
  assert.match(problems[0], /is since 6\.0\.0\(20\), above compatibleSdkVersion 5\.0\.5\(17\): guard it with deviceInfo\.distributionOSApiVersion >= 60000/);
  // With compatibleSdkVersion 6.0.0(20) nothing needs a guard.
  assert.deepEqual(apiLevelCheck(program, [file], parseVersion('6.0.0(20)')), []);
});
