#include "core/tensor_types.h"

namespace npulens {

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat16: return 2;
    case DType::kInt8:
    case DType::kUint8: return 1;
  }
  return 0;
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kInt8: return "int8";
    case DType::kUint8: return "uint8";
  }
  return "?";
}

const char* LayoutName(Layout layout) { return layout == Layout::kNCHW ? "NCHW" : "NHWC"; }
const char* ColorOrderName(ColorOrder order) { return order == ColorOrder::kRGB ? "RGB" : "BGR"; }

}  // namespace npulens
