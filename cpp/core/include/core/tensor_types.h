// Element types, layouts and quantization parameters shared by the manifest, pre- and post-processing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npulens {

enum class DType { kFloat32, kFloat16, kInt8, kUint8 };
enum class Layout { kNCHW, kNHWC };
enum class ColorOrder { kRGB, kBGR };

// Affine quantization: real = (q - zeroPoint) * scale; q = round_half_even(real / scale) + zeroPoint, saturated.
struct QuantParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

// Bytes per element: 4, 2, 1, 1.
size_t DTypeSize(DType dtype);
// "float32", "float16", "int8", "uint8" (the manifest spellings).
const char* DTypeName(DType dtype);
const char* LayoutName(Layout layout);         // "NCHW" | "NHWC"
const char* ColorOrderName(ColorOrder order);  // "RGB" | "BGR"

}  // namespace npulens
