// Image pre-processing (see core/preprocess.h for the pipeline).
//
// Implementation: per axis a table of taps (first source index, count, weights) is built once per source size:
// bilinear (≤ 2 taps, half-pixel centres, edge-clamped) or, when that axis shrinks by more than 2×, area
// averaging (every source pixel overlapping the output pixel's footprint, weighted by the overlap). The resize
// is separable: for each output row the vertical taps blend whole source rows (only the needed column span,
// all bytes of each pixel, a loop compilers vectorise) into a float row, then the horizontal taps produce the
// three output channels, which are normalised and converted in a small aligned row buffer and copied into the
// (possibly unaligned) destination. An unscaled, uncropped image takes a direct lookup-table path.
#include "core/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/fp16.h"

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

}  // namespace

const char* PixelFormatName(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGBA8: return "RGBA";
    case PixelFormat::kBGRA8: return "BGRA";
    case PixelFormat::kRGB8: return "RGB";
  }
  return "?";
}

size_t BytesPerPixel(PixelFormat f) { return f == PixelFormat::kRGB8 ? 3 : 4; }

Status ValidateImage(const ImageView& im) {
  if (im.data == nullptr) return Status(kStep, code::kInvalidArgument, "image data is null");
  if (im.width <= 0 || im.height <= 0) {
    return Status(kStep, code::kOutOfRange,
                  "image size " + std::to_string(im.width) + "x" + std::to_string(im.height) + " must be > 0");
  }
  if (im.width > kMaxImageSide || im.height > kMaxImageSide) {
    return Status(kStep, code::kOutOfRange,
                  "image size " + std::to_string(im.width) + "x" + std::to_string(im.height) + " exceeds " +
                      std::to_string(kMaxImageSide) + "x" + std::to_string(kMaxImageSide));
  }
  const size_t bpp = BytesPerPixel(im.format);
  const size_t rowBytes = static_cast<size_t>(im.width) * bpp;
  if (im.rowStride < rowBytes) {
    return Status(kStep, code::kOutOfRange,
                  "row stride " + std::to_string(im.rowStride) + " is less than width × " + std::to_string(bpp) +
                      " = " + std::to_string(rowBytes) + " bytes (" + PixelFormatName(im.format) + ")");
  }
  const size_t rows = static_cast<size_t>(im.height) - 1;
  if (rows > 0 && im.rowStride > (std::numeric_limits<size_t>::max() - rowBytes) / rows) {
    return Status(kStep, code::kOutOfRange, "row stride " + std::to_string(im.rowStride) + " × height overflows");
  }
  const size_t needed = im.rowStride * rows + rowBytes;
  if (im.byteLength < needed) {
    return Status(kStep, code::kInvalidArgument,
                  "image buffer has " + std::to_string(im.byteLength) + " bytes, needs " + std::to_string(needed) +
                      " (stride " + std::to_string(im.rowStride) + " × " + std::to_string(rows) + " + " +
                      std::to_string(rowBytes) + ")");
  }
  return Status::Ok();
}

struct Preprocessor::Impl {
  InputSpec spec;
  float invStd[3];
  float bias[3];  // −mean / std
  size_t outputBytes = 0;

  // Cached for the last source geometry.
  int cachedW = -1, cachedH = -1;
  bool identity = false;
  AxisTaps xTaps, yTaps;

  // Scratch, sized on geometry change only.
  std::vector<float> blended;  // one vertically blended source row span, all bytes of each pixel
  std::vector<uint16_t> rowSum;  // area path: integer sum of the interior rows over the span
  std::vector<float> rowOut;   // 3 planes × width: normalised values of one output row
  std::vector<uint8_t> rowTyped;  // one output row (NCHW: one channel; NHWC: interleaved), in the output dtype
  float lut[3][256];           // identity path: byte → normalised value per output channel

  void Prepare(int srcW, int srcH) {
    if (srcW == cachedW && srcH == cachedH) return;
    const int outW = spec.width, outH = spec.height;
    double wx0 = 0, wy0 = 0, wlen = srcW, hlen = srcH;
    if (spec.centerCrop < 1.0f) {
      const double side = spec.centerCrop * static_cast<double>(std::min(srcW, srcH));
      wx0 = (srcW - side) / 2, wy0 = (srcH - side) / 2, wlen = side, hlen = side;
    }
    identity = spec.centerCrop >= 1.0f && srcW == outW && srcH == outH;
    if (!identity) {
      BuildAxis(srcW, wx0, wlen, outW, xTaps);
      BuildAxis(srcH, wy0, hlen, outH, yTaps);
      blended.assign(static_cast<size_t>(xTaps.hi - xTaps.lo) * 4, 0.0f);
      if (yTaps.area) rowSum.assign(blended.size(), 0);
    }
    rowOut.assign(static_cast<size_t>(outW) * 3, 0.0f);
    rowTyped.assign(static_cast<size_t>(outW) * 3 * DTypeSize(spec.dtype), 0);
    cachedW = srcW, cachedH = srcH;
  }

  // Converts rowOut (3 planes) for output row y into dst.
  void EmitRow(int y, uint8_t* dst) {
    const int outW = spec.width, outH = spec.height;
    const size_t es = DTypeSize(spec.dtype);
    if (spec.layout == Layout::kNCHW) {
      for (int c = 0; c < 3; ++c) {
        ConvertSpan(&rowOut[static_cast<size_t>(c) * outW], 1, outW, rowTyped.data());
        std::memcpy(dst + ((static_cast<size_t>(c) * outH + y) * outW) * es, rowTyped.data(), outW * es);
      }
    } else {
      for (int c = 0; c < 3; ++c) ConvertSpan(&rowOut[static_cast<size_t>(c) * outW], 3, outW, rowTyped.data() + c * es);
      std::memcpy(dst + static_cast<size_t>(y) * outW * 3 * es, rowTyped.data(), static_cast<size_t>(outW) * 3 * es);
    }
  }

  // n values → dtype elements written every `step` elements at out (aligned scratch).
  void ConvertSpan(const float* v, int step, int n, uint8_t* out) const {
    switch (spec.dtype) {
      case DType::kFloat32: {
        float* o = reinterpret_cast<float*>(out);
        for (int i = 0; i < n; ++i) o[i * step] = v[i];
        break;
      }
      case DType::kFloat16: {
        uint16_t* o = reinterpret_cast<uint16_t*>(out);
        for (int i = 0; i < n; ++i) o[i * step] = FloatToHalf(v[i]);
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
          const float x = std::min(std::max(v[i] * inv, lo), hi);
          const int q = static_cast<int>(RoundHalfEven(x)) + zp;
          if (s8) {
            out[i * step] = static_cast<uint8_t>(static_cast<int8_t>(q));
          } else {
            out[i * step] = static_cast<uint8_t>(q);
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
  return p;
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
  im.Prepare(image.width, image.height);

  const int bpp = static_cast<int>(BytesPerPixel(image.format));
  // Source byte offset within a pixel for each output channel (output channel order = spec.colorOrder).
  const bool srcIsBgr = image.format == PixelFormat::kBGRA8;
  const bool wantBgr = im.spec.colorOrder == ColorOrder::kBGR;
  int srcChannel[3];
  for (int c = 0; c < 3; ++c) srcChannel[c] = (srcIsBgr != wantBgr) ? 2 - c : c;

  const int outW = im.spec.width, outH = im.spec.height;
  uint8_t* out = static_cast<uint8_t*>(dst);
  float* planes[3] = {&im.rowOut[0], &im.rowOut[static_cast<size_t>(outW)], &im.rowOut[static_cast<size_t>(outW) * 2]};

  if (im.identity) {
    for (int y = 0; y < outH; ++y) {
      const uint8_t* row = image.data + static_cast<size_t>(y) * image.rowStride;
      for (int c = 0; c < 3; ++c) {
        const float* lut = im.lut[c];
        float* p = planes[c];
        const uint8_t* s = row + srcChannel[c];
        for (int x = 0; x < outW; ++x) p[x] = lut[s[x * bpp]];
      }
      im.EmitRow(y, out);
    }
    return Status::Ok();
  }

  const AxisTaps& xt = im.xTaps;
  const AxisTaps& yt = im.yTaps;
  const size_t spanBytes = static_cast<size_t>(xt.hi - xt.lo) * bpp;
  float* blended = im.blended.data();
  auto sourceSpan = [&](int row) {
    return image.data + static_cast<size_t>(row) * image.rowStride + static_cast<size_t>(xt.lo) * bpp;
  };
  for (int y = 0; y < outH; ++y) {
    // Vertical: blend the tapped source rows over the needed column span. `rowScale` is applied after the
    // horizontal pass (1 for normalised weights, 1/Σoverlap for the integer area sum).
    float rowScale = 1.0f;
    const size_t tapBase = static_cast<size_t>(y) * yt.stride;
    const int inner = yt.area ? yt.innerCount[y] : 0;
    // 257 × 255 is the largest sum a uint16 holds.
    if (inner >= 2 && inner <= 257) {
      // Area shrink: interior rows (weight exactly 1) are summed with integer adds; the ≤ 2 partial edge rows
      // are added in float with their overlap weights.
      const int first = yt.innerFirst[y];
      uint16_t* acc = im.rowSum.data();
      const uint8_t* s = sourceSpan(yt.start[y] + first);
      for (size_t i = 0; i < spanBytes; ++i) acc[i] = s[i];
      for (int k = first + 1; k < first + inner; ++k) {
        s = sourceSpan(yt.start[y] + k);
        for (size_t i = 0; i < spanBytes; ++i) acc[i] = static_cast<uint16_t>(acc[i] + s[i]);
      }
      for (size_t i = 0; i < spanBytes; ++i) blended[i] = static_cast<float>(acc[i]);
      for (int k = 0; k < yt.count[y]; ++k) {
        if (k >= first && k < first + inner) continue;
        const float w = yt.rawWeights[tapBase + k];
        s = sourceSpan(yt.start[y] + k);
        for (size_t i = 0; i < spanBytes; ++i) blended[i] += w * static_cast<float>(s[i]);
      }
      rowScale = yt.invRawSum[y];
    } else {
      const float* wy = &yt.weights[tapBase];
      for (int k = 0; k < yt.count[y]; ++k) {
        const uint8_t* s = sourceSpan(yt.start[y] + k);
        const float w = wy[k];
        if (k == 0) {
          for (size_t i = 0; i < spanBytes; ++i) blended[i] = w * static_cast<float>(s[i]);
        } else {
          for (size_t i = 0; i < spanBytes; ++i) blended[i] += w * static_cast<float>(s[i]);
        }
      }
    }
    const float scale0 = rowScale * im.invStd[0], scale1 = rowScale * im.invStd[1], scale2 = rowScale * im.invStd[2];
    // Horizontal: output pixels from the blended span, then normalise.
    for (int x = 0; x < outW; ++x) {
      const float* wx = &xt.weights[static_cast<size_t>(x) * xt.stride];
      const float* b = blended + static_cast<size_t>(xt.start[x] - xt.lo) * bpp;
      const int n = xt.count[x];
      float s0 = 0, s1 = 0, s2 = 0;
      for (int k = 0; k < n; ++k) {
        const float* px = b + static_cast<size_t>(k) * bpp;
        s0 += wx[k] * px[srcChannel[0]];
        s1 += wx[k] * px[srcChannel[1]];
        s2 += wx[k] * px[srcChannel[2]];
      }
      planes[0][x] = s0 * scale0 + im.bias[0];
      planes[1][x] = s1 * scale1 + im.bias[1];
      planes[2][x] = s2 * scale2 + im.bias[2];
    }
    im.EmitRow(y, out);
  }
  return Status::Ok();
}

}  // namespace npulens
