// Self-tests of the device checks (run by scripts/test.d/25-device.sh after the checks themselves): each check must
// fail on the kind of error it exists for, and pass on a control that differs only by that error.
// Needs OHOS_SDK_HOME, NPULENS_DEVICE_STUB_DIR (stubs of libentry.so's link line) and NPULENS_DEVICE_SCRATCH.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compatibleApiLevel, repoRoot } from '../lib.mjs';

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run these through scripts/test.d/25-device.sh`);
  return v;
};
const sdk = env('OHOS_SDK_HOME');
const stubs = env('NPULENS_DEVICE_STUB_DIR');
const scratch = env('NPULENS_DEVICE_SCRATCH');
fs.rmSync(scratch, { recursive: true, force: true });
fs.mkdirSync(scratch, { recursive: true });

const checkDecls = (dir) => spawnSync('node', [path.join(repoRoot, 'tools/device/check-decls.mjs'), sdk, dir], { encoding: 'utf8' });

test('declarations: a copy of our NNRt headers passes, and fails once an enum value, a parameter type, an ' +
  'enum\'s underlying type and an extra function differ from the SDK', () => {
  const dir = path.join(scratch, 'neural_network_runtime');
  fs.cpSync(path.join(repoRoot, 'cpp/hostnn/include/neural_network_runtime'), dir, { recursive: true });
  const control = checkDecls(dir);
  assert.equal(control.status, 0, control.stdout + control.stderr);

  const edit = (file, from, to) => {
    const p = path.join(dir, file);
    const text = fs.readFileSync(p, 'utf8');
    assert.ok(text.includes(from), `${file} has no "${from}"`);
    fs.writeFileSync(p, text.replace(from, to));
  };
  edit('neural_network_runtime_type.h', 'OH_NN_TIMEOUT = 9', 'OH_NN_TIMEOUT = 90');
  edit('neural_network_runtime_type.h', 'typedef enum : int8_t {', 'typedef enum {');
  edit('neural_network_core.h', 'const char *cachePath, uint32_t version', 'const char *cachePath, int32_t version');
  edit('neural_network_core.h', 'OH_NN_ReturnCode OH_NNCompilation_Build(OH_NNCompilation *compilation);',
    'OH_NN_ReturnCode OH_NNCompilation_Build(OH_NNCompilation *compilation);\n' +
    'OH_NN_ReturnCode OH_NNCompilation_SetTuningLevel(OH_NNCompilation *compilation, int level);');
  const r = checkDecls(dir);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /MISMATCH enum constant OH_NN_TIMEOUT: value "90" here .*, "9" in the SDK/);
  assert.match(r.stdout, /MISMATCH enum OH_NN_FuseType: underlying "int" here .*, "int8_t" in the SDK/);
  assert.match(r.stdout, /MISMATCH function OH_NNCompilation_SetCache: type "OH_NN_ReturnCode \(OH_NNCompilation \*, const char \*, int32_t\)" here .*"OH_NN_ReturnCode \(OH_NNCompilation \*, const char \*, uint32_t\)" in the SDK/);
  assert.match(r.stdout, /MISMATCH function OH_NNCompilation_SetTuningLevel \(neural_network_core\.h:\d+\): not declared by the SDK/);
  assert.match(r.stdout, /declarations: 4 mismatches/);
});

test('link: the device toolchain links calls available at compatibleSdkVersion, and fails with undefined ' +
  'symbols on napi_wrap_enhance (API 18), HMS_HiAIOptions_SetOmOptions (CANN Kit, API 18) and an NNRt function ' +
  'the SDK does not export', () => {
  assert.equal(compatibleApiLevel(), 17, 'these cases assume compatibleSdkVersion API 17 (build-profile.json5)');
  const dir = path.join(scratch, 'link');
  fs.mkdirSync(dir, { recursive: true });
  const head = '#include <napi/native_api.h>\n#include <neural_network_runtime/neural_network_core.h>\n' +
    '#include <CANNKit/hiai_options.h>\n';
  const sources = {
    control: 'void F(napi_env e, napi_value o, OH_NNCompilation *c) {\n' +
      '  napi_wrap(e, o, 0, 0, 0, 0); HMS_HiAIOptions_SetTuningMode(c, HIAI_TUNING_MODE_AUTO); OH_NNCompilation_Build(c);\n}\n',
    too_new: 'void F(napi_env e, napi_value o) { napi_wrap_enhance(e, o, 0, 0, false, 0, 0, 0); }\n',
    cann_too_new: 'void F(OH_NNCompilation *c) { HMS_HiAIOptions_SetOmOptions(c, HIAI_OM_TYPE_PROFILING, "/tmp"); }\n',
    unknown: 'OH_NN_ReturnCode OH_NNCompilation_SetTuningLevel(OH_NNCompilation *c, int level);\n' +
      'void F(OH_NNCompilation *c) { OH_NNCompilation_SetTuningLevel(c, 1); }\n',
  };
  for (const [name, body] of Object.entries(sources)) fs.writeFileSync(path.join(dir, `${name}.c`), head + body);
  fs.mkdirSync(path.join(dir, 'cannkit'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'cpp/hostnn/include/CANNKit'), path.join(dir, 'cannkit/CANNKit'));
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.16)\nproject(device_selftest C)\n' +
    'include_directories(cannkit)\n' + Object.keys(sources).map((n) => `add_library(${n} SHARED ${n}.c)\n` +
      `target_link_libraries(${n} libace_napi.z.so libneural_network_core.so libhiai_foundation.so)\n`).join(''));
  execFileSync('cmake', ['-S', dir, '-B', path.join(dir, 'build'), '-G', 'Ninja', '-Wno-dev',
    `-DCMAKE_TOOLCHAIN_FILE=${path.join(repoRoot, 'tools/device/aarch64-ohos.toolchain.cmake')}`,
    `-DOHOS_SDK_HOME=${sdk}`, `-DNPULENS_DEVICE_STUB_DIR=${stubs}`], { stdio: 'pipe', env: { ...process.env, CFLAGS: '-Wall -Werror' } });
  const link = (target) => spawnSync('ninja', ['-C', path.join(dir, 'build'), target], { encoding: 'utf8' });

  const control = link('control');
  assert.equal(control.status, 0, control.stdout);
  const tooNew = link('too_new');
  assert.notEqual(tooNew.status, 0, tooNew.stdout);
  assert.match(tooNew.stdout, /undefined symbol: napi_wrap_enhance/);
  const unknown = link('unknown');
  assert.notEqual(unknown.status, 0, unknown.stdout);
  assert.match(unknown.stdout, /undefined symbol: OH_NNCompilation_SetTuningLevel/);
  const cannTooNew = link('cann_too_new');
  assert.notEqual(cannTooNew.status, 0, cannTooNew.stdout);
  assert.match(cannTooNew.stdout, /undefined symbol: HMS_HiAIOptions_SetOmOptions/);
});

test('n-api: Node\'s declarations of what a library imports match the SDK\'s, and a changed parameter type or ' +
  'status value in a copy of node-api-headers fails', () => {
  const lib = path.join(scratch, 'link/build/libcontrol.so');  // from the link test: imports napi_wrap
  assert.ok(fs.existsSync(lib), `${lib} missing (the link test builds it)`);
  const dir = path.join(scratch, 'node-api-headers');
  fs.cpSync(path.join(repoRoot, 'node_modules/node-api-headers/include'), dir, { recursive: true });
  const check = () => spawnSync('node', [path.join(repoRoot, 'tools/device/check-napi.mjs'), sdk, lib, dir], { encoding: 'utf8' });
  const control = check();
  assert.equal(control.status, 0, control.stdout + control.stderr);
  assert.match(control.stdout, /the 1 napi_\* functions libcontrol\.so imports have the same type/);

  const edit = (file, from, to) => {
    const p = path.join(dir, file);
    const text = fs.readFileSync(p, 'utf8');
    assert.ok(typeof from === 'string' ? text.includes(from) : from.test(text), `${file} has no ${from}`);
    fs.writeFileSync(p, text.replace(from, to));
  };
  edit('js_native_api.h', /(napi_wrap\(napi_env env,\s+napi_value js_object,\s+)void\* native_object,/, '$1const void* native_object,');
  edit('js_native_api_types.h', '  napi_invalid_arg,', '  napi_invalid_arg = 40,');
  const r = check();
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /MISMATCH function napi_wrap: .*canonically \S*PKv\S* vs \S*PvPF\S*/);
  assert.match(r.stdout, /MISMATCH enum constant napi_invalid_arg: napi_status = 40 on Node .*, napi_status = 1 in the SDK/);
});

test('compatibleSdkVersion: "5.0.5(17)" is API 17; a version without an API level is an error naming it', () => {
  const dir = path.join(scratch, 'profile');
  fs.mkdirSync(dir, { recursive: true });
  const profile = (v) => {
    const p = path.join(dir, `${v.replace(/\W/g, '_')}.json5`);
    fs.writeFileSync(p, `{ app: { products: [{ name: 'default', compatibleSdkVersion: '${v}' }] } }`);
    return p;
  };
  assert.equal(compatibleApiLevel(profile('5.0.5(17)')), 17);
  assert.equal(compatibleApiLevel(profile('6.0.0(20)')), 20);
  assert.throws(() => compatibleApiLevel(profile('5.0.5')), /compatibleSdkVersion "5\.0\.5" is not/);
});
