// The config validation must catch broken references: copy the project's config/resources into a temp dir,
// check the copy is clean, then break one thing at a time and assert the specific error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../lib/program.mjs';
import { validateProject } from '../lib/project.mjs';

const COPY = ['AppScope', 'build-profile.json5', 'hvigorfile.ts', 'hvigor', 'oh-package.json5', 'code-linter.json5',
  'entry'];

function copyProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'arkts-config-'));
  for (const item of COPY) {
    fs.cpSync(path.join(REPO, item), path.join(root, item), {
      recursive: true,
      // Models, samples and native sources are not configuration: leave them out (keep the type package).
      filter: (src) => !src.includes(`${path.sep}rawfile`)
        && !(src.includes(`${path.sep}cpp${path.sep}`) && !src.includes(`${path.sep}types`)),
    });
  }
  // The device CMakeLists belongs to the native side; the copy only needs the file to exist.
  fs.mkdirSync(path.join(root, 'entry/src/main/cpp'), { recursive: true });
  fs.writeFileSync(path.join(root, 'entry/src/main/cpp/CMakeLists.txt'), '# placeholder\n');
  return root;
}

const errorsOf = (root) => validateProject(root).flatMap((r) => r.errors);

function edit(root, rel, change) {
  const p = path.join(root, rel);
  fs.writeFileSync(p, change(fs.readFileSync(p, 'utf8')));
}

function withCopy(fn) {
  const root = copyProject();
  try {
    fn(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('the copied project is clean', () => withCopy((root) => {
  assert.deepEqual(errorsOf(root), []);
}));

test('a string missing in zh_CN is reported', () => withCopy((root) => {
  edit(root, 'entry/src/main/resources/zh_CN/element/string.json', (t) => {
    const doc = JSON.parse(t);
    doc.string = doc.string.filter((s) => s.name !== 'tab_agent');
    return JSON.stringify(doc);
  });
  assert.deepEqual(errorsOf(root), ['entry/src/main/resources/zh_CN: string "tab_agent" missing']);
}));

test('placeholders must agree across locales', () => withCopy((root) => {
  edit(root, 'entry/src/main/resources/en_US/element/string.json', (t) => t.replace('compile %s ms', 'compile ms'));
  assert.deepEqual(errorsOf(root), ['entry/src/main/resources/en_US: string "compile_ms" placeholders differ from base']);
}));

test('a page in main_pages.json without its .ets is reported', () => withCopy((root) => {
  edit(root, 'entry/src/main/resources/base/profile/main_pages.json', () => '{"src": ["pages/Index", "pages/Nope"]}');
  assert.deepEqual(errorsOf(root), ['main_pages.json: page pages/Nope has no ets/pages/Nope.ets']);
}));

test('a wrong ability srcEntry and a missing media resource are reported', () => withCopy((root) => {
  edit(root, 'entry/src/main/module.json5', (t) => t.replace('./ets/entryability/EntryAbility.ets', './ets/entryability/Gone.ets')
    .replace('"$media:startIcon"', '"$media:noSuchIcon"'));
  assert.deepEqual(errorsOf(root).sort(), [
    'entry/src/main/module.json5.module.abilities[0].startWindowIcon: $media:noSuchIcon not found in resources/base',
    'entry/src/main/module.json5: ability EntryAbility: srcEntry ./ets/entryability/Gone.ets missing',
  ]);
}));

test('schema errors name the field', () => withCopy((root) => {
  edit(root, 'build-profile.json5', (t) => t.replace('"compatibleSdkVersion": "5.0.5(17)"', '"compatibleSdkVersion": "17"'));
  edit(root, 'entry/src/main/module.json5', (t) => t.replace('"deviceTypes": ["phone", "tablet"]', '"deviceTypes": ["phone", "fridge"]'));
  assert.deepEqual(errorsOf(root).sort(), [
    'build-profile.json5.app.products[0].compatibleSdkVersion: "17" does not match ^\\d+\\.\\d+\\.\\d+\\(\\d+\\)$',
    'entry/src/main/module.json5.module.deviceTypes[1]: "fridge" is not one of phone, tablet, 2in1, tv, wearable, car, default',
  ]);
}));

test('JSON5 syntax errors are reported with the file', () => withCopy((root) => {
  edit(root, 'AppScope/app.json5', (t) => t.replace('"vendor": "npulens",', '"vendor": "npulens"'));
  const errors = errorsOf(root);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^AppScope\/app\.json5: JSON5: invalid character/);
}));

test('dark colours must exist in base and $r() names must exist', () => withCopy((root) => {
  edit(root, 'entry/src/main/resources/dark/element/color.json', (t) => t.replace('"accent"', '"accent_dark_only"'));
  let line = 0;
  edit(root, 'entry/src/main/ets/pages/Index.ets', (t) => {
    line = t.split('\n').findIndex((l) => l.includes("$r('app.string.tab_agent')")) + 1;
    return t.replace("$r('app.string.tab_agent')", "$r('app.string.tab_nope')");
  });
  assert.ok(line > 0);
  assert.deepEqual(errorsOf(root).sort(), [
    `entry/src/main/ets/pages/Index.ets:${line}: $r('app.string.tab_nope') not in resources/base`,
    'entry/src/main/resources/dark: color "accent_dark_only" is not in base',
  ]);
}));

test('the native type package must match its dependency name', () => withCopy((root) => {
  edit(root, 'entry/oh-package.json5', (t) => t.replace('"libentry.so": "file:./src/main/cpp/types/libentry"',
    '"libother.so": "file:./src/main/cpp/types/libentry"'));
  assert.deepEqual(errorsOf(root), ['entry/oh-package.json5: libother.so: package name is libentry.so']);
}));
