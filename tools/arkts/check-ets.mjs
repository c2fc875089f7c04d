#!/usr/bin/env node
// ArkTS check of every .ets in the HAP sources: ohos-typescript type check (ETS syntax, our SDK declarations)
// and the bundled ArkTS 1.1 linter. Usage: node tools/arkts/check-ets.mjs [dir-or-file ...] (default: entry/src).
// Exit 1 when either reports an error.
import fs from 'node:fs';
import path from 'node:path';
import { findEtsFiles, lint, REPO, typeCheck } from './lib/program.mjs';

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

const ln = lint(files, fs.realpathSync(scope));
for (const m of ln.messages) console.log(m);
console.log(`arkts linter: ${files.length} .ets files, ${ln.messages.length} errors`);

process.exit(tc.messages.length + ln.messages.length > 0 ? 1 : 0);
