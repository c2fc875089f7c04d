#!/usr/bin/env node
// Checks npulens_bench --profile RUNS --json - on stdin: the report matches the schema (check-report.mjs), its
// profile names every op once, each timed over RUNS runs, and has CONVS convolutions, each with its MAC count.
// Usage: npulens_bench ... --profile RUNS --json - | node tools/bench/check-profile.mjs RUNS CONVS
// Exit 0 printing the op count, 1 naming each problem.
import fs from 'node:fs';
import { reportProblems } from './check-report.mjs';

const [runs, convs] = process.argv.slice(2).map(Number);
const doc = JSON.parse(fs.readFileSync(0, 'utf8'));
const problems = reportProblems(doc);
const ops = Array.isArray(doc.profile) ? doc.profile : [];
if (ops.length === 0) problems.push('no profile');
const labels = ops.map((o) => o.op);
for (const [i, label] of labels.entries()) if (labels.indexOf(label) !== i) problems.push(`${label} twice`);
for (const o of ops) {  // a sub-µs op (a Flatten) rounds to 0 ms
  if (o.runs !== runs) problems.push(`${o.op}: ${o.runs} runs, not ${runs}`);
  if (!(o.minMs >= 0) || !(o.meanMs >= o.minMs)) problems.push(`${o.op}: times ${o.minMs} / ${o.meanMs} ms`);
}
const convOps = ops.filter((o) => o.op.startsWith('Conv '));
if (convOps.length !== convs) problems.push(`${convOps.length} convolutions, not ${convs}`);
for (const o of convOps) {  // each convolution is timed, with its MAC count
  if (!(o.minMs > 0 && o.macs > 0 && o.gmacPerSec > 0)) problems.push(`${o.op}: ${o.minMs} ms, ${o.macs} MACs`);
}
for (const p of problems) process.stderr.write(`${p}\n`);
if (problems.length === 0) process.stdout.write(`profile of ${ops.length} ops, ${convOps.length} convolutions\n`);
process.exit(problems.length === 0 ? 0 : 1);
