// YUV420SP colour: the one definition of the YUV → RGB matrix the CPU pre-processing applies to NV21 / NV12 frames,
// and the encoder that makes such frames from RGB (synthetic camera frames for tests and benchmarks, the camera-like
// frame of a photo when the CPU and AIPP paths are compared).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/preprocess.h"
#include "core/status.h"

namespace npulens {

// Full-range BT.601 (the JPEG colour space the camera delivers) in the fixed-point form of the CANN Kit AIPP guide's
// csc_func for JPEG (matrix / 256, input_bias 0, 128, 128, output_bias 0), so the CPU path and AIPP's HIAI_JPEG
// conversion use the same numbers:
//   R = Y + 359/256 (V − 128),  G = Y − 88/256 (U − 128) − 183/256 (V − 128),  B = Y + 454/256 (U − 128).
struct YuvToRgbCoefficients {
  static constexpr int kOne = 256;  // the matrix's fixed-point unit (its Y column)
  static constexpr int kRv = 359;
  static constexpr int kGu = -88;
  static constexpr int kGv = -183;
  static constexpr int kBu = 454;
  static constexpr int kChromaBias = 128;
};

// Encodes an RGBA / BGRA / RGB image of even sides as a `format` (kNV21 or kNV12) frame with rows rowStride bytes
// apart (≥ width; the padding bytes are 0), ImageByteLength(format, width, height, rowStride) bytes. Y, U and V come
// from each pixel through the exact inverse of the matrix above (converting back gives the pixel within rounding
// wherever the colour survives 2×2 chroma sharing), the chroma of each 2×2 block is their mean; all rounded to nearest
// and clamped to 0..255. Errors (step "preprocess"): the image as ValidateImage reports it, a YUV source or a packed
// target format (NPULENS_INVALID_ARGUMENT), odd sides or a short stride (NPULENS_OUT_OF_RANGE).
Result<std::vector<uint8_t>> EncodeYuv420sp(const ImageView& rgb, PixelFormat format, size_t rowStride);

}  // namespace npulens
