// Output post-processing: raw output tensor bytes → float scores (dequantize int8/uint8, widen float16)
// → probabilities (numerically stable softmax for logits; probabilities are used as is) → top-K.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/manifest.h"
#include "core/status.h"

namespace npulens {

struct TopKEntry {
  int rank = 0;      // 1-based
  size_t index = 0;  // class index
  float score = 0;   // probability (0..1) for logits models; the model's value for probability models
};

// Converts `count` elements of `dtype` at `src` (srcBytes must equal count × DTypeSize) into `dst`.
// int8/uint8 need quant: value = (q − zeroPoint) × scale. Errors: step "postprocess".
Status DequantizeToFloat(const void* src, size_t srcBytes, DType dtype, const QuantParams* quant, float* dst,
                         size_t count);

// In-place softmax, stable for huge logits (subtracts the max); NaN inputs produce NaN outputs.
void SoftmaxInPlace(float* values, size_t count);

// The k highest scores, best first; equal scores are ordered by lower index first; NaN ranks below everything.
// k must be in [1, count] (NPULENS_OUT_OF_RANGE otherwise, step "postprocess.topk").
Result<std::vector<TopKEntry>> TopK(const float* scores, size_t count, size_t k);

// All three steps with scratch kept between calls (no steady-state allocation besides the result vector).
class Postprocessor {
 public:
  static Result<Postprocessor> Create(const OutputSpec& spec);

  Postprocessor();
  ~Postprocessor();
  Postprocessor(Postprocessor&&) noexcept;
  Postprocessor& operator=(Postprocessor&&) noexcept;
  Postprocessor(const Postprocessor&) = delete;
  Postprocessor& operator=(const Postprocessor&) = delete;

  size_t InputBytes() const;  // classes × DTypeSize(dtype)
  const OutputSpec& spec() const;

  // Reads the output tensor in place (srcBytes must equal InputBytes()) and returns the top-k.
  Result<std::vector<TopKEntry>> Run(const void* src, size_t srcBytes, size_t k);

  // The probabilities of the last Run (empty before the first).
  const std::vector<float>& scores() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulens
