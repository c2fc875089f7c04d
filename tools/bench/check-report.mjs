#!/usr/bin/env node
// Checks benchmark reports against tools/bench/benchmark-report.schema.json (npulens-benchmark/2), the format
// `npulens bench --json`, npulens_bench --json and the app's export write.
// Usage: node tools/bench/check-report.mjs [report.json ...]   (no file: the report on stdin)
// Exit 0 when every report matches, 1 naming the file and each mismatch (JSON pointer and message) otherwise.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The schema's mismatches for `doc` ([] when it matches): `<pointer> <message>` lines. */
export function reportProblems(doc) {
  const Ajv = require('ajv');
  const schema = JSON.parse(fs.readFileSync(path.join(here, 'benchmark-report.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (validate(doc)) return [];
  return validate.errors.map((e) => `${e.dataPath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function check(text, name) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return [`${name}: not JSON (${err.message})`];
  }
  return reportProblems(doc).map((p) => `${name}: ${p}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  const problems = files.length === 0
    ? check(fs.readFileSync(0, 'utf8'), '(stdin)')
    : files.flatMap((f) => check(fs.readFileSync(f, 'utf8'), f));
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length === 0) process.stdout.write(`${files.length || 1} report(s) match npulens-benchmark/2\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}
