// Self-test of the OpenHarmony N-API simulation (cpp/binding/ohos-napi-sim): the same tiny addon built plain and
// with the simulation must answer like Node and like OpenHarmony respectively, for every simulated difference.
// If the simulation became a no-op (a dropped --wrap, a pass-through), the 'OpenHarmony' column fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through scripts/test.d/20-node.sh`);
  return value;
}

const builds = {
  node: requiredEnv('NPULENS_NAPI_SELFTEST'),
  ohos: requiredEnv('NPULENS_NAPI_SELFTEST_OHOS'),
};
const NAPI_OK = 0;
const NAPI_INVALID_ARG = 1;

/** Runs `body` (JS source, `a` = the addon) in a child node; returns its exit status, stdout and stderr. */
function child(file, body, flags = []) {
  const script = `const a = require(${JSON.stringify(file)});\n${body}`;
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** One difference: `probe(addon)` must give `expected.node` on the plain build and `expected.ohos` simulated. */
function difference(name, probe, expected) {
  it(name, () => {
    const answers = Object.fromEntries(Object.entries(builds).map(([k, file]) => [k, probe(require(file))]));
    assert.deepEqual(answers, expected);
  });
}

describe('OpenHarmony N-API simulation: each difference is observable', () => {
  difference('napi_get_typedarray_info reports the byte length',
    (a) => [a.typedArrayLength(new Int16Array(8)), a.typedArrayLength(new Float32Array(3)), a.typedArrayLength(new Uint8Array(5))],
    { node: [8, 3, 5], ohos: [16, 12, 5] });

  difference('napi_get_arraybuffer_info rejects a NULL byte_length',
    (a) => a.arrayBufferInfoWithoutLength(new ArrayBuffer(8)),
    { node: NAPI_OK, ohos: NAPI_INVALID_ARG });

  difference('napi_remove_wrap rejects a NULL result (the wrap stays)',
    (a) => { const o = {}; a.wrap(o, false); return [a.removeWrap(o, false), a.unwrap(o)]; },
    { node: [[NAPI_OK, 0], [NAPI_INVALID_ARG, 0]], ohos: [[NAPI_INVALID_ARG, 0], [NAPI_OK, 0]] });

  difference('napi_wrap refuses a NULL finalizer',
    (a) => a.wrapWithoutFinalizer({}),
    { node: NAPI_OK, ohos: NAPI_INVALID_ARG });

  difference('napi_wrap with a result makes a strong reference (count 1)',
    (a) => { const count = a.wrap({}, true); a.deleteRef(); return count; },
    { node: 0, ohos: 1 });

  difference('napi_delete_reference on a count-1 wrap reference runs the finalizer synchronously',
    (a) => { a.wrap({}, true); return a.deleteRef(); },
    { node: 0, ohos: 1 });

  difference('napi_remove_wrap with a result runs the finalizer at once',
    (a) => { const o = {}; a.wrap(o, false); return a.removeWrap(o, true); },
    { node: [NAPI_OK, 0], ohos: [NAPI_OK, 1] });

  difference('napi_unwrap of an object that is not wrapped is napi_ok with NULL',
    (a) => a.unwrap({}),
    { node: [NAPI_INVALID_ARG, 0], ohos: [NAPI_OK, 1] });

  it('a wrap with a result is never collected; one without is', () => {
    const body = `(function () { a.wrap({}, true); a.wrap({}, false); })();
gc(); setImmediate(() => { gc(); setImmediate(() => process.stdout.write(String(a.finalized()))); });`;
    const out = Object.fromEntries(Object.entries(builds).map(([k, file]) => [k, child(file, body, ['--expose-gc']).stdout]));
    assert.deepEqual(out, { node: '2', ohos: '1' });
  });

  it('no wrap finalizer runs at teardown', () => {
    const body = 'globalThis.keep = [{}, {}]; a.wrap(keep[0], true); a.wrap(keep[1], false);';
    const out = Object.fromEntries(Object.entries(builds).map(([k, file]) => {
      const r = child(file, body);
      assert.equal(r.status, 0, r.stderr);
      return [k, r.stderr.split('\n').filter((l) => l.includes('wrap finalizer ran')).length];
    }));
    assert.deepEqual(out, { node: 2, ohos: 0 });
  });

  it('using a wrap reference napi_remove_wrap deleted aborts (a use after free on the device)', () => {
    const body = 'const o = {}; a.wrap(o, true); a.removeWrap(o, true); a.deleteRef();';
    const node = child(builds.node, body);
    assert.equal(node.status, 0, node.stderr);
    const ohos = child(builds.ohos, body);
    assert.equal(ohos.signal, 'SIGABRT');
    assert.match(ohos.stderr, /napi_delete_reference on a wrap reference that napi_remove_wrap already deleted/);
  });
});
