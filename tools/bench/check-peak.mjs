#!/usr/bin/env node
// Checks an npulens_peak --json report: it matches tools/bench/peak-report.schema.json (npulens-peak/1; every figure
// a positive number, so a NaN or infinity, which JSON writes as null, fails), the peak of each kind is its fastest
// kernel, and for a report of an x86-64 build checked on x86-64 Linux (the machine it ran on) the ISAs match the
// CPU's flags in /proc/cpuinfo (the kernel's CPUID view, read independently of the tool's own dispatch): the best
// ISA the CPU has for each kind was measured, and the peak is an ISA the CPU has. The widest ISA need not be the
// peak: on AMD Zen 4 a zmm FMA is two 256-bit halves, so AVX-512F and AVX2+FMA both reach 16 MACs a cycle and the
// fastest run picks either.
// Usage: node tools/bench/check-peak.mjs [report.json]   (no file: the report on stdin)
// Exit 0 when it matches, 1 with one line per problem otherwise.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The best ISA of each kind a CPU with these /proc/cpuinfo flags has: npulens_peak must measure it. */
export function expectedIsas(flags) {
  const has = (f) => flags.has(f);
  const fp32 = has('avx512f') ? 'AVX-512F' : has('avx2') && has('fma') ? 'AVX2+FMA' : 'portable';
  // /proc/cpuinfo spells AVX-512 VNNI `avx512_vnni` (and AVX-VNNI `avx_vnni`).
  const int8 = has('avx512_vnni') && has('avx512bw') && has('avx512f')
    ? 'AVX-512 VNNI'
    : has('avx_vnni') ? 'AVX-VNNI' : has('avx2') ? 'AVX2' : 'portable';
  return { fp32, int8 };
}

/** Whether a CPU with these /proc/cpuinfo flags has `isa` (an npulens_peak kernel's ISA name). */
export function cpuHas(flags, isa) {
  const has = (...f) => f.every((x) => flags.has(x));
  switch (isa) {
    case 'portable': return true;
    case 'AVX2+FMA': return has('avx2', 'fma');
    case 'AVX2': return has('avx2');
    case 'AVX-512F': return has('avx512f');
    case 'AVX-512 VNNI': return has('avx512f', 'avx512bw', 'avx512_vnni');
    case 'AVX-VNNI': return has('avx_vnni');
    default: return false;
  }
}

/** The report's problems ([] when it is right), with `flags` this CPU's /proc/cpuinfo flags (null: not checked). */
export function peakProblems(doc, flags) {
  const Ajv = require('ajv');
  const schema = JSON.parse(fs.readFileSync(path.join(here, 'peak-report.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (!validate(doc)) {
    return validate.errors.map((e) => `${e.dataPath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
  const problems = [];
  for (const [key, kind] of [['fp32', 'fp32-fma'], ['int8', 'int8-dot']]) {
    const kernels = doc.kernels.filter((k) => k.kind === kind);
    if (kernels.length === 0) {
      problems.push(`no ${kind} kernel`);
      continue;
    }
    // The fastest kernel (of a tie, any of them: their figures are equal to the printed precision).
    const top = Math.max(...kernels.map((k) => k.gmacPerSec));
    const named = kernels.find((k) => k.name === doc.peak[key].kernel);
    if (!named || named.gmacPerSec !== top || doc.peak[key].gmacPerSec !== top) {
      const best = kernels.filter((k) => k.gmacPerSec === top).map((k) => k.name).join(' or ');
      problems.push(`peak.${key} is ${doc.peak[key].kernel}, the fastest ${kind} kernel is ${best}`);
    }
    if (!kernels.some((k) => k.isa === 'portable')) problems.push(`no portable ${kind} kernel`);
  }
  if (flags && doc.device.productModel === 'x86_64') {
    const want = expectedIsas(flags);
    for (const [key, kind] of [['fp32', 'fp32-fma'], ['int8', 'int8-dot']]) {
      const measured = doc.kernels.filter((k) => k.kind === kind).map((k) => k.isa);
      if (!measured.includes(want[key])) {
        problems.push(`no ${kind} kernel of ${want[key]}, this CPU's best (/proc/cpuinfo flags); measured: ${measured.join(', ')}`);
      }
      if (!cpuHas(flags, doc.peak[key].isa)) {
        problems.push(`peak.${key}.isa is ${doc.peak[key].isa}, which this CPU does not have (/proc/cpuinfo flags)`);
      }
    }
    if (doc.clockGhz === null) problems.push('clockGhz is null on x86-64, where the clock is measured');
  }
  return problems;
}

/** The flags of the first CPU in /proc/cpuinfo on x86-64 Linux, else null. */
function cpuFlags() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
  return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const name = file ?? '(stdin)';
  let problems;
  let cpuChecked = false;
  try {
    const doc = JSON.parse(fs.readFileSync(file ?? 0, 'utf8'));
    const flags = cpuFlags();
    cpuChecked = flags !== null && doc?.device?.productModel === 'x86_64';
    problems = peakProblems(doc, flags);
  } catch (err) {
    problems = [`not JSON (${err.message})`];
  }
  for (const p of problems) process.stderr.write(`${name}: ${p}\n`);
  if (problems.length === 0) {
    process.stdout.write(`${name} matches npulens-peak/1${cpuChecked ? " and this CPU's flags" : ''}\n`);
  }
  process.exit(problems.length === 0 ? 0 : 1);
}
