// tools/bench/check-peak.mjs's expected ISAs from /proc/cpuinfo flags, on flag lines of real CPUs: the check that
// npulens_peak measured the best ISA each CPU has must name it, or the peak test fails on such a CPU (it once
// expected AVX-VNNI on a Zen 5 with AVX-512 VNNI, reading a flag name /proc/cpuinfo does not use).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers.mjs';

const { expectedIsas } = await import(pathToFileURL(path.join(repoRoot, 'tools', 'bench', 'check-peak.mjs')).href);
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
