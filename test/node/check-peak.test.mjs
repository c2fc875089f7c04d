// tools/bench/check-peak.mjs's expected ISAs from /proc/cpuinfo flags, on flag lines of real CPUs: the check that
// npulens_peak measured the best ISA each CPU has must name it, or the peak test fails on such a CPU (it once
// expected AVX-VNNI on a Zen 5 with AVX-512 VNNI, reading a flag name /proc/cpuinfo does not use).
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers.mjs';

const { expectedIsas, peakProblems } = await import(
  pathToFileURL(path.join(repoRoot, 'tools', 'bench', 'check-peak.mjs')).href
);
const flags = (line) => new Set(line.split(' '));

describe('check-peak: the best ISA of each kind from /proc/cpuinfo flags', () => {
  it('AMD Zen 5 (AVX-512F, avx512_vnni, avx_vnni): AVX-512F and AVX-512 VNNI', () => {
    const zen5 = 'fpu sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl ' +
      'avx_vnni avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq';
    assert.deepEqual(expectedIsas(flags(zen5)), { fp32: 'AVX-512F', int8: 'AVX-512 VNNI' });
  });
  it('Intel Alder Lake (avx_vnni, no AVX-512): AVX2+FMA and AVX-VNNI', () => {
    assert.deepEqual(expectedIsas(flags('sse2 ssse3 fma avx avx2 bmi2 avx_vnni')), { fp32: 'AVX2+FMA', int8: 'AVX-VNNI' });
  });
  it('AMD Zen 3 (AVX2+FMA only): AVX2+FMA and AVX2', () => {
    assert.deepEqual(expectedIsas(flags('sse2 ssse3 fma avx avx2 bmi2 sha_ni')), { fp32: 'AVX2+FMA', int8: 'AVX2' });
  });
  it('Skylake-SP (AVX-512F and BW, no VNNI): AVX-512F and AVX2', () => {
    assert.deepEqual(expectedIsas(flags('fma avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl')),
      { fp32: 'AVX-512F', int8: 'AVX2' });
  });
  it('no AVX: portable for both', () => {
    assert.deepEqual(expectedIsas(flags('fpu sse sse2 ssse3')), { fp32: 'portable', int8: 'portable' });
  });
});

// A real npulens_peak report from an AMD EPYC Zen 4 guest (2026-12-01): a zmm FMA there is two 256-bit halves, so the
// AVX-512F and AVX2+FMA kernels both ran at 16 MACs a cycle and the fastest run made AVX2+FMA the fp32 peak.
const zen4Flags = flags('fpu sse2 ssse3 fma avx f16c avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl ' +
  'avx512_bf16 avx512vbmi avx512_vbmi2 gfni avx512_vnni avx512_bitalg avx512_vpopcntdq');
const zen4Report = () => JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'node', 'fixtures', 'peak-zen4.json'), 'utf8'));

describe('check-peak: a report against the CPU it ran on', () => {
  it('Zen 4: AVX2+FMA as the fp32 peak, with the AVX-512F kernel measured beside it, matches', () => {
    const doc = zen4Report();
    assert.equal(doc.peak.fp32.isa, 'AVX2+FMA');
    assert.deepEqual(peakProblems(doc, zen4Flags), []);
  });
  it('BAD CALL - the AVX-512F kernel missing on a CPU that has AVX-512F is a problem naming it', () => {
    const doc = zen4Report();
    doc.kernels = doc.kernels.filter((k) => k.isa !== 'AVX-512F');
    assert.deepEqual(peakProblems(doc, zen4Flags), [
      "no fp32-fma kernel of AVX-512F, this CPU's best (/proc/cpuinfo flags); measured: AVX2+FMA, portable",
    ]);
  });
  it('BAD CALL - a peak in an ISA the CPU does not have is a problem naming it', () => {
    const doc = zen4Report();
    const vnni = doc.kernels.find((k) => k.name === 'int8-avx512vnni');
    vnni.isa = 'AVX-VNNI';
    doc.peak.int8.isa = 'AVX-VNNI';
    assert.deepEqual(peakProblems(doc, zen4Flags), [
      "no int8-dot kernel of AVX-512 VNNI, this CPU's best (/proc/cpuinfo flags); measured: AVX-VNNI, AVX2, AVX2, portable",
      'peak.int8.isa is AVX-VNNI, which this CPU does not have (/proc/cpuinfo flags)',
    ]);
  });
});
