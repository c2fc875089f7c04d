#!/usr/bin/env node
// Parses (json5) and validates every HarmonyOS project config file and the cross-references between them.
// Usage: node tools/arkts/check-config.mjs [project-root]. Exit 1 when any check fails.
import path from 'node:path';
import { REPO } from './lib/program.mjs';
import { validateProject } from './lib/project.mjs';

const root = path.resolve(process.argv[2] ?? REPO);
const results = validateProject(root);
let failed = 0;
for (const r of results) {
  if (r.errors.length > 0) {
    failed++;
    for (const e of r.errors) console.log(`FAIL ${e}`);
  }
}
console.log(`config: ${results.length} checks, ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
