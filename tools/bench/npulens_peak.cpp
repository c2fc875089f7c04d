// npulens_peak: the measured compute peak of one core, so a model's GMAC/s can be given as a share of what the CPU
// can do. Register-resident micro-kernels (no memory traffic: enough independent accumulators to hide the
// instruction's latency, so only its throughput counts) for the fp32 FMA and the int8 dot product, each ISA variant
// this CPU has (runtime dispatch by CPUID; a portable C++ fallback everywhere), timed by the one benchmark runner
// (core/benchmark_runner.h) on the calling thread. The core clock is measured with a chain of dependent integer adds
// (one cycle each on every x86-64 core), so each figure is also given in MAC per cycle, the number the ISA's
// theoretical peak is stated in (cpp/hostnn/README.md, "Compute peak"). A benchmark: it asserts nothing about speed.
//
//   npulens_peak [--iterations N] [--warmup N] [--json FILE|-]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_cli.h"
#include "core/benchmark_runner.h"
#include "core/limits.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace npulens {
namespace {

constexpr char kUsage[] =
    "usage: npulens_peak [--iterations N] [--warmup N] [--json FILE|-]\n"
    "  --iterations  timed runs per kernel (default 50); each run is about 2 ms of one instruction stream\n"
    "  --warmup      untimed runs per kernel after the first (default 5)\n";

constexpr ToolUsage kTool{"npulens_peak", kUsage};

// One run of a kernel should take about this long: long enough that the timer's resolution does not matter, short
// enough that a timer interrupt rarely lands in it. A kernel's GMAC/s comes from its fastest run: an interruption or
// another process sharing the core only ever makes a run slower (with two busy neighbours on 2 vCPUs, the AVX-512
// FMA kernel's p50 of 5 runs fell below the AVX2 kernel's in 2 of 3 runs of the tool).
constexpr double kRunTargetMs = 2;

struct Options {
  BenchmarkParams params;
  std::string json;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  o.params.iterations = 50;
  o.params.warmupRuns = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = FlagValue(kTool, argc, argv, &i);
    if (a == "--iterations") {
      o.params.iterations = static_cast<int64_t>(NumberArg(kTool, a, v, 1, kBenchmarkIterationsMax, true));
    } else if (a == "--warmup") {
      o.params.warmupRuns = static_cast<int64_t>(NumberArg(kTool, a, v, 0, kBenchmarkWarmupMax, true));
    } else if (a == "--json") {
      o.json = v;
    } else {
      UsageError(kTool, "unknown option '" + a + "'");
    }
  }
  return o;
}

// A micro-kernel: `loops` iterations of its unrolled body, each `macPerLoop` multiply-accumulates. Returns a value
// of its result, which the caller keeps, so the compiler cannot drop the work of the C++ kernels.
struct Kernel {
  const char* name;
  const char* kind;         // "fp32-fma" | "int8-dot"
  const char* isa;          // the ISA the kernel needs, as the report names it
  const char* instruction;  // what the body repeats
  int macPerInstruction;    // per instruction (sequence) of `instruction`
  int accumulators;         // independent dependency chains
  bool (*supported)();
  int64_t (*run)(int64_t loops);
  int64_t macPerLoop;
};

bool Always() { return true; }

// Portable C++: what the compiler makes of plain multiply-adds for the target's baseline ISA.
int64_t Fp32Portable(int64_t loops) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  volatile float mv = 0.999F;
  volatile float av = 0.001F;
  const float m = mv;
  const float a = av;
  for (int64_t i = 0; i < loops; ++i) {
    for (float& x : acc) x = x * m + a;
  }
  float sum = 0;
  for (float x : acc) sum += x;
  return static_cast<int64_t>(sum);
}

int64_t Int8Portable(int64_t loops) {
  int8_t x[64];
  int8_t w[64];
  for (int k = 0; k < 64; ++k) {
    x[k] = static_cast<int8_t>(k - 32);
    w[k] = static_cast<int8_t>(7 - k % 15);
  }
  int32_t acc = 0;
  for (int64_t i = 0; i < loops; ++i) {
    for (int k = 0; k < 64; ++k) acc += static_cast<int32_t>(x[k]) * w[k];
    asm volatile("" : : "r"(x), "r"(w) : "memory");  // x and w may have changed: the sum is computed again
  }
  return acc;
}

#if defined(__x86_64__)

bool HasAvx2Fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool HasAvx512F() { return __builtin_cpu_supports("avx512f"); }
bool HasAvx2() { return __builtin_cpu_supports("avx2"); }
bool HasAvx512Vnni() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}
// CPUID leaf 7 sub-leaf 1, EAX bit 4 (not every compiler's __builtin_cpu_supports knows "avxvnni"); the OS's support
// for the ymm registers is the one AVX2 needs.
bool HasAvxVnni() {
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  return HasAvx2() && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 && (eax & (1U << 4)) != 0;
}

// The SIMD kernels are written in assembly, so the instruction stream is exactly the one named (a compiler may
// merge identical products, hoist them out of the loop, or add register moves and spills). Each is one loop over a
// GNU assembler `.irp` block, one instruction (sequence) per accumulator; the accumulators start at zero. Register
// renaming lets one temporary serve every accumulator without false dependencies.
constexpr int32_t kX = 0x03030303;  // the int8 operands: 3 and -2 in every byte (no saturation in vpmaddubsw)
constexpr int32_t kW = static_cast<int32_t>(0xFEFEFEFEu);
constexpr float kM = 0.999F;  // acc = acc + m * a stays finite and normal for any number of runs
constexpr float kA = 0.001F;

#define NPULENS_YMM_CLOBBERS                                                                                          \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", \
      "xmm14", "xmm15", "cc"
#define NPULENS_ZMM_CLOBBERS                                                                                      \
  NPULENS_YMM_CLOBBERS, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", \
      "xmm26", "xmm27"

// fp32 AVX2 + FMA: 12 chains of vfmadd231ps ymm (8 MAC each): an FMA's latency (4-5 cycles) times 2 FMA ports, with
// some to spare.
__attribute__((target("avx2,fma"))) int64_t Fp32Avx2(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n\tvpxor %%ymm\\r, %%ymm\\r, %%ymm\\r\n\t.endr\n\t"
      "vbroadcastss %[m], %%ymm12\n\tvbroadcastss %[a], %%ymm13\n"
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n\tvfmadd231ps %%ymm13, %%ymm12, %%ymm\\r\n\t.endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [m] "m"(kM), [a] "m"(kA)
      : NPULENS_YMM_CLOBBERS);
  return out;
}

// fp32 AVX-512F: 24 chains of vfmadd231ps zmm (16 MAC each).
__attribute__((target("avx512f"))) int64_t Fp32Avx512(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\n\t"
      "vpxord %%zmm\\r, %%zmm\\r, %%zmm\\r\n\t.endr\n\t"
      "vbroadcastss %[m], %%zmm24\n\tvbroadcastss %[a], %%zmm25\n"
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\n\t"
      "vfmadd231ps %%zmm25, %%zmm24, %%zmm\\r\n\t.endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [m] "m"(kM), [a] "m"(kA)
      : NPULENS_ZMM_CLOBBERS);
  return out;
}

// int8 AVX2 without VNNI, as MLAS and XNNPACK do it: u8 × s8 products summed in pairs to s16 (vpmaddubsw), pairs of
// those to s32 (vpmaddwd with ones), added to the accumulator (vpaddd). 32 MAC per sequence of three; 8 chains.
__attribute__((target("avx2"))) int64_t Int8Avx2Maddubs(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7\n\tvpxor %%ymm\\r, %%ymm\\r, %%ymm\\r\n\t.endr\n\t"
      "vpbroadcastd %[x], %%ymm8\n\tvpbroadcastd %[w], %%ymm9\n\t"
      "vpcmpeqw %%ymm10, %%ymm10, %%ymm10\n\tvpsrlw $15, %%ymm10, %%ymm10\n"  // 1 in every int16
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7\n\t"
      "vpmaddubsw %%ymm9, %%ymm8, %%ymm11\n\tvpmaddwd %%ymm10, %%ymm11, %%ymm11\n\tvpaddd %%ymm11, %%ymm\\r, "
      "%%ymm\\r\n\t"
      ".endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [x] "m"(kX), [w] "m"(kW)
      : NPULENS_YMM_CLOBBERS);
  return out;
}

// int8 widened to int16, as cpp/hostnn's AVX2 int8 convolution does it (qconv_int8.cpp): s16 pairs summed to s32
// (vpmaddwd), added to the accumulator (vpaddd). 16 MAC per pair of instructions; 8 chains.
__attribute__((target("avx2"))) int64_t Int16Avx2Maddwd(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7\n\tvpxor %%ymm\\r, %%ymm\\r, %%ymm\\r\n\t.endr\n\t"
      "vpbroadcastd %[x], %%ymm8\n\tvpbroadcastd %[w], %%ymm9\n"
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7\n\tvpmaddwd %%ymm9, %%ymm8, %%ymm10\n\tvpaddd %%ymm10, %%ymm\\r, %%ymm\\r\n\t.endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [x] "m"(kX), [w] "m"(kW)
      : NPULENS_YMM_CLOBBERS);
  return out;
}

// int8 AVX-512 VNNI: vpdpbusd zmm sums 64 u8 × s8 products in fours into 16 s32 accumulators; 24 chains.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) int64_t Int8Avx512Vnni(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\n\t"
      "vpxord %%zmm\\r, %%zmm\\r, %%zmm\\r\n\t.endr\n\t"
      "vpbroadcastd %[x], %%zmm24\n\tvpbroadcastd %[w], %%zmm25\n"
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\n\t"
      "vpdpbusd %%zmm25, %%zmm24, %%zmm\\r\n\t.endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [x] "m"(kX), [w] "m"(kW)
      : NPULENS_ZMM_CLOBBERS);
  return out;
}

// int8 AVX-VNNI (Alder Lake and later, Zen 5): the VEX-encoded vpdpbusd ymm, 32 MAC per instruction; 12 chains.
__attribute__((target("avx2,avxvnni"))) int64_t Int8AvxVnni(int64_t loops) {
  int32_t out = 0;
  asm volatile(
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n\tvpxor %%ymm\\r, %%ymm\\r, %%ymm\\r\n\t.endr\n\t"
      "vpbroadcastd %[x], %%ymm12\n\tvpbroadcastd %[w], %%ymm13\n"
      "1:\n\t"
      ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n\t%{vex%} vpdpbusd %%ymm13, %%ymm12, %%ymm\\r\n\t.endr\n\t"
      "dec %[loops]\n\tjnz 1b\n\tvmovd %%xmm0, %[out]"
      : [loops] "+r"(loops), [out] "=r"(out)
      : [x] "m"(kX), [w] "m"(kW)
      : NPULENS_YMM_CLOBBERS);
  return out;
}

// The core clock: 64 dependent adds per loop, one cycle each (the loop's own counter runs beside them).
int64_t AddChain(int64_t loops) {
  uint64_t x = 0;
  for (int64_t i = 0; i < loops; ++i) asm volatile(".rept 64\n\taddq $1, %0\n\t.endr" : "+r"(x));
  return static_cast<int64_t>(x);
}
constexpr int64_t kCyclesPerAddLoop = 64;

#endif  // __x86_64__

const std::vector<Kernel>& Kernels() {
  static const std::vector<Kernel> kernels = {
#if defined(__x86_64__)
    {"fp32-avx512", "fp32-fma", "AVX-512F", "vfmadd231ps zmm", 16, 24, HasAvx512F, Fp32Avx512, 24 * 16},
    {"fp32-avx2", "fp32-fma", "AVX2+FMA", "vfmadd231ps ymm", 8, 12, HasAvx2Fma, Fp32Avx2, 12 * 8},
#endif
    {"fp32-portable", "fp32-fma", "portable", "x * m + a (compiler's code)", 1, 8, Always, Fp32Portable, 8},
#if defined(__x86_64__)
    {"int8-avx512vnni", "int8-dot", "AVX-512 VNNI", "vpdpbusd zmm", 64, 24, HasAvx512Vnni, Int8Avx512Vnni, 24 * 64},
    {"int8-avxvnni", "int8-dot", "AVX-VNNI", "vpdpbusd ymm", 32, 12, HasAvxVnni, Int8AvxVnni, 12 * 32},
    {"int8-avx2", "int8-dot", "AVX2", "vpmaddubsw + vpmaddwd + vpaddd ymm", 32, 8, HasAvx2, Int8Avx2Maddubs, 8 * 32},
    {"int16-avx2", "int8-dot", "AVX2", "vpmaddwd + vpaddd ymm (int8 widened to int16)", 16, 8, HasAvx2, Int16Avx2Maddwd,
     8 * 16},
#endif
    {"int8-portable", "int8-dot", "portable", "acc += x * w (compiler's code)", 1, 1, Always, Int8Portable, 64},
  };
  return kernels;
}

// Sums what the kernels return, so their work is observable.
volatile int64_t gSink = 0;

// `loops` so that one run takes about kRunTargetMs: doubled until a run takes a quarter of it, each size timed
// three times and the fastest kept (a first call pays page faults and the clock ramping up).
int64_t CalibratedLoops(int64_t (*run)(int64_t)) {
  for (int64_t loops = 1024;; loops *= 2) {
    double ms = 1e300;
    for (int k = 0; k < 3; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      gSink = gSink + run(loops);
      ms = std::min(ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    if (ms >= kRunTargetMs / 4 || loops >= (int64_t{1} << 40)) {
      return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(loops) * kRunTargetMs / std::max(ms, 1e-6)));
    }
  }
}

// The runner over `run` with `loops`: each run's time in ms.
Result<BenchmarkResult> Time(int64_t (*run)(int64_t), int64_t loops, const BenchmarkParams& params) {
  return RunBenchmark(
      params,
      [run, loops]() -> Result<double> {
        const auto t0 = std::chrono::steady_clock::now();
        gSink = gSink + run(loops);
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      },
      nullptr);
}

struct Measured {
  const Kernel* kernel;
  int64_t macPerRun;
  BenchmarkResult result;
  double gmacPerSec;
};

// The CPU features the kernels dispatch on, as CPUID reports them (with the OS's support for their registers).
std::vector<std::string> CpuFeatures() {
  std::vector<std::string> features;
#if defined(__x86_64__)
  const std::pair<const char*, bool> all[] = {
      {"avx2", __builtin_cpu_supports("avx2") != 0},
      {"fma", __builtin_cpu_supports("fma") != 0},
      {"avx512f", __builtin_cpu_supports("avx512f") != 0},
      {"avx512bw", __builtin_cpu_supports("avx512bw") != 0},
      {"avx512vnni", __builtin_cpu_supports("avx512vnni") != 0},
      {"avxvnni", HasAvxVnni()},
  };
  for (const auto& [name, has] : all) {
    if (has) features.emplace_back(name);
  }
#endif
  return features;
}

// The best measured kernel of `kind`.
const Measured* Best(const std::vector<Measured>& measured, const std::string& kind) {
  const Measured* best = nullptr;
  for (const Measured& m : measured) {
    if (m.kernel->kind == kind && (best == nullptr || m.gmacPerSec > best->gmacPerSec)) best = &m;
  }
  return best;
}

nlohmann::json ReportJson(const Options& o, const std::string& started, double clockGhz,
                          const std::vector<Measured>& measured) {
  nlohmann::json doc;
  doc["format"] = "npulens-peak/1";
  doc["producer"] = "npulens_peak";
  doc["startedAt"] = started;
  doc["device"] = HostDeviceJson();
  doc["config"] = {{"iterations", o.params.iterations}, {"warmup", o.params.warmupRuns}, {"threads", 1}};
  doc["cpuFeatures"] = CpuFeatures();
  doc["clockGhz"] = clockGhz > 0 ? nlohmann::json(Round3(clockGhz)) : nlohmann::json(nullptr);
  nlohmann::json kernels = nlohmann::json::array();
  for (const Measured& m : measured) {
    const LatencyStats& l = m.result.latency;
    kernels.push_back(
        {{"name", m.kernel->name},
         {"kind", m.kernel->kind},
         {"isa", m.kernel->isa},
         {"instruction", m.kernel->instruction},
         {"macPerInstruction", m.kernel->macPerInstruction},
         {"accumulators", m.kernel->accumulators},
         {"macPerRun", m.macPerRun},
         {"iterations", m.result.samplesMs.size()},
         {"latencyMs", {{"min", Round3(l.minMs)}, {"p50", Round3(l.p50Ms)}, {"max", Round3(l.maxMs)}}},
         {"gmacPerSec", Round3(m.gmacPerSec)},
         {"macPerCycle", clockGhz > 0 ? nlohmann::json(Round3(m.gmacPerSec / clockGhz)) : nlohmann::json(nullptr)}});
  }
  doc["kernels"] = kernels;
  nlohmann::json peak = nlohmann::json::object();
  for (const char* kind : {"fp32-fma", "int8-dot"}) {
    const Measured* best = Best(measured, kind);
    peak[std::string(kind) == "fp32-fma" ? "fp32" : "int8"] = {
        {"kernel", best->kernel->name}, {"isa", best->kernel->isa}, {"gmacPerSec", Round3(best->gmacPerSec)}};
  }
  peak["fp32"]["gflopPerSec"] = Round3(2 * Best(measured, "fp32-fma")->gmacPerSec);
  doc["peak"] = peak;
  return doc;
}

void PrintTable(double clockGhz, const std::vector<Measured>& measured) {
  if (clockGhz > 0) {
    std::printf("core clock: %.2f GHz (the fastest run of a dependent add chain)\n", clockGhz);
  } else {
    std::printf("core clock: not measured (the add chain is written for x86-64 only)\n");
  }
  std::printf("%-16s %-9s %-13s %5s %8s %10s %9s  %s\n", "kernel", "kind", "ISA", "runs", "min ms", "GMAC/s",
              "MAC/cycle", "instruction");
  for (const Measured& m : measured) {
    char perCycle[16] = "-";
    if (clockGhz > 0) std::snprintf(perCycle, sizeof perCycle, "%.1f", m.gmacPerSec / clockGhz);
    std::printf("%-16s %-9s %-13s %5zu %8.3f %10.1f %9s  %s\n", m.kernel->name, m.kernel->kind, m.kernel->isa,
                m.result.samplesMs.size(), m.result.latency.minMs, m.gmacPerSec, perCycle, m.kernel->instruction);
  }
  const Measured* fp32 = Best(measured, "fp32-fma");
  const Measured* int8 = Best(measured, "int8-dot");
  std::printf("peak of one core: fp32 %.1f GMAC/s = %.1f GFLOP/s (%s), int8 %.1f GMAC/s (%s)\n", fp32->gmacPerSec,
              2 * fp32->gmacPerSec, fp32->kernel->name, int8->gmacPerSec, int8->kernel->name);
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  const std::string started = IsoNow();
  std::vector<Measured> measured;
  for (const Kernel& k : Kernels()) {
    if (!k.supported()) continue;
    const int64_t loops = CalibratedLoops(k.run);
    Result<BenchmarkResult> r = Time(k.run, loops, o.params);
    if (!r.ok()) {
      std::fprintf(stderr, "npulens_peak: %s: %s\n", k.name, r.status().ToString().c_str());
      return 1;
    }
    const int64_t macPerRun = loops * k.macPerLoop;
    const double gmacPerSec = static_cast<double>(macPerRun) / (r->latency.minMs * 1e6);
    measured.push_back({&k, macPerRun, std::move(r.value()), gmacPerSec});
  }
  // After the kernels, when the core has long left any idle clock; the fastest run, since an interruption or a
  // clock still ramping up only ever makes a run slower.
  double clockGhz = 0;
#if defined(__x86_64__)
  {
    const int64_t loops = CalibratedLoops(AddChain);
    Result<BenchmarkResult> r = Time(AddChain, loops, o.params);
    if (!r.ok()) {
      std::fprintf(stderr, "npulens_peak: clock: %s\n", r.status().ToString().c_str());
      return 1;
    }
    clockGhz = static_cast<double>(loops * kCyclesPerAddLoop) / (r->latency.minMs * 1e6);
  }
#endif
  const nlohmann::json doc = ReportJson(o, started, clockGhz, measured);
  if (o.json != "-") PrintTable(clockGhz, measured);
  return o.json.empty() ? 0 : WriteReport("npulens_peak", o.json, doc);
}

}  // namespace
}  // namespace npulens

int main(int argc, char** argv) { return npulens::Main(argc, argv); }
