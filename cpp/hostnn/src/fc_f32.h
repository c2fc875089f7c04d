// fp32 fully connected layer (Gemm/MatMul) over a few rows: y[rows][n] = clamp(x[rows][k] · wᵀ + bias). Why our own:
// at batch 1 a classifier is a matrix-vector product whose weights (a few MB) stream from L3 once per run, and
// Debian's 2022 XNNPACK fully connected node ran MobileNetV3-L's 960->1280 and 1280->1000 layers at 0.29/0.28 ms
// against onnxruntime's 0.20/0.20 (1 thread). Weights are packed at construction in blocks of 16 outputs,
// [n / 16][k][16] (the last block zero-padded), so a run reads them front to back as one stream; each weight vector is
// used with a broadcast input of every row. Variants, from the plan's F32Isa: AVX2+FMA (also under AVX-512; a register
// tile of 1 row x 4 blocks, 2 x 2 or 3-4 x 1: up to 8 accumulators for the FMA latency, and for one row 4 weight
// streams at once, which the memory system serves faster than one) and portable C++. Threads split the blocks of
// outputs. Tests: fc_f32_test.cpp, OpsFp32Test.GemmOfAFewRowsRunsInOurKernelWithTheReluFused.
#pragma once

#include <pthreadpool.h>

#include <cstdint>
#include <vector>

#include "conv_f32.h"  // F32Isa

namespace hostnn {

class FcF32 {
 public:
  // Rows the register tile takes at once; more rows run in groups of this many, each reading all the weights again
  // (ops/gemm.cpp runs larger batches in XNNPACK's GEMM).
  static constexpr int64_t kTileRows = 4;

  // w: [n][k] (output-major, as ONNX Gemm's B with transB = 1); bias: n floats or nullptr (zero); outMin <= outMax
  // (±infinity: no clamp).
  FcF32(int64_t k, int64_t n, const float* w, const float* bias, float outMin, float outMax, F32Isa isa);
  // x: [rows][k]; y: [rows][n]. Splits the blocks of outputs over the pool's threads; allocates nothing.
  void Run(const float* x, float* y, int64_t rows, pthreadpool_t pool) const;
  // Output blocks [blockBegin, blockEnd) of 16 outputs for every row.
  void RunBlocks(const float* x, float* y, int64_t rows, int64_t blockBegin, int64_t blockEnd) const;
  int64_t blocks() const { return blocks_; }

 private:
  int64_t k_, n_, blocks_;
  F32Isa isa_;
  std::vector<float> packed_;  // [blocks][k][16], outputs past n are zero
  std::vector<float> bias_;    // [blocks * 16]
  float lo_, hi_;
};

}  // namespace hostnn
