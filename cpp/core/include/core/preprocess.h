// Image pre-processing: an 8-bit RGBA / BGRA / RGB image of any size and row stride becomes the model's input
// tensor, written straight into the destination buffer (on the device: the NN_Tensor's shared memory).
//
// Pipeline (per output element, all driven by the InputSpec):
//   centre crop: centerCrop < 1 keeps the centred square of side centerCrop × the shorter side (sub-pixel
//     exact); centerCrop == 1 keeps the whole image (stretched to the output aspect)
//   → resize to width×height: bilinear with half-pixel centres; when an axis shrinks by more than 2× that axis
//     uses area averaging (box filter over the exact source footprint, fractional edges weighted)
//   → channel order RGB or BGR → value = (pixel − mean[c]) / std[c]
//   → float32 | float16 (round-to-nearest-even) | int8/uint8 (q = round_half_even(value/scale) + zp, saturated)
//   → NCHW or NHWC.
// The resize is separable (horizontal then vertical) with precomputed per-size coefficient tables; the
// Preprocessor keeps tables and scratch rows between calls, so steady-state runs allocate nothing.
// A Preprocessor is not thread-safe: use one per thread (or per session, under the session's lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/limits.h"
#include "core/manifest.h"
#include "core/status.h"

namespace npulens {

enum class PixelFormat { kRGBA8, kBGRA8, kRGB8 };
const char* PixelFormatName(PixelFormat format);  // "RGBA", "BGRA", "RGB"
size_t BytesPerPixel(PixelFormat format);         // 4, 4, 3

// A borrowed view of pixels. rowStride is in bytes (≥ width × bytesPerPixel); byteLength is the size of the
// buffer at `data` and must cover rowStride × (height − 1) + width × bytesPerPixel.
struct ImageView {
  const uint8_t* data = nullptr;
  size_t byteLength = 0;
  int width = 0;
  int height = 0;
  size_t rowStride = 0;
  PixelFormat format = PixelFormat::kRGBA8;
};

// Checks an ImageView (null data, zero dims or a side over kImageSideMax, stride < width·bpp, stride·height overflow,
// short buffer). Errors use step "preprocess" and name the offending field and values.
Status ValidateImage(const ImageView& image);

// A width x height in pixels.
struct ImageSize {
  int width = 0;
  int height = 0;
};

// The size to decode a sourceWidth x sourceHeight picture at before Preprocessor::Run with `spec`: the smallest
// (aspect kept, each side rounded up) whose region that the pre-processing reads still has at least the model
// input's pixels on each axis. With centerCrop < 1 the crop's side (centerCrop x the shorter side) is >= the larger
// of spec.width and spec.height; with centerCrop 1 the whole image is >= spec.width x spec.height. Never larger than
// the source (no upscaling). The one definition of this rule: the app (ImageKit's desiredSize) and the CLI (JPEG
// shrink-on-load) ask for it through the classifier. Errors (step "decodeSize"): a source side outside
// [1, INT32_MAX] is NPULENS_OUT_OF_RANGE naming it; an invalid spec as ValidateInputSpec reports it.
Result<ImageSize> DecodeSizeFor(int64_t sourceWidth, int64_t sourceHeight, const InputSpec& spec);

class Preprocessor {
 public:
  // Validates the spec (ValidateInputSpec) and prepares the output-side constants.
  static Result<Preprocessor> Create(const InputSpec& spec);

  Preprocessor();
  ~Preprocessor();
  Preprocessor(Preprocessor&&) noexcept;
  Preprocessor& operator=(Preprocessor&&) noexcept;
  Preprocessor(const Preprocessor&) = delete;
  Preprocessor& operator=(const Preprocessor&) = delete;

  // Bytes the destination must have: 3 × width × height × DTypeSize(dtype).
  size_t OutputBytes() const;
  const InputSpec& spec() const;

  // Converts `image` into `dst` (exactly OutputBytes() bytes, else NPULENS_INVALID_ARGUMENT naming both
  // sizes). `dst` needs no particular alignment. Errors: step "preprocess".
  Status Run(const ImageView& image, void* dst, size_t dstBytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulens
