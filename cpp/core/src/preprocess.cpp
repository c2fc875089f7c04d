// Image pre-processing (see core/preprocess.h for the pipeline).
//
// Implementation: per axis a table of taps (first source index, count, weights) is built once per source size:
// bilinear (≤ 2 taps, half-pixel centres, edge-clamped) or, when that axis shrinks by more than 2×, area
// averaging (every source pixel overlapping the output pixel's footprint, weighted by the overlap). The resize
// is separable: for each output row the vertical taps blend whole source rows (only the needed column span,
// all bytes of each pixel, a loop compilers vectorise) into a float row, then the horizontal taps produce each
// output pixel as one 4-lane vector of normalised values (lane = source byte). float32 NCHW rows go from there
// through a 4×4 transpose straight into the (possibly unaligned) destination planes; other dtypes/layouts are
// converted in a small aligned row buffer and copied. An unscaled, uncropped image takes a direct lookup-table
// path. The bilinear 640×480 → 224×224 case is bound by fetching the photo when it comes in cold, hence the
// prefetching in BlendRows.
#include "core/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "core/fp16.h"
#include "core/yuv.h"

namespace npulens {
namespace {

constexpr const char* kStep = "preprocess";

// Taps of one axis. Output i reads source indices start[i] .. start[i]+count[i]-1 with weights
// weights[i*stride ..]; weights of one output sum to 1.
struct AxisTaps {
  std::vector<int> start;
  std::vector<int> count;
  std::vector<float> weights;
  int stride = 0;
  int lo = 0, hi = 0;  // source span [lo, hi) touched by any output
  // Area axes only: unnormalised weights (overlaps, interior taps exactly 1), their inverse sum, and the run of
  // interior taps [innerFirst, innerFirst + innerCount) — these are summed with integer adds.
  bool area = false;
  std::vector<float> rawWeights;
  std::vector<float> invRawSum;
  std::vector<int> innerFirst, innerCount;
};

void BuildAxis(int srcLen, double winStart, double winLen, int outLen, AxisTaps& axis) {
  const double scale = winLen / outLen;
  const bool area = scale > 2.0;
  axis.stride = area ? static_cast<int>(std::ceil(scale)) + 2 : 2;
  axis.start.assign(outLen, 0);
  axis.count.assign(outLen, 0);
  axis.weights.assign(static_cast<size_t>(outLen) * axis.stride, 0.0f);
  axis.lo = srcLen;
  axis.hi = 0;
  axis.area = area;
  if (area) {
    axis.rawWeights.assign(axis.weights.size(), 0.0f);
    axis.invRawSum.assign(outLen, 0.0f);
    axis.innerFirst.assign(outLen, 0);
    axis.innerCount.assign(outLen, 0);
  }
  for (int i = 0; i < outLen; ++i) {
    float* w = &axis.weights[static_cast<size_t>(i) * axis.stride];
    int first = 0, n = 0;
    if (area) {
      const double a = winStart + i * scale;
      const double b = std::min(winStart + (i + 1) * scale, static_cast<double>(srcLen));
      first = std::max(0, static_cast<int>(std::floor(a)));
      const int last = std::min(srcLen - 1, static_cast<int>(std::ceil(b)) - 1);
      double sum = 0;
      for (int j = first; j <= last && n < axis.stride; ++j) {
        const double overlap = std::min(b, j + 1.0) - std::max(a, static_cast<double>(j));
        if (overlap <= 1e-9) {
          if (n == 0) ++first;  // skip an empty leading tap
          continue;
        }
        w[n++] = static_cast<float>(overlap);
        sum += overlap;
      }
      float* raw = &axis.rawWeights[static_cast<size_t>(i) * axis.stride];
      int innerFirst = -1, innerCount = 0;
      for (int k = 0; k < n; ++k) {
        raw[k] = w[k];
        if (w[k] == 1.0f) {
          if (innerFirst < 0) innerFirst = k;
          ++innerCount;
        }
        w[k] = static_cast<float>(w[k] / sum);
      }
      axis.invRawSum[i] = static_cast<float>(1.0 / sum);
      axis.innerFirst[i] = std::max(innerFirst, 0);
      axis.innerCount[i] = innerCount;
    } else {
      const double sx = winStart + (i + 0.5) * scale - 0.5;
      if (sx <= 0) {
        first = 0, n = 1, w[0] = 1.0f;
      } else if (sx >= srcLen - 1) {
        first = srcLen - 1, n = 1, w[0] = 1.0f;
      } else {
        first = static_cast<int>(std::floor(sx));
        const float f = static_cast<float>(sx - first);
        if (f == 0.0f) {
          n = 1, w[0] = 1.0f;
        } else {
          n = 2, w[0] = 1.0f - f, w[1] = f;
        }
      }
    }
    axis.start[i] = first;
    axis.count[i] = n;
    axis.lo = std::min(axis.lo, first);
    axis.hi = std::max(axis.hi, first + n);
  }
}

// Round half to even for |x| < 2^22: adding 1.5 × 2^23 leaves no fraction bits, so the FPU's default
// round-to-nearest-even does the rounding (IEEE semantics: compilers may not fold the add/subtract away).
inline float RoundHalfEven(float x) {
  constexpr float kMagic = 12582912.0f;
  return (x + kMagic) - kMagic;
}

// Horizontal pass, one output pixel as 4 lanes (all bytes of a source pixel; for 3-byte pixels lane 3 is the
// next pixel's first byte and is ignored), normalised lane-wise: value = Σ taps × scale[l] + bias[l].
// Two-tap: the per-pixel weights come pre-multiplied by the lane's 1/std (laneW0/laneW1, 4 per pixel), so a
// pixel is two multiplies, an add and the bias. Output: with lanePlane (float32 NCHW), lane l < 3 of pixel x goes
// straight to the destination row lanePlane[l] (possibly unaligned); otherwise the 4 lanes go to pixelRow[4x ..] for
// EmitRow.
#if defined(__GNUC__)
// GCC and clang: a generic 4-float vector (SSE on x86, NEON on arm64); their auto-vectorisers leave the plain
// lane loop scalar once it is inlined into Run, and this pass is a third of the bilinear time.
typedef float Lanes __attribute__((vector_size(16)));
void HorizontalTwoTap(const float* blended, const int* off0, const int* off1, const float* laneW0, const float* laneW1,
                      float rowScale, const float* laneBias, int outW, float* pixelRow, uint8_t* const* lanePlane) {
  Lanes bias;
  std::memcpy(&bias, laneBias, sizeof(Lanes));
  auto blend = [&](int x) {
    Lanes p0, p1, a, b;
    std::memcpy(&p0, blended + off0[x], sizeof(Lanes));
    std::memcpy(&p1, blended + off1[x], sizeof(Lanes));
    std::memcpy(&a, laneW0 + 4 * x, sizeof(Lanes));
    std::memcpy(&b, laneW1 + 4 * x, sizeof(Lanes));
    return (a * p0 + b * p1) * rowScale + bias;
  };
  int x = 0;
  if (lanePlane != nullptr) {
    // Four pixels at a time, transposed so each lane is 4 consecutive values of its plane.
    for (; x + 4 <= outW; x += 4) {
      const Lanes v0 = blend(x), v1 = blend(x + 1), v2 = blend(x + 2), v3 = blend(x + 3);
      const Lanes lo01 = __builtin_shufflevector(v0, v1, 0, 4, 1, 5),
                  lo23 = __builtin_shufflevector(v2, v3, 0, 4, 1, 5);
      const Lanes hi01 = __builtin_shufflevector(v0, v1, 2, 6, 3, 7),
                  hi23 = __builtin_shufflevector(v2, v3, 2, 6, 3, 7);
      const Lanes lane[3] = {__builtin_shufflevector(lo01, lo23, 0, 1, 4, 5),
                             __builtin_shufflevector(lo01, lo23, 2, 3, 6, 7),
                             __builtin_shufflevector(hi01, hi23, 0, 1, 4, 5)};
      for (int l = 0; l < 3; ++l) std::memcpy(lanePlane[l] + x * sizeof(float), &lane[l], sizeof(Lanes));
    }
    for (; x < outW; ++x) {
      const Lanes v = blend(x);
      for (int l = 0; l < 3; ++l) {
        const float value = v[l];
        std::memcpy(lanePlane[l] + x * sizeof(float), &value, sizeof(float));
      }
    }
    return;
  }
  for (; x < outW; ++x) {
    const Lanes v = blend(x);
    std::memcpy(pixelRow + 4 * x, &v, sizeof(Lanes));
  }
}
#else
void HorizontalTwoTap(const float* blended, const int* off0, const int* off1, const float* laneW0, const float* laneW1,
                      float rowScale, const float* laneBias, int outW, float* pixelRow, uint8_t* const* lanePlane) {
  for (int x = 0; x < outW; ++x) {
    const float* p0 = blended + off0[x];
    const float* p1 = blended + off1[x];
    for (int l = 0; l < 4; ++l) {
      const float value = (laneW0[4 * x + l] * p0[l] + laneW1[4 * x + l] * p1[l]) * rowScale + laneBias[l];
      if (lanePlane == nullptr) {
        pixelRow[4 * x + l] = value;
      } else if (l < 3) {
        std::memcpy(lanePlane[l] + x * sizeof(float), &value, sizeof(float));
      }
    }
  }
}
#endif

// Area horizontal pass: lanes 0..lanes-1 of each output pixel (4 for packed pixels, 1 for a Y plane, 2 for a chroma
// plane: summing all 4 lanes of 1-byte pixels was 40% of a 1080p NV21 run).
// Output as HorizontalTwoTap's: lanes l < 3 to the rows lanePlane[l] (possibly unaligned) or, with lanePlane null,
// 4 floats per pixel to pixelRow.
template <int lanes>
void HorizontalArea(const float* blended, const AxisTaps& xt, int bpp, const float* laneScale, const float* laneBias,
                    int outW, float* pixelRow, uint8_t* const* lanePlane) {
  float scale[lanes], bias[lanes];
  for (int l = 0; l < lanes; ++l) scale[l] = laneScale[l], bias[l] = laneBias[l];
  for (int x = 0; x < outW; ++x) {
    const float* wx = &xt.weights[static_cast<size_t>(x) * xt.stride];
    const float* p = blended + static_cast<size_t>(xt.start[x] - xt.lo) * bpp;
    float acc[lanes] = {};
    for (int k = 0; k < xt.count[x]; ++k, p += bpp) {
      const float w = wx[k];
      for (int l = 0; l < lanes; ++l) acc[l] += w * p[l];
    }
    if (lanePlane != nullptr) {
      for (int l = 0; l < lanes && l < 3; ++l) {
        const float value = acc[l] * scale[l] + bias[l];
        std::memcpy(lanePlane[l] + x * sizeof(float), &value, sizeof(float));
      }
    } else {
      float* o = pixelRow + 4 * x;
      for (int l = 0; l < lanes; ++l) o[l] = acc[l] * scale[l] + bias[l];
    }
  }
}

// A source byte as float. Spelled through uint32 → int32 so GCC's vectoriser widens with zero-extending unpacks
// (the plain conversion goes through signed 16-bit lanes and costs a compare per vector; ~7% of a bilinear run).
inline float ByteToFloat(uint8_t b) { return static_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(b))); }

// Cache line size of x86-64 and of the arm64 cores we target.
constexpr size_t kCacheLine = 64;

// Asks for the cache line at p ahead of use (a hint; a no-op where the compiler has no builtin).
inline void Prefetch(const uint8_t* p) {
#if defined(__GNUC__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

// x86-64 hosts (GCC, clang): the vertical blend is also compiled for AVX2 (8 lanes, byte→int32 in one widening
// step) and picked at load time when the CPU has it, else the baseline SSE2 build of the same code runs
// (640×480 crop 0.875: 0.118 → 0.105 ms). Other targets (the arm64 device build) compile it once as is.
#if defined(__x86_64__) && defined(__GNUC__)
#define NPULENS_ALSO_FOR_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define NPULENS_ALSO_FOR_AVX2
#endif

// Bilinear vertical pass over one (twoRows false: weight w0 only) or two source row spans, a cache line at a
// time, each line also prefetching the same columns of the next output row's first and last row (next0,
// next1). A photo handed over between inferences is mostly out of the caches; spread out like this the fetch
// hides behind the arithmetic (0.27 → 0.17 ms for a cold 640×480 photo; fetching whole rows up front gains
// half as much).
NPULENS_ALSO_FOR_AVX2 void BlendRows(const uint8_t* s0, const uint8_t* s1, float w0, float w1, bool twoRows,
                                     const uint8_t* next0, const uint8_t* next1, size_t spanBytes, float* blended) {
  for (size_t line = 0; line < spanBytes; line += kCacheLine) {
    Prefetch(next0 + line);
    Prefetch(next1 + line);
    const size_t end = std::min(spanBytes, line + kCacheLine);
    if (twoRows) {
      for (size_t i = line; i < end; ++i) blended[i] = w0 * ByteToFloat(s0[i]) + w1 * ByteToFloat(s1[i]);
    } else {
      for (size_t i = line; i < end; ++i) blended[i] = w0 * ByteToFloat(s0[i]);
    }
  }
}

// A row of resized Y, U, V (planar rows) to the three output channels:
// out[c][x] = clamp(Y + ku[c] (U − 128) + kv[c] (V − 128)) × scale[c] + shift[c]. Each Y, U, V is loaded once for all
// three channels; restrict-qualified float rows, plain locals and compare-select clamps (std::min/max kept GCC to
// branches) let the loop vectorise.
NPULENS_ALSO_FOR_AVX2 void ConvertYuvRow(const float* __restrict ys, const float* __restrict us,
                                         const float* __restrict vs, const float* ku, const float* kv,
                                         const float* scale, const float* shift, int outW, float* __restrict o0,
                                         float* __restrict o1, float* __restrict o2) {
  constexpr float kBias = YuvToRgbCoefficients::kChromaBias;
  const float ku0 = ku[0], ku1 = ku[1], ku2 = ku[2], kv0 = kv[0], kv1 = kv[1], kv2 = kv[2];
  const float s0 = scale[0], s1 = scale[1], s2 = scale[2], b0 = shift[0], b1 = shift[1], b2 = shift[2];
  auto clamp = [](float value) {
    value = value < 0.0f ? 0.0f : value;
    return value > 255.0f ? 255.0f : value;
  };
  for (int x = 0; x < outW; ++x) {
    const float luma = ys[x], u = us[x] - kBias, v = vs[x] - kBias;
    o0[x] = clamp(luma + ku0 * u + kv0 * v) * s0 + b0;
    o1[x] = clamp(luma + ku1 * u + kv1 * v) * s1 + b1;
    o2[x] = clamp(luma + ku2 * u + kv2 * v) * s2 + b2;
  }
}

}  // namespace

const char* PixelFormatName(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGBA8: return "RGBA";
    case PixelFormat::kBGRA8: return "BGRA";
    case PixelFormat::kRGB8: return "RGB";
    case PixelFormat::kNV21: return "NV21";
    case PixelFormat::kNV12: return "NV12";
  }
  return "?";
}

bool IsYuv420sp(PixelFormat f) { return f == PixelFormat::kNV21 || f == PixelFormat::kNV12; }

size_t RowBytes(PixelFormat f, int width) {
  const size_t w = width > 0 ? static_cast<size_t>(width) : 0;
  switch (f) {
    case PixelFormat::kRGBA8:
    case PixelFormat::kBGRA8: return w * 4;
    case PixelFormat::kRGB8: return w * 3;
    case PixelFormat::kNV21:
    case PixelFormat::kNV12: return w;
  }
  return 0;
}

size_t RowCount(PixelFormat f, int height) {
  const size_t h = height > 0 ? static_cast<size_t>(height) : 0;
  return IsYuv420sp(f) ? h + h / 2 : h;
}

Result<ImageSize> DecodeSizeFor(int64_t sourceWidth, int64_t sourceHeight, const InputSpec& spec) {
  constexpr const char* kDecodeStep = "decodeSize";
  constexpr int64_t kSideMax = std::numeric_limits<int32_t>::max();
  if (sourceWidth < 1 || sourceWidth > kSideMax || sourceHeight < 1 || sourceHeight > kSideMax) {
    return Status(kDecodeStep, code::kOutOfRange,
                  "source size " + std::to_string(sourceWidth) + "x" + std::to_string(sourceHeight) +
                      " is outside 1.." + std::to_string(kSideMax) + " on a side");
  }
  Status st = ValidateInputSpec(spec, "input");
  if (!st.ok()) return Status(kDecodeStep, st.code(), st.message());
  // In double, as Prepare computes the crop: every int32 side and product of two is exact enough to round up.
  const double srcW = static_cast<double>(sourceWidth), srcH = static_cast<double>(sourceHeight);
  const double scale = spec.centerCrop < 1.0f
                           ? std::max(spec.width, spec.height) / (spec.centerCrop * std::min(srcW, srcH))
                           : std::max(spec.width / srcW, spec.height / srcH);
  if (scale >= 1.0) return ImageSize{static_cast<int>(sourceWidth), static_cast<int>(sourceHeight)};
  return ImageSize{static_cast<int>(std::min(srcW, std::ceil(srcW * scale))),
                   static_cast<int>(std::min(srcH, std::ceil(srcH * scale)))};
}

Result<size_t> ImageByteLength(PixelFormat format, int width, int height, size_t rowStride) {
  // Built only for an error: Run validates every frame.
  auto sizeText = [&] { return std::to_string(width) + "x" + std::to_string(height); };
  if (width <= 0 || height <= 0) return Status(kStep, code::kOutOfRange, "image size " + sizeText() + " must be > 0");
  if (width > kImageSideMax || height > kImageSideMax) {
    return Status(
        kStep, code::kOutOfRange,
        "image size " + sizeText() + " exceeds " + std::to_string(kImageSideMax) + "x" + std::to_string(kImageSideMax));
  }
  if (IsYuv420sp(format) && (width % 2 != 0 || height % 2 != 0)) {
    return Status(kStep, code::kOutOfRange,
                  std::string(PixelFormatName(format)) + " frame size " + sizeText() +
                      " must be even on both sides (one chroma sample per 2x2 pixels)");
  }
  const size_t rowBytes = RowBytes(format, width);
  if (rowStride < rowBytes) {
    const std::string row = IsYuv420sp(format) ? "width" : "width × " + std::to_string(rowBytes / width);
    return Status(kStep, code::kOutOfRange,
                  "row stride " + std::to_string(rowStride) + " is less than " + row + " = " +
                      std::to_string(rowBytes) + " bytes (" + PixelFormatName(format) + ")");
  }
  const size_t rows = RowCount(format, height) - 1;
  if (rows > 0 && rowStride > (std::numeric_limits<size_t>::max() - rowBytes) / rows) {
    return Status(kStep, code::kOutOfRange,
                  "row stride " + std::to_string(rowStride) + " × " + (IsYuv420sp(format) ? "height × 3/2" : "height") +
                      " overflows");
  }
  return rowStride * rows + rowBytes;
}

Status ValidateImage(const ImageView& im) {
  if (im.data == nullptr) return Status(kStep, code::kInvalidArgument, "image data is null");
  Result<size_t> needed = ImageByteLength(im.format, im.width, im.height, im.rowStride);
  if (!needed.ok()) return needed.status();
  if (im.byteLength < *needed) {
    return Status(kStep, code::kInvalidArgument,
                  "image buffer has " + std::to_string(im.byteLength) + " bytes, needs " + std::to_string(*needed) +
                      " (stride " + std::to_string(im.rowStride) + " × " +
                      std::to_string(RowCount(im.format, im.height) - 1) + " + " +
                      std::to_string(RowBytes(im.format, im.width)) + ")");
  }
  if (im.rotation != 0 && im.rotation != 90 && im.rotation != 180 && im.rotation != 270) {
    return Status(kStep, code::kOutOfRange,
                  "image rotation " + std::to_string(im.rotation) + " is not 0, 90, 180 or 270 (clockwise degrees)");
  }
  return Status::Ok();
}

// dst (w × h pixels of kPixel bytes, rows packed) = src turned clockwise by `rotation`; src is the turned size (h × w
// for 90 and 270). dst pixel (x, y) reads src (y, w-1-x) for 90, (w-1-x, h-1-y) for 180, (h-1-y, x) for 270.
template <size_t kPixel>
void TurnPixels(const uint8_t* src, int rotation, int w, int h, uint8_t* dst) {
  for (int y = 0; y < h; ++y) {
    uint8_t* d = dst + static_cast<size_t>(y) * w * kPixel;
    for (int x = 0; x < w; ++x) {
      size_t from = 0;
      if (rotation == 90) {
        from = static_cast<size_t>(w - 1 - x) * h + y;  // src is h wide, w high
      } else if (rotation == 180) {
        from = static_cast<size_t>(h - 1 - y) * w + (w - 1 - x);
      } else {
        from = static_cast<size_t>(x) * h + (h - 1 - y);
      }
      std::memcpy(d + static_cast<size_t>(x) * kPixel, src + from * kPixel, kPixel);
    }
  }
}

// One plane (NCHW) or the whole interleaved tensor (NHWC: a pixel is 3 elements) turned, for the element size.
void TurnPlane(const uint8_t* src, int rotation, int w, int h, size_t pixelBytes, uint8_t* dst) {
  switch (pixelBytes) {
    case 1: return TurnPixels<1>(src, rotation, w, h, dst);
    case 2: return TurnPixels<2>(src, rotation, w, h, dst);
    case 3: return TurnPixels<3>(src, rotation, w, h, dst);
    case 4: return TurnPixels<4>(src, rotation, w, h, dst);
    case 6: return TurnPixels<6>(src, rotation, w, h, dst);
    default: return TurnPixels<12>(src, rotation, w, h, dst);
  }
}

// The resize of one plane of `bpp` interleaved bytes per pixel to the output size (a packed image: 3 or 4; an
// NV21/NV12 frame: its Y plane 1, its chroma plane 2): the taps of each axis over the crop window, the bilinear x
// offsets and lane weights, and the scratch rows. Rebuilt only when the plane's geometry (or lane weights) changes.
struct PlaneResize {
  int srcW = -1, srcH = -1, bpp = -1;
  float laneInvStd[4] = {0, 0, 0, 0};  // per source byte of a pixel: 1/std (packed images) or 1 (YUV planes)
  AxisTaps xTaps, yTaps;
  // Bilinear x axis: per output pixel the float offsets of its two taps in `blended` and their weights times
  // each lane's 1/std (4 per pixel; the lane order depends on the pixel format). A single-tap output (clamped
  // edge, exact hit) repeats the offset with weight 0, so every pixel runs the same branch-free two-tap blend.
  std::vector<int> xOffset0, xOffset1;
  std::vector<float> xLaneWeight0, xLaneWeight1;
  std::vector<float> blended;    // one vertically blended source row span, all bytes of each pixel (+3 pad)
  std::vector<uint16_t> rowSum;  // area path: integer sum of the interior rows over the span
  std::vector<float> pixelRow;   // one output row, 4 lanes per pixel in source byte order

  // The plane is srcW × srcH pixels; the output reads the window [wx0, wx0 + wlen) × [wy0, wy0 + hlen) of it.
  void Prepare(int w, int h, int pixelBytes, double wx0, double wy0, double wlen, double hlen, int outW, int outH,
               const float* laneScale) {
    if (w == srcW && h == srcH && pixelBytes == bpp && std::equal(laneScale, laneScale + 4, laneInvStd)) return;
    BuildAxis(w, wx0, wlen, outW, xTaps);
    BuildAxis(h, wy0, hlen, outH, yTaps);
    // The pad floats let the 4-lane horizontal loads of the last pixel stay inside the buffer (bpp < 4).
    blended.assign(static_cast<size_t>(xTaps.hi - xTaps.lo) * pixelBytes + 3, 0.0f);
    if (yTaps.area) rowSum.assign(blended.size(), 0);
    pixelRow.assign(static_cast<size_t>(outW) * 4, 0.0f);
    if (!xTaps.area) {
      xOffset0.resize(outW), xOffset1.resize(outW);
      xLaneWeight0.resize(static_cast<size_t>(outW) * 4), xLaneWeight1.resize(static_cast<size_t>(outW) * 4);
      for (int x = 0; x < outW; ++x) {
        const int n = xTaps.count[x];
        const float* wt = &xTaps.weights[static_cast<size_t>(x) * xTaps.stride];
        xOffset0[x] = (xTaps.start[x] - xTaps.lo) * pixelBytes;
        xOffset1[x] = xOffset0[x] + (n == 2 ? pixelBytes : 0);
        for (int l = 0; l < 4; ++l) {
          xLaneWeight0[static_cast<size_t>(x) * 4 + l] = wt[0] * laneScale[l];
          xLaneWeight1[static_cast<size_t>(x) * 4 + l] = n == 2 ? wt[1] * laneScale[l] : 0.0f;
        }
      }
    }
    std::copy(laneScale, laneScale + 4, laneInvStd);
    srcW = w, srcH = h, bpp = pixelBytes;
  }

  // Output row y: the vertical pass over the plane's rows (`plane` = its first row, `stride` bytes apart) into
  // `blended`, then the horizontal pass to normalised values, value = Σ taps × laneInvStd[l] + laneBias[l]: into
  // the rows lanePlane[l] (lanes 0..2: float32 NCHW destination rows, or a YUV plane's float rows; an area pass
  // writes only the plane's own lanes) or, with lanePlane null, into pixelRow.
  void ResizeRow(const uint8_t* plane, size_t stride, int y, int outW, int outH, const float* laneBias,
                 uint8_t* const* lanePlane) {
    const size_t spanBytes = static_cast<size_t>(xTaps.hi - xTaps.lo) * bpp;
    auto sourceSpan = [&](int row) {
      return plane + static_cast<size_t>(row) * stride + static_cast<size_t>(xTaps.lo) * bpp;
    };
    float* b = blended.data();
    // Vertical: blend the tapped source rows over the needed column span. `rowScale` is applied after the
    // horizontal pass (1 for normalised weights, 1/Σoverlap for the integer area sum).
    float rowScale = 1.0f;
    const size_t tapBase = static_cast<size_t>(y) * yTaps.stride;
    const int inner = yTaps.area ? yTaps.innerCount[y] : 0;
    // 257 × 255 is the largest sum a uint16 holds.
    if (inner >= 2 && inner <= 257) {
      // Area shrink: interior rows (weight exactly 1) are summed with integer adds; the ≤ 2 partial edge rows
      // are added in float with their overlap weights.
      const int first = yTaps.innerFirst[y];
      uint16_t* acc = rowSum.data();
      const uint8_t* s = sourceSpan(yTaps.start[y] + first);
      for (size_t i = 0; i < spanBytes; ++i) acc[i] = s[i];
      for (int k = first + 1; k < first + inner; ++k) {
        s = sourceSpan(yTaps.start[y] + k);
        for (size_t i = 0; i < spanBytes; ++i) acc[i] = static_cast<uint16_t>(acc[i] + s[i]);
      }
      for (size_t i = 0; i < spanBytes; ++i) b[i] = static_cast<float>(acc[i]);
      for (int k = 0; k < yTaps.count[y]; ++k) {
        if (k >= first && k < first + inner) continue;
        const float w = yTaps.rawWeights[tapBase + k];
        s = sourceSpan(yTaps.start[y] + k);
        for (size_t i = 0; i < spanBytes; ++i) b[i] += w * ByteToFloat(s[i]);
      }
      rowScale = yTaps.invRawSum[y];
    } else if (yTaps.count[y] <= 2) {
      // Bilinear.
      const int n = yTaps.count[y];
      const uint8_t* s0 = sourceSpan(yTaps.start[y]);
      const uint8_t* s1 = sourceSpan(yTaps.start[y] + n - 1);
      const float w0 = yTaps.weights[tapBase], w1 = n == 2 ? yTaps.weights[tapBase + 1] : 0.0f;
      const bool hasNext = y + 1 < outH;
      const uint8_t* next0 = hasNext ? sourceSpan(yTaps.start[y + 1]) : s0;
      const uint8_t* next1 = hasNext ? sourceSpan(yTaps.start[y + 1] + yTaps.count[y + 1] - 1) : s1;
      BlendRows(s0, s1, w0, w1, n == 2, next0, next1, spanBytes, b);
    } else {
      const float* wy = &yTaps.weights[tapBase];
      for (int k = 0; k < yTaps.count[y]; ++k) {
        const uint8_t* s = sourceSpan(yTaps.start[y] + k);
        const float w = wy[k];
        if (k == 0) {
          for (size_t i = 0; i < spanBytes; ++i) b[i] = w * ByteToFloat(s[i]);
        } else {
          for (size_t i = 0; i < spanBytes; ++i) b[i] += w * ByteToFloat(s[i]);
        }
      }
    }
    // Horizontal, straight to normalised values.
    if (!xTaps.area) {
      HorizontalTwoTap(b, xOffset0.data(), xOffset1.data(), xLaneWeight0.data(), xLaneWeight1.data(), rowScale,
                       laneBias, outW, pixelRow.data(), lanePlane);
    } else {
      float laneScale[4];
      for (int l = 0; l < 4; ++l) laneScale[l] = rowScale * laneInvStd[l];
      if (bpp == 1) {
        HorizontalArea<1>(b, xTaps, bpp, laneScale, laneBias, outW, pixelRow.data(), lanePlane);
      } else if (bpp == 2) {
        HorizontalArea<2>(b, xTaps, bpp, laneScale, laneBias, outW, pixelRow.data(), lanePlane);
      } else {
        HorizontalArea<4>(b, xTaps, bpp, laneScale, laneBias, outW, pixelRow.data(), lanePlane);
      }
    }
  }
};

struct Preprocessor::Impl {
  InputSpec spec;
  float invStd[3];
  float bias[3];  // −mean / std
  size_t outputBytes = 0;

  PlaneResize packed;             // RGBA / BGRA / RGB images
  PlaneResize luma, chroma;       // NV21 / NV12 frames: the Y plane and the VU / UV plane
  std::vector<float> rowOut;      // identity and YUV paths: 3 planes × width of normalised values
  std::vector<float> rowYuv;      // YUV path: 6 rows × width: resized Y, the 2 chroma lanes, 3 for unused lanes
  std::vector<uint8_t> rowTyped;  // one output row (NCHW: one channel; NHWC: interleaved), in the output dtype
  float lut[3][256];              // identity path: byte → normalised value per output channel
  // Rotated images: the pipeline for the turned output size (90, 270; made on the first such run) and the
  // model-sized tensor it writes before the turn (kept, so steady-state runs allocate nothing).
  std::unique_ptr<Impl> turned;
  std::vector<uint8_t> unturned;

  // The crop window of a srcW × srcH source: the centred square of centerCrop × the shorter side, or all of it.
  void Window(int srcW, int srcH, double* wx0, double* wy0, double* wlen, double* hlen) const {
    *wx0 = 0, *wy0 = 0, *wlen = srcW, *hlen = srcH;
    if (spec.centerCrop < 1.0f) {
      const double side = spec.centerCrop * static_cast<double>(std::min(srcW, srcH));
      *wx0 = (srcW - side) / 2, *wy0 = (srcH - side) / 2, *wlen = side, *hlen = side;
    }
  }

  Status RunUpright(const ImageView& image, uint8_t* out) {
    return IsYuv420sp(image.format) ? RunYuv(image, out) : RunPacked(image, out);
  }
  Status RunRotated(const ImageView& image, uint8_t* out);
  Status RunPacked(const ImageView& image, uint8_t* out);
  Status RunYuv(const ImageView& image, uint8_t* out);

  // Writes output row y from the normalised values channel[c][x * inStep] (c in output channel order). inStep is a
  // template argument so each copy loop is compiled for its stride (a runtime stride kept the planar copies scalar:
  // 224×224 identity 0.080 → 0.124 ms).
  template <int inStep>
  void EmitRow(int y, const float* const channel[3], uint8_t* dst) {
    const int outW = spec.width, outH = spec.height;
    const size_t es = DTypeSize(spec.dtype);
    if (spec.layout == Layout::kNCHW && spec.dtype == DType::kFloat32) {
      // Straight into the destination planes; memcpy because dst may be unaligned.
      for (int c = 0; c < 3; ++c) {
        uint8_t* d = dst + ((static_cast<size_t>(c) * outH + y) * outW) * sizeof(float);
        const float* v = channel[c];
        for (int x = 0; x < outW; ++x) std::memcpy(d + x * sizeof(float), &v[x * inStep], sizeof(float));
      }
    } else if (spec.layout == Layout::kNCHW) {
      for (int c = 0; c < 3; ++c) {
        ConvertSpan(channel[c], inStep, 1, outW, rowTyped.data());
        std::memcpy(dst + ((static_cast<size_t>(c) * outH + y) * outW) * es, rowTyped.data(), outW * es);
      }
    } else {
      for (int c = 0; c < 3; ++c) ConvertSpan(channel[c], inStep, 3, outW, rowTyped.data() + c * es);
      std::memcpy(dst + static_cast<size_t>(y) * outW * 3 * es, rowTyped.data(), static_cast<size_t>(outW) * 3 * es);
    }
  }

  // n values v[i * inStep] → dtype elements written every `outStep` elements at out (aligned scratch).
  void ConvertSpan(const float* v, int inStep, int outStep, int n, uint8_t* out) const {
    switch (spec.dtype) {
      case DType::kFloat32: {
        float* o = reinterpret_cast<float*>(out);
        for (int i = 0; i < n; ++i) o[i * outStep] = v[i * inStep];
        break;
      }
      case DType::kFloat16: {
        uint16_t* o = reinterpret_cast<uint16_t*>(out);
        for (int i = 0; i < n; ++i) o[i * outStep] = FloatToHalf(v[i * inStep]);
        break;
      }
      case DType::kInt8:
      case DType::kUint8: {
        const bool s8 = spec.dtype == DType::kInt8;
        const float inv = 1.0f / spec.quant->scale;
        const int zp = spec.quant->zeroPoint;
        const float lo = (s8 ? -128.0f : 0.0f) - zp, hi = (s8 ? 127.0f : 255.0f) - zp;
        for (int i = 0; i < n; ++i) {
          // Saturate before rounding (keeps the magic-number rounding in range), then add the zero point.
          const float x = std::min(std::max(v[i * inStep] * inv, lo), hi);
          const int q = static_cast<int>(RoundHalfEven(x)) + zp;
          if (s8) {
            out[i * outStep] = static_cast<uint8_t>(static_cast<int8_t>(q));
          } else {
            out[i * outStep] = static_cast<uint8_t>(q);
          }
        }
        break;
      }
    }
  }
};

Preprocessor::Preprocessor() = default;
Preprocessor::~Preprocessor() = default;
Preprocessor::Preprocessor(Preprocessor&&) noexcept = default;
Preprocessor& Preprocessor::operator=(Preprocessor&&) noexcept = default;

Result<Preprocessor> Preprocessor::Create(const InputSpec& spec) {
  Status valid = ValidateInputSpec(spec, "input");
  if (!valid.ok()) return valid;
  Preprocessor p;
  p.impl_ = std::make_unique<Impl>();
  Impl& im = *p.impl_;
  im.spec = spec;
  for (int c = 0; c < 3; ++c) {
    im.invStd[c] = 1.0f / spec.std[c];
    im.bias[c] = -spec.mean[c] / spec.std[c];
    for (int v = 0; v < 256; ++v) im.lut[c][v] = (static_cast<float>(v) - spec.mean[c]) / spec.std[c];
  }
  im.outputBytes = static_cast<size_t>(spec.width) * spec.height * 3 * DTypeSize(spec.dtype);
  im.rowOut.assign(static_cast<size_t>(spec.width) * 3, 0.0f);
  im.rowYuv.assign(static_cast<size_t>(spec.width) * 6, 0.0f);
  im.rowTyped.assign(static_cast<size_t>(spec.width) * 3 * DTypeSize(spec.dtype), 0);
  return p;
}

Status Preprocessor::Impl::RunRotated(const ImageView& image, uint8_t* out) {
  Impl* pipeline = this;
  if (image.rotation != 180) {
    if (!turned) {
      InputSpec turnedSpec = spec;
      std::swap(turnedSpec.width, turnedSpec.height);
      Result<Preprocessor> made = Preprocessor::Create(turnedSpec);
      if (!made.ok()) return made.status();
      turned = std::move(made->impl_);
    }
    pipeline = turned.get();
  }
  unturned.resize(outputBytes);
  Status s = pipeline->RunUpright(image, unturned.data());
  if (!s.ok()) return s;
  const size_t es = DTypeSize(spec.dtype);
  if (spec.layout == Layout::kNHWC) {
    TurnPlane(unturned.data(), image.rotation, spec.width, spec.height, 3 * es, out);
    return Status::Ok();
  }
  const size_t plane = static_cast<size_t>(spec.width) * spec.height * es;
  for (int c = 0; c < 3; ++c)
    TurnPlane(unturned.data() + c * plane, image.rotation, spec.width, spec.height, es, out + c * plane);
  return Status::Ok();
}

size_t Preprocessor::OutputBytes() const { return impl_ ? impl_->outputBytes : 0; }
const InputSpec& Preprocessor::spec() const { return impl_->spec; }

Status Preprocessor::Run(const ImageView& image, void* dst, size_t dstBytes) {
  if (!impl_) return Status(kStep, code::kInternal, "preprocessor was not created");
  Impl& im = *impl_;
  Status valid = ValidateImage(image);
  if (!valid.ok()) return valid;
  if (dst == nullptr) return Status(kStep, code::kInvalidArgument, "destination buffer is null");
  if (dstBytes != im.outputBytes) {
    return Status(kStep, code::kInvalidArgument,
                  "destination has " + std::to_string(dstBytes) + " bytes, the input tensor needs " +
                      std::to_string(im.outputBytes) + " (3×" + std::to_string(im.spec.height) + "×" +
                      std::to_string(im.spec.width) + " " + DTypeName(im.spec.dtype) + ")");
  }
  uint8_t* out = static_cast<uint8_t*>(dst);
  return image.rotation == 0 ? im.RunUpright(image, out) : im.RunRotated(image, out);
}

Status Preprocessor::Impl::RunPacked(const ImageView& image, uint8_t* out) {
  const int bpp = static_cast<int>(RowBytes(image.format, 1));
  // Source byte offset within a pixel for each output channel (output channel order = spec.colorOrder).
  const bool srcIsBgr = image.format == PixelFormat::kBGRA8;
  const bool wantBgr = spec.colorOrder == ColorOrder::kBGR;
  int srcChannel[3];
  for (int c = 0; c < 3; ++c) srcChannel[c] = (srcIsBgr != wantBgr) ? 2 - c : c;
  const int outW = spec.width, outH = spec.height;

  if (spec.centerCrop >= 1.0f && image.width == outW && image.height == outH) {
    // Identity geometry: a table lookup per byte.
    float* planes[3] = {&rowOut[0], &rowOut[static_cast<size_t>(outW)], &rowOut[static_cast<size_t>(outW) * 2]};
    for (int y = 0; y < outH; ++y) {
      const uint8_t* row = image.data + static_cast<size_t>(y) * image.rowStride;
      for (int c = 0; c < 3; ++c) {
        const float* table = lut[c];
        float* p = planes[c];
        const uint8_t* s = row + srcChannel[c];
        // Unrolled: the 25-byte scalar loop ran at 0.080 or 0.113 ms (224×224) depending on where the build placed
        // it (identical machine code; a 64-byte boundary inside it cost 40%); 4 lookups per turn run at 0.075.
#pragma GCC unroll 4
        for (int x = 0; x < outW; ++x) p[x] = table[s[x * bpp]];
      }
      EmitRow<1>(y, planes, out);
    }
    return Status::Ok();
  }

  // Lane l of a pixel holds source byte l; output channel c reads lane srcChannel[c].
  float laneInvStd[4] = {0, 0, 0, 0}, laneBias[4] = {0, 0, 0, 0};
  for (int c = 0; c < 3; ++c) laneInvStd[srcChannel[c]] = invStd[c], laneBias[srcChannel[c]] = bias[c];
  double wx0, wy0, wlen, hlen;
  Window(image.width, image.height, &wx0, &wy0, &wlen, &hlen);
  packed.Prepare(image.width, image.height, bpp, wx0, wy0, wlen, hlen, outW, outH, laneInvStd);
  const float* pixelRow = packed.pixelRow.data();
  const float* channels[3] = {pixelRow + srcChannel[0], pixelRow + srcChannel[1], pixelRow + srcChannel[2]};
  const bool directF32 = spec.layout == Layout::kNCHW && spec.dtype == DType::kFloat32;
  for (int y = 0; y < outH; ++y) {
    if (directF32 && !packed.xTaps.area) {
      // float32 NCHW: straight into the destination planes, no EmitRow.
      uint8_t* lanePlane[3];
      for (int c = 0; c < 3; ++c) {
        lanePlane[srcChannel[c]] = out + ((static_cast<size_t>(c) * outH + y) * outW) * sizeof(float);
      }
      packed.ResizeRow(image.data, image.rowStride, y, outW, outH, laneBias, lanePlane);
      continue;
    }
    packed.ResizeRow(image.data, image.rowStride, y, outW, outH, laneBias, nullptr);
    EmitRow<4>(y, channels, out);
  }
  return Status::Ok();
}

// Each plane is resized on its own grid (the chroma plane as a width/2 × height/2 image under the halved window),
// then R, G, B come from the resized Y, U, V at each output pixel: one conversion per output pixel, not per source
// pixel, and every source byte read once. For an area shrink this equals converting first with each chroma sample
// repeated over its 2×2 pixels (AIPP's order) wherever no colour clips, the matrix being linear.
Status Preprocessor::Impl::RunYuv(const ImageView& image, uint8_t* out) {
  using C = YuvToRgbCoefficients;
  const int outW = spec.width, outH = spec.height;
  double wx0, wy0, wlen, hlen;
  Window(image.width, image.height, &wx0, &wy0, &wlen, &hlen);
  const float ones[4] = {1, 1, 1, 1}, zeros[4] = {0, 0, 0, 0};
  luma.Prepare(image.width, image.height, 1, wx0, wy0, wlen, hlen, outW, outH, ones);
  chroma.Prepare(image.width / 2, image.height / 2, 2, wx0 / 2, wy0 / 2, wlen / 2, hlen / 2, outW, outH, ones);
  const uint8_t* chromaPlane = image.data + image.rowStride * static_cast<size_t>(image.height);
  const int uLane = image.format == PixelFormat::kNV21 ? 1 : 0;  // NV21 pairs are V, U; NV12 pairs U, V
  // Output channel c is R, G, B (or B, G, R) = Y + kU[c] (U − 128) + kV[c] (V − 128), clamped, then normalised.
  const bool wantBgr = spec.colorOrder == ColorOrder::kBGR;
  constexpr float kScale = 1.0f / C::kOne;
  const float rgbU[3] = {0.0f, C::kGu * kScale, C::kBu * kScale}, rgbV[3] = {C::kRv * kScale, C::kGv * kScale, 0.0f};
  float kU[3], kV[3];
  for (int c = 0; c < 3; ++c) {
    const int rgb = wantBgr ? 2 - c : c;
    kU[c] = rgbU[rgb], kV[c] = rgbV[rgb];
  }
  float* planes[3] = {&rowOut[0], &rowOut[static_cast<size_t>(outW)], &rowOut[static_cast<size_t>(outW) * 2]};
  // The horizontal passes write planar rows: luma lane 0 → Y, chroma lanes 0 and 1 → VU or UV.
  uint8_t* row[6];
  for (int r = 0; r < 6; ++r) row[r] = reinterpret_cast<uint8_t*>(&rowYuv[static_cast<size_t>(r) * outW]);
  uint8_t* const lumaRows[3] = {row[0], row[3], row[4]};
  uint8_t* const chromaRows[3] = {row[1], row[2], row[5]};
  const float* ys = &rowYuv[0];
  const float* us = &rowYuv[static_cast<size_t>(1 + uLane) * outW];
  const float* vs = &rowYuv[static_cast<size_t>(2 - uLane) * outW];
  for (int y = 0; y < outH; ++y) {
    luma.ResizeRow(image.data, image.rowStride, y, outW, outH, zeros, lumaRows);
    chroma.ResizeRow(chromaPlane, image.rowStride, y, outW, outH, zeros, chromaRows);
    ConvertYuvRow(ys, us, vs, kU, kV, invStd, bias, outW, planes[0], planes[1], planes[2]);
    EmitRow<1>(y, planes, out);
  }
  return Status::Ok();
}

}  // namespace npulens
