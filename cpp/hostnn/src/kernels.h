// Our own CPU kernels for what the 2022 XNNPACK subgraph API lacks (layout changes, softmax over any
// axis, pooling variants, exact ONNX Quantize/DequantizeLinear rounding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model.h"

namespace hostnn {
namespace kernels {

// `nchw` is the ONNX shape [N,C,H,W]; es = element size in bytes.
void NchwToNhwc(const void* src, void* dst, const Shape& nchw, size_t es);
void NhwcToNchw(const void* src, void* dst, const Shape& nchw, size_t es);

// ONNX QuantizeLinear: saturate(round_half_even(x / scale) + zero_point) to int8 or uint8.
void Quantize(const float* x, void* y, size_t n, float scale, int32_t zeroPoint, bool toInt8);
// ONNX DequantizeLinear: (x - zero_point) * scale from int8, uint8 or int32.
void Dequantize(const void* x, DType t, float* y, size_t n, float scale, int32_t zeroPoint);

// Reshape/Flatten between possibly-NHWC-stored tensors (element order follows the ONNX shapes).
void Reshape(const void* src, const Shape& inShape, bool inNhwc, void* dst, const Shape& outShape, bool outNhwc,
             size_t es);

// Softmax along one stored axis; legacy = opset < 13 (over all dims from `axis` on).
void Softmax(const float* x, float* y, const Shape& shape, int64_t axis, bool legacy);

// Max/average pooling on NHWC float data; pads = top, left, bottom, right.
void Pool2D(const float* x, const Shape& xNhwc, float* y, const Shape& yNhwc, int64_t kh, int64_t kw, int64_t sh,
            int64_t sw, int64_t dh, int64_t dw, const int64_t pads[4], bool max, bool countIncludePad);

}  // namespace kernels
}  // namespace hostnn
