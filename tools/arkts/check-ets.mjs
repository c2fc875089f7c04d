#!/usr/bin/env node
// ArkTS check of every .ets in the HAP sources: ohos-typescript type check (ETS syntax, our SDK declarations),
// the API-level guard check (APIs newer than compatibleSdkVersion only under a deviceInfo version guard) and the
// bundled ArkTS 1.1 linter. Usage: node tools/arkts/check-ets.mjs [dir-or-file ...] (default: entry/src).
// Exit 1 when any reports an error.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { apiLevelCheck, parseVersion } from './lib/api-level.mjs';
import { findEtsFiles, lint, REPO, typeCheck } from './lib/program.mjs';

const require = createRequire(import.meta.url);
const JSON5 = require('json5');

const args = process.argv.slice(2);
const targets = (args.length > 0 ? args : [path.join(REPO, 'entry', 'src')]).map((a) => path.resolve(a));
const files = targets.flatMap((t) => (fs.statSync(t).isDirectory() ? findEtsFiles(t) : [t]));
if (files.length === 0) {
  console.error('check-ets: no .ets files found');
  process.exit(1);
}
const scope = targets.length === 1 && fs.statSync(targets[0]).isDirectory() ? targets[0] : REPO;

const tc = typeCheck(files);
for (const m of tc.messages) console.log(m);
console.log(`type check: ${files.length} .ets files, ${tc.messages.length} errors`);

const profile = JSON5.parse(fs.readFileSync(path.join(REPO, 'build-profile.json5'), 'utf8'));
const compatible = parseVersion(profile.app.products[0].compatibleSdkVersion);
const api = apiLevelCheck(tc.program, files, compatible);
for (const m of api) console.log(path.relative(REPO, m.slice(0, m.indexOf('('))) + m.slice(m.indexOf('(')));
console.log(`api level: ${files.length} .ets files, ${api.length} unguarded uses above ${compatible.text}`);

const ln = lint(files, fs.realpathSync(scope));
for (const m of ln.messages) console.log(m);
console.log(`arkts linter: ${files.length} .ets files, ${ln.messages.length} errors`);

process.exit(tc.messages.length + api.length + ln.messages.length > 0 ? 1 : 0);
