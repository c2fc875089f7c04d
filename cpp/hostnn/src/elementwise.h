// fp32 elementwise kernels for the activation patterns of MobileNetV3 and EfficientNet, one pass each where the
// XNNPACK subgraph takes two or three: x * HardSigmoid(x) (HardSwish as ONNX exporters write it), x * Sigmoid(x)
// (SiLU), the squeeze-excite scale x[n, :, :, c] * gate[n, c] (optionally with the gate's HardSigmoid/Sigmoid applied
// per channel), BatchNormalization's per-channel affine (DenseNet's pre-activation BN + Relu) and GlobalAveragePool
// over NHWC.
// Numerics: the gated products compute XNNPACK's float operations in its order (HardSigmoid: the multiply by alpha,
// the add of beta clamped to [0, 1]; Sigmoid: the rr1_p5_div algorithm of XNNPACK's AVX2 kernel, the one it runs on
// an AVX2 CPU without AVX-512; then the product clamped as the Mul node's output range), so the results are the bits
// of the unfused XNNPACK path on such a CPU (with AVX-512F, XNNPACK's own Sigmoid differs from them in the last bits);
// the portable variant computes the same operations with std::fma. This
// file is compiled with -ffp-contract=off so the compiler adds no fused multiply-add of its own.
// The per-channel affine multiplies, then adds, rounding each as XNNPACK's multiply and add nodes (and onnxruntime's
// BatchNormalization kernel) do: the bits of those two nodes.
// GlobalAveragePool sums in another order than XNNPACK (relative difference within pixels * 2^-24).
// Variants: AVX-512F (SelfGated only: the AVX2 operations on 16 lanes, the same bits), AVX2+FMA (the others also
// under AVX-512: F32IsaCappedAtAvx2) and portable (F32Isa, conv_f32.h). Each call splits large
// tensors over the pool in one pthreadpool call. Tests: ops_fp32_test.cpp (Elementwise*,
// GlobalAveragePoolRunsInOurKernel).
#pragma once

#include <pthreadpool.h>

#include <cstddef>

#include "conv_f32.h"  // F32Isa

namespace hostnn {
namespace elementwise {

// f(v) of a gated product: HardSigmoid max(0, min(1, alpha * v + beta)) or Sigmoid 1 / (1 + exp(-v)).
struct Gate {
  enum class Kind { kHardSigmoid, kSigmoid } kind = Kind::kSigmoid;
  float alpha = 0.2f, beta = 0.5f;  // HardSigmoid only
};

// Whether SelfGated with f in this variant is at least as fast as XNNPACK's nodes for it: the portable Sigmoid needs a
// hardware fused multiply-add (aarch64: FP_FAST_FMAF), elsewhere each std::fma is a library call (x86-64 without
// AVX2+FMA, or NPULENS_HOSTNN_ISA=scalar: 1.6x XNNPACK's time for EfficientNet-B0's SiLUs).
bool SelfGatedFast(const Gate& f, F32Isa isa);

// y[i] = clamp(x[i] * f(x[i]), lo, hi) for n elements (x and y may be the same buffer).
void SelfGated(const Gate& f, const float* x, float* y, size_t n, float lo, float hi, F32Isa isa, pthreadpool_t pool);

// Squeeze-excite: x is [images][pixels][channels] (NHWC), gate [images or 1][channels];
// y = clamp(x * f(gate), lo, hi) per channel, or x * gate when f is null. scratch: images * channels floats (f(gate)).
void ChannelScale(const float* x, const float* gate, bool gatePerImage, const Gate* f, float* scratch, float* y,
                  size_t images, size_t pixels, size_t channels, float lo, float hi, F32Isa isa, pthreadpool_t pool);

// BatchNormalization: x is [rows][channels] (NHWC pixels, or (N, C)); y = clamp(x * a[c] + b[c], lo, hi) in one pass
// (x and y may be the same buffer).
void ChannelAffine(const float* x, const float* a, const float* b, float* y, size_t rows, size_t channels, float lo,
                   float hi, F32Isa isa, pthreadpool_t pool);

// GlobalAveragePool of NHWC x [images][pixels][channels] into y [images][channels], clamped to [lo, hi].
void GlobalAveragePool(const float* x, float* y, size_t images, size_t pixels, size_t channels, float lo, float hi,
                       F32Isa isa, pthreadpool_t pool);

}  // namespace elementwise
}  // namespace hostnn
