// Image pre-processing: an 8-bit RGBA / BGRA / RGB image or an NV21 / NV12 camera frame of any size and row stride
// becomes the model's input tensor, written straight into the destination buffer (on the device: the NN_Tensor's
// shared memory).
//
// Pipeline (per output element, all driven by the InputSpec):
//   centre crop: centerCrop < 1 keeps the centred square of side centerCrop × the shorter side (sub-pixel
//     exact); centerCrop == 1 keeps the whole image (stretched to the output aspect)
//   → resize to width×height: bilinear with half-pixel centres; when an axis shrinks by more than 2× that axis
//     uses area averaging (box filter over the exact source footprint, fractional edges weighted)
//   NV21/NV12 frames: the Y plane and the chroma plane are each resized so (the chroma plane as an image of
//     width/2 × height/2 under the halved crop window: chroma is sampled at the output's sample points on its own
//     grid, bilinear or area as its own scale asks), then each output pixel's Y, U, V becomes R, G, B with
//     full-range BT.601 in AIPP's fixed-point matrix (the guide's csc_func for JPEG): R = Y + 359/256·(V−128),
//     G = Y − 88/256·(U−128) − 183/256·(V−128), B = Y + 454/256·(U−128), clamped to [0, 255]. Why resize first:
//     one conversion per output pixel instead of per source pixel and no upsampled copy; the matrix is linear, so
//     for an area shrink this equals AIPP's order (convert each pixel with its 2×2 block's chroma, then resize)
//     except where a colour clips. AIPP's CSC output is 8-bit (output_format RGB888_U8) and its DTC result fp16;
//     this path keeps floats.
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

// kRGBA8, kBGRA8, kRGB8: packed 8-bit pixels, `height` rows.
// kNV21, kNV12: YUV420SP, the camera's frames. The Y plane (`height` rows of `width` bytes), then at
//   data + rowStride × height the chroma plane: height / 2 rows of width / 2 interleaved pairs, V,U (NV21) or U,V
//   (NV12), each chroma sample shared by a 2×2 block of Y. Width and height are even. Colour space: full-range
//   BT.601 (JPEG), what the camera delivers and what AIPP's HIAI_JPEG converts.
// YUV420SP has no whole number of bytes per pixel (12 bits), so sizes are counted in rows: RowBytes × RowCount.
enum class PixelFormat { kRGBA8, kBGRA8, kRGB8, kNV21, kNV12 };
const char* PixelFormatName(PixelFormat format);  // "RGBA", "BGRA", "RGB", "NV21", "NV12"
bool IsYuv420sp(PixelFormat format);              // kNV21, kNV12

// Bytes of pixels in one row, the least rowStride: width × 4 (RGBA, BGRA), width × 3 (RGB), width (NV21, NV12: a Y
// row; a chroma row's width / 2 pairs are as many bytes). width ≤ kImageSideMax cannot overflow.
size_t RowBytes(PixelFormat format, int width);
// Rows of rowStride bytes the image spans: height; NV21, NV12: height × 3 / 2 (Y rows, then chroma rows).
size_t RowCount(PixelFormat format, int height);

// The size of a frame: the least byteLength an image of this format, size and row stride needs, rowStride ×
// (RowCount − 1) + RowBytes (the last row needs no padding); for a frame with rowStride == RowBytes that is
// width × height × 4 (RGBA), × 3 (RGB), × 3 / 2 (NV21, NV12). Checks the geometry as ValidateImage does (sides in
// 1..kImageSideMax, even sides for NV21/NV12, rowStride ≥ RowBytes, no size_t overflow); errors as ValidateImage's.
Result<size_t> ImageByteLength(PixelFormat format, int width, int height, size_t rowStride);

// A borrowed view of pixels. rowStride is in bytes (≥ RowBytes(format, width)); byteLength is the size of the
// buffer at `data` and must be at least ImageByteLength(format, width, height, rowStride).
struct ImageView {
  const uint8_t* data = nullptr;
  size_t byteLength = 0;
  int width = 0;
  int height = 0;
  size_t rowStride = 0;
  PixelFormat format = PixelFormat::kRGBA8;
  // Clockwise degrees (0, 90, 180, 270) that turn the image upright: a camera frame arrives in the sensor's
  // orientation. Preprocessor::Run crops and resizes the frame as it is and turns the model-sized result, so the
  // model sees the upright image (what pre-processing a rotated copy of the frame would give, up to float rounding).
  int rotation = 0;
};

// Checks an ImageView (null data, zero dims or a side over kImageSideMax, an odd side of an NV21/NV12 frame,
// stride < RowBytes, stride × rows overflow, a buffer shorter than ImageByteLength, a rotation other than 0, 90, 180,
// 270). Errors use step "preprocess" and
// name the offending field and values: NPULENS_INVALID_ARGUMENT for null data and a short buffer,
// NPULENS_OUT_OF_RANGE for the rest.
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
  // A rotated image is resized to the turned output size (height × width for 90 and 270) into a scratch tensor kept
  // by the Preprocessor, then its elements are permuted into dst: the turn touches model-sized data only.
  Status Run(const ImageView& image, void* dst, size_t dstBytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulens
