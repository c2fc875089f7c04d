// The host hypium runner must turn hypium's summary into the exit code (hypium itself always finishes with 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = (suite) => spawnSync(process.execPath, [path.join(here, '..', 'run.mjs'), path.join(here, 'fixtures', suite)],
  { encoding: 'utf8' });

test('a passing suite exits 0 and reports its count', () => {
  const r = run('Passing.test.ets');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /tests 2, passed 2, failed 0, errors 0/);
});

test('failed assertions and exceptions exit 1 and name the tests', () => {
  const r = run('Failing.test.ets');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /tests 3, passed 1, failed 1, errors 1/);
  assert.match(r.stdout, /FAIL Failing#wrong_value: expect 1 equals 2/);
  assert.match(r.stdout, /FAIL Failing#throws: .*boom/);
});
