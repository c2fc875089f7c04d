// Pre-processing checked against a deliberately plain reference: dense per-axis weights (a tent function for
// bilinear, exact box overlap for area), a double-precision double sum over every source pixel, and an
// explicit index formula per layout.
#include "core/preprocess.h"

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "core/fp16.h"

namespace npulens {
namespace {

struct TestImage {
  std::vector<uint8_t> bytes;
  ImageView view;
};

// Random bytes (for NV21/NV12 every Y, U, V combination, colours outside RGB's gamut included), padding 0xEE.
TestImage MakeImage(int w, int h, PixelFormat format, size_t padding, uint32_t seed) {
  TestImage im;
  const size_t rowBytes = RowBytes(format, w), rows = RowCount(format, h);
  const size_t stride = rowBytes + padding;
  im.bytes.assign(stride * (rows - 1) + rowBytes, 0xEE);
  std::mt19937 rng(seed);
  for (size_t y = 0; y < rows; ++y) {
    for (size_t i = 0; i < rowBytes; ++i) im.bytes[y * stride + i] = static_cast<uint8_t>(rng() & 0xff);
  }
  im.view = {im.bytes.data(), im.bytes.size(), w, h, stride, format};
  return im;
}

// The plane of w × h pixels of bpp bytes (rows `stride` apart) turned clockwise by `rotation`, rows packed: upright
// pixel (x, y) is source pixel (y, h-1-x) at 90°, (w-1-x, h-1-y) at 180°, (w-1-y, x) at 270°.
void TurnPlaneNaively(const uint8_t* plane, size_t stride, int bpp, int w, int h, int rotation, uint8_t* out) {
  const int uw = rotation % 180 == 0 ? w : h, uh = rotation % 180 == 0 ? h : w;
  for (int y = 0; y < uh; ++y) {
    for (int x = 0; x < uw; ++x) {
      const int sx = rotation == 90 ? y : rotation == 180 ? w - 1 - x : rotation == 270 ? w - 1 - y : x;
      const int sy = rotation == 90 ? h - 1 - x : rotation == 180 ? h - 1 - y : rotation == 270 ? x : y;
      std::memcpy(out + (static_cast<size_t>(y) * uw + x) * bpp, plane + sy * stride + sx * bpp, bpp);
    }
  }
}

// The image a rotated view shows: a copy turned by view.rotation (NV21/NV12: the Y plane and the chroma plane each
// turned, chroma pairs kept), rotation 0.
TestImage Upright(const TestImage& im) {
  const ImageView& v = im.view;
  const int uw = v.rotation % 180 == 0 ? v.width : v.height, uh = v.rotation % 180 == 0 ? v.height : v.width;
  TestImage up;
  up.bytes.assign(RowBytes(v.format, uw) * RowCount(v.format, uh), 0);
  if (IsYuv420sp(v.format)) {
    TurnPlaneNaively(v.data, v.rowStride, 1, v.width, v.height, v.rotation, up.bytes.data());
    TurnPlaneNaively(v.data + v.rowStride * v.height, v.rowStride, 2, v.width / 2, v.height / 2, v.rotation,
                     up.bytes.data() + static_cast<size_t>(uw) * uh);
  } else {
    const int bpp = static_cast<int>(RowBytes(v.format, 1));
    TurnPlaneNaively(v.data, v.rowStride, bpp, v.width, v.height, v.rotation, up.bytes.data());
  }
  up.view = {up.bytes.data(), up.bytes.size(), uw, uh, RowBytes(v.format, uw), v.format};
  return up;
}

// Dense weights of source pixels 0..len-1 for output i along one axis.
std::vector<double> RefWeights(int len, double winStart, double winLen, int outLen, int i) {
  std::vector<double> w(len, 0.0);
  const double scale = winLen / outLen;
  if (scale > 2.0) {
    const double a = winStart + i * scale, b = winStart + (i + 1) * scale;
    for (int j = 0; j < len; ++j) w[j] = std::max(0.0, std::min(b, j + 1.0) - std::max(a, double(j))) / (b - a);
  } else {
    const double s = std::min(std::max(winStart + (i + 0.5) * scale - 0.5, 0.0), len - 1.0);
    for (int j = 0; j < len; ++j) w[j] = std::max(0.0, 1.0 - std::fabs(j - s));
  }
  return w;
}

// Resized value of byte `offset` of the pixels of a w × h plane (bpp bytes per pixel, rows `stride` apart) at output
// pixel (x, y), reading the window [x0, x0 + wl) × [y0, y0 + hl).
double RefSample(const uint8_t* plane, size_t stride, int bpp, int offset, int w, int h, double x0, double y0,
                 double wl, double hl, const InputSpec& spec, int x, int y) {
  const std::vector<double> wx = RefWeights(w, x0, wl, spec.width, x);
  const std::vector<double> wy = RefWeights(h, y0, hl, spec.height, y);
  double sum = 0;
  for (int sy = 0; sy < h; ++sy) {
    if (wy[sy] == 0) continue;
    for (int sx = 0; sx < w; ++sx) {
      if (wx[sx] == 0) continue;
      sum += wy[sy] * wx[sx] * plane[sy * stride + sx * bpp + offset];
    }
  }
  return sum;
}

// Reference value (normalised, in output channel order) of output pixel (x, y), channel c.
double RefValue(const TestImage& im, const InputSpec& spec, int x, int y, int c) {
  const ImageView& v = im.view;
  double x0 = 0, y0 = 0, wl = v.width, hl = v.height;
  if (spec.centerCrop < 1) {
    const double side = spec.centerCrop * std::min(v.width, v.height);
    x0 = (v.width - side) / 2, y0 = (v.height - side) / 2, wl = hl = side;
  }
  const int rgbIndex = spec.colorOrder == ColorOrder::kRGB ? c : 2 - c;
  if (IsYuv420sp(v.format)) {
    // Y resized on the full grid, U and V on the half-size chroma plane under the halved window, then the CANN Kit
    // AIPP guide's JPEG csc_func matrix (/ 256), written out here rather than taken from core/yuv.h.
    const double luma = RefSample(v.data, v.rowStride, 1, 0, v.width, v.height, x0, y0, wl, hl, spec, x, y);
    const uint8_t* chroma = v.data + v.rowStride * v.height;
    const int uOffset = v.format == PixelFormat::kNV21 ? 1 : 0;
    const int cw = v.width / 2, ch = v.height / 2;
    const double u =
        RefSample(chroma, v.rowStride, 2, uOffset, cw, ch, x0 / 2, y0 / 2, wl / 2, hl / 2, spec, x, y) - 128;
    const double vv =
        RefSample(chroma, v.rowStride, 2, 1 - uOffset, cw, ch, x0 / 2, y0 / 2, wl / 2, hl / 2, spec, x, y) - 128;
    const double rgb[3] = {luma + 359 / 256.0 * vv, luma - 88 / 256.0 * u - 183 / 256.0 * vv, luma + 454 / 256.0 * u};
    return (std::min(std::max(rgb[rgbIndex], 0.0), 255.0) - spec.mean[c]) / spec.std[c];
  }
  // Source byte offset of channel c: RGB order in RGBA/RGB, reversed in BGRA; the model wants spec.colorOrder.
  const int offset = v.format == PixelFormat::kBGRA8 ? 2 - rgbIndex : rgbIndex;
  const int bpp = static_cast<int>(RowBytes(v.format, 1));
  const double sum = RefSample(v.data, v.rowStride, bpp, offset, v.width, v.height, x0, y0, wl, hl, spec, x, y);
  return (sum - spec.mean[c]) / spec.std[c];
}

size_t OutIndex(const InputSpec& s, int x, int y, int c) {
  return s.layout == Layout::kNCHW ? (static_cast<size_t>(c) * s.height + y) * s.width + x
                                   : (static_cast<size_t>(y) * s.width + x) * 3 + c;
}

double RoundHalfEven(double v) { return v - std::floor(v) == 0.5 ? 2 * std::round(v / 2) : std::round(v); }

// Compares every output element with the reference; returns the number of compared elements.
void ExpectMatchesReference(const TestImage& im, const InputSpec& spec, const std::string& what) {
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok()) << pre.status().ToString();
  std::vector<uint8_t> out(pre->OutputBytes() + 3);
  uint8_t* dst = out.data() + 1;  // deliberately misaligned destination
  Status st = pre->Run(im.view, dst, pre->OutputBytes());
  ASSERT_TRUE(st.ok()) << st.ToString();
  // A rotated view is compared with the reference of the upright image.
  const TestImage upright = im.view.rotation == 0 ? TestImage{} : Upright(im);
  const TestImage& source = im.view.rotation == 0 ? im : upright;
  int worstLsb = 0;
  for (int y = 0; y < spec.height; ++y) {
    for (int x = 0; x < spec.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const double ref = RefValue(source, spec, x, y, c);
        const size_t i = OutIndex(spec, x, y, c);
        switch (spec.dtype) {
          case DType::kFloat32: {
            float got;
            std::memcpy(&got, dst + 4 * i, 4);
            ASSERT_NEAR(got, ref, 2e-4) << what << " x=" << x << " y=" << y << " c=" << c;
            break;
          }
          case DType::kFloat16: {
            uint16_t h;
            std::memcpy(&h, dst + 2 * i, 2);
            ASSERT_NEAR(HalfToFloat(h), ref, 2e-4 + std::fabs(ref) / 1024) << what << " x=" << x << " y=" << y;
            break;
          }
          case DType::kInt8:
          case DType::kUint8: {
            const bool s8 = spec.dtype == DType::kInt8;
            const double q =
                std::min(std::max(RoundHalfEven(ref / spec.quant->scale) + spec.quant->zeroPoint, s8 ? -128.0 : 0.0),
                         s8 ? 127.0 : 255.0);
            const int got = s8 ? static_cast<int8_t>(dst[i]) : dst[i];
            const int diff = std::abs(got - static_cast<int>(q));
            // ±1 only allowed where float vs double rounding can legitimately land on the other side.
            const double frac = std::fabs(ref / spec.quant->scale - std::floor(ref / spec.quant->scale) - 0.5);
            if (frac > 1e-3) {
              ASSERT_EQ(diff, 0) << what << " x=" << x << " y=" << y << " c=" << c << " ref=" << ref;
            }
            worstLsb = std::max(worstLsb, diff);
            break;
          }
        }
      }
    }
  }
  EXPECT_LE(worstLsb, 1) << what;
}

InputSpec BaseSpec(int w, int h) {
  InputSpec s;
  s.width = w, s.height = h;
  s.mean[0] = 123.675f, s.mean[1] = 116.28f, s.mean[2] = 103.53f;
  s.std[0] = 58.395f, s.std[1] = 57.12f, s.std[2] = 57.375f;
  return s;
}

struct Geometry {
  int srcW, srcH;
  size_t padding;
  int outW, outH;
  float crop;
  const char* what;
};

// Every layout, dtype and channel order of the model input for one image of geometry g, against the reference.
void ExpectEverySpecMatchesReference(const TestImage& im, const Geometry& g, PixelFormat f) {
  for (Layout layout : {Layout::kNCHW, Layout::kNHWC}) {
    for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kUint8}) {
      for (ColorOrder order : {ColorOrder::kRGB, ColorOrder::kBGR}) {
        InputSpec spec = BaseSpec(g.outW, g.outH);
        spec.layout = layout, spec.dtype = dtype, spec.colorOrder = order, spec.centerCrop = g.crop;
        if (dtype == DType::kInt8) spec.quant = QuantParams{0.0187f, -14};
        if (dtype == DType::kUint8) spec.quant = QuantParams{0.02f, 120};
        const std::string what = std::string(g.what) + " " + PixelFormatName(f) + " " + LayoutName(layout) + " " +
                                 DTypeName(dtype) + " " + ColorOrderName(order);
        ExpectMatchesReference(im, spec, what);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Each geometry in each format, turned by each rotation (0: upright), against the reference: one image per case, made
// from the seeds counting up from `seed`.
void ExpectEveryImageMatchesReference(const std::vector<Geometry>& geometries,
                                      std::initializer_list<PixelFormat> formats, std::initializer_list<int> rotations,
                                      uint32_t seed) {
  for (const Geometry& g : geometries) {
    for (PixelFormat f : formats) {
      for (int rotation : rotations) {
        TestImage im = MakeImage(g.srcW, g.srcH, f, g.padding, seed++);
        im.view.rotation = rotation;
        SCOPED_TRACE("rotation " + std::to_string(rotation));
        ExpectEverySpecMatchesReference(im, g, f);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(PreprocessTest, MatchesReferenceForAllFormatsLayoutsDtypesAndGeometries) {
  const std::vector<Geometry> geometries = {
      {16, 12, 0, 16, 12, 1.0f, "identity"},
      {16, 12, 7, 16, 12, 1.0f, "identity, padded stride"},
      {7, 5, 3, 16, 13, 1.0f, "upscale odd sizes"},
      {37, 23, 5, 16, 12, 1.0f, "x area (2.3x), y bilinear (1.9x)"},
      {23, 37, 4, 12, 16, 1.0f, "y area (2.3x, mixed integer/float rows), x bilinear"},
      {61, 53, 1, 9, 7, 1.0f, "area both axes (>6x)"},
      {40, 30, 2, 12, 12, 0.75f, "centre crop then shrink"},
      {9, 31, 0, 5, 5, 0.5f, "centre crop of a tall image"},
      {1, 1, 0, 3, 2, 1.0f, "single pixel"},
  };
  ExpectEveryImageMatchesReference(geometries, {PixelFormat::kRGBA8, PixelFormat::kBGRA8, PixelFormat::kRGB8}, {0}, 1);
}

TEST(PreprocessTest, Nv21AndNv12MatchReferenceForAllLayoutsDtypesAndGeometries) {
  const std::vector<Geometry> geometries = {
      {16, 12, 0, 16, 12, 1.0f, "input size (chroma upscaled 2x)"},
      {16, 12, 5, 16, 12, 1.0f, "input size, padded stride"},
      {2, 2, 0, 3, 5, 1.0f, "tiny frame (one chroma sample)"},
      {6, 4, 1, 17, 9, 1.0f, "upscale to odd output sizes"},
      {38, 24, 3, 16, 11, 1.0f, "x area (2.4x; chroma bilinear), y bilinear (2.2x)"},
      {62, 54, 0, 9, 7, 1.0f, "area both axes (>6x; chroma >3x)"},
      {120, 68, 2, 13, 13, 0.875f, "camera-like crop then shrink"},
      {10, 32, 0, 5, 5, 0.5f, "centre crop of a tall frame"},
  };
  ExpectEveryImageMatchesReference(geometries, {PixelFormat::kNV21, PixelFormat::kNV12}, {0}, 500);
}

TEST(PreprocessTest, RotatedImagesMatchTheReferenceOfTheUprightImage) {
  // Non-square outputs, crops and area/bilinear axes, every rotation, both layouts (and every dtype and order).
  const std::vector<Geometry> geometries = {
      {16, 12, 3, 9, 14, 1.0f, "stretch to a tall output"},
      {38, 24, 2, 16, 11, 1.0f, "x area, y bilinear, wide output"},
      {40, 30, 0, 12, 7, 0.75f, "centre crop then shrink to a wide output"},
      {10, 32, 1, 6, 5, 0.5f, "centre crop of a tall frame"},
  };
  ExpectEveryImageMatchesReference(geometries,
                                   {PixelFormat::kRGB8, PixelFormat::kRGBA8, PixelFormat::kNV21, PixelFormat::kNV12},
                                   {90, 180, 270}, 900);
}

TEST(PreprocessTest, RotationTurnsClockwise) {
  // A 2×1 image, red left and blue right, turned 90° clockwise into a 1×2 input: red on top. 270°: blue on top.
  const uint8_t pixels[] = {255, 0, 0, 0, 0, 255};
  InputSpec spec;
  spec.width = 1, spec.height = 2;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  float out[6];
  ImageView v{pixels, sizeof(pixels), 2, 1, 6, PixelFormat::kRGB8};
  v.rotation = 90;
  ASSERT_TRUE(pre->Run(v, out, sizeof(out)).ok());
  // NCHW: R plane (top, bottom), G plane, B plane.
  EXPECT_EQ(std::vector<float>(out, out + 6), (std::vector<float>{255, 0, 0, 0, 0, 255}));
  v.rotation = 270;
  ASSERT_TRUE(pre->Run(v, out, sizeof(out)).ok());
  EXPECT_EQ(std::vector<float>(out, out + 6), (std::vector<float>{0, 255, 0, 0, 255, 0}));
}

TEST(PreprocessTest, BadCallRotationOtherThanQuarterTurns) {
  InputSpec spec = BaseSpec(4, 4);
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes());
  TestImage im = MakeImage(4, 4, PixelFormat::kRGBA8, 0, 7);
  for (int rotation : {45, -90, 360, 1}) {
    SCOPED_TRACE("BAD CALL - rotation " + std::to_string(rotation));
    im.view.rotation = rotation;
    EXPECT_EQ(pre->Run(im.view, out.data(), out.size()).ToString(),
              "preprocess: NPULENS_OUT_OF_RANGE (1001): image rotation " + std::to_string(rotation) +
                  " is not 0, 90, 180 or 270 (clockwise degrees)");
    EXPECT_EQ(ValidateImage(im.view).code(), code::kOutOfRange);
  }
}

TEST(PreprocessTest, ReusesTablesAcrossSourceSizes) {
  InputSpec spec = BaseSpec(8, 6);
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes());
  // Alternate sizes: a stale table would give wrong values (or out-of-bounds reads under ASan).
  for (int round = 0; round < 2; ++round) {
    for (int w : {50, 8, 13}) {
      const TestImage im = MakeImage(w, w - 2, PixelFormat::kRGBA8, 0, 77 + w);
      ASSERT_TRUE(pre->Run(im.view, out.data(), out.size()).ok());
      float v;
      std::memcpy(&v, out.data(), 4);
      EXPECT_NEAR(v, RefValue(im, spec, 0, 0, 0), 2e-4);
      std::memcpy(&v, out.data() + out.size() - 4, 4);
      EXPECT_NEAR(v, RefValue(im, spec, 7, 5, 2), 2e-4);
    }
  }
}

TEST(PreprocessTest, ReusesTablesAcrossPixelFormatsOfOneSize) {
  // Same size, formats changing: the bilinear x offsets are in bytes of a pixel and the x weights carry each
  // byte's 1/std, so a table kept from the previous format would read the wrong bytes (or past the row under
  // ASan) or normalise R with B's std (RGBA → BGRA); an NV21/NV12 frame between them resizes two planes of its
  // own sizes.
  InputSpec spec = BaseSpec(7, 5);
  spec.centerCrop = 0.875f;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes());
  for (PixelFormat f : {PixelFormat::kRGBA8, PixelFormat::kNV21, PixelFormat::kBGRA8, PixelFormat::kRGB8,
                        PixelFormat::kNV12, PixelFormat::kRGBA8, PixelFormat::kNV21}) {
    const TestImage im = MakeImage(12, 10, f, 0, 300 + static_cast<uint32_t>(f));
    ASSERT_TRUE(pre->Run(im.view, out.data(), out.size()).ok());
    for (int y = 0; y < spec.height; ++y) {
      for (int x = 0; x < spec.width; ++x) {
        for (int c = 0; c < 3; ++c) {
          float v;
          std::memcpy(&v, out.data() + 4 * OutIndex(spec, x, y, c), 4);
          ASSERT_NEAR(v, RefValue(im, spec, x, y, c), 2e-4) << PixelFormatName(f) << " x=" << x << " y=" << y;
        }
      }
    }
  }
}

// Identity geometry with mean 0 and std 1: the value is the pixel itself, so quantization is exact to check.
std::vector<uint8_t> QuantizePixels(const std::vector<uint8_t>& pixels, DType dtype, float mean, float scale, int zp) {
  InputSpec spec;
  spec.width = static_cast<int>(pixels.size()), spec.height = 1;
  spec.layout = Layout::kNHWC;
  spec.dtype = dtype;
  for (int c = 0; c < 3; ++c) spec.mean[c] = mean, spec.std[c] = 1;
  spec.quant = QuantParams{scale, zp};
  std::vector<uint8_t> rgb;
  for (uint8_t p : pixels) rgb.insert(rgb.end(), {p, p, p});
  ImageView view{rgb.data(), rgb.size(), spec.width, 1, rgb.size(), PixelFormat::kRGB8};
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  EXPECT_TRUE(pre.ok()) << pre.status().ToString();
  std::vector<uint8_t> out(pre->OutputBytes());
  EXPECT_TRUE(pre->Run(view, out.data(), out.size()).ok());
  std::vector<uint8_t> firstChannel;
  for (size_t i = 0; i < pixels.size(); ++i) firstChannel.push_back(out[i * 3]);
  return firstChannel;
}

TEST(PreprocessTest, QuantizationRoundsHalfToEven) {
  // scale 2: pixel/2 = 0.5, 1.5, 2.5, 3.5, 1, 127.5 → 0, 2, 2, 4, 1, 128
  EXPECT_EQ(QuantizePixels({1, 3, 5, 7, 2, 255}, DType::kUint8, 0, 2, 0), (std::vector<uint8_t>{0, 2, 2, 4, 1, 128}));
  // Negative halves: (0 − 3)/2 = −1.5 → −2, (2 − 3)/2 = −0.5 → −0, (0 - 5)/2 = -2.5 → -2; zero point 10.
  EXPECT_EQ(QuantizePixels({0, 2, 1, 4}, DType::kInt8, 3, 2, 10), (std::vector<uint8_t>{8, 10, 9, 10}));
  EXPECT_EQ(QuantizePixels({0}, DType::kInt8, 5, 2, 0), (std::vector<uint8_t>{static_cast<uint8_t>(-2)}));
}

TEST(PreprocessTest, QuantizationSaturates) {
  // int8, zp 0, scale 1: 200 → 127; mean 255: 0 − 255 → −128.
  EXPECT_EQ(QuantizePixels({200, 127, 128}, DType::kInt8, 0, 1, 0), (std::vector<uint8_t>{127, 127, 127}));
  EXPECT_EQ(QuantizePixels({0}, DType::kInt8, 255, 1, 0), (std::vector<uint8_t>{static_cast<uint8_t>(-128)}));
  // uint8: negatives clamp to 0, overflow to 255 (zero point pushes past 255).
  EXPECT_EQ(QuantizePixels({0, 255}, DType::kUint8, 100, 1, 50), (std::vector<uint8_t>{0, 205}));
  EXPECT_EQ(QuantizePixels({250}, DType::kUint8, 0, 1, 10), (std::vector<uint8_t>{255}));
  // Tiny scale: values far beyond the int range must still saturate (no overflow in the rounding).
  EXPECT_EQ(QuantizePixels({255, 0}, DType::kInt8, 128, 1e-6f, 0),
            (std::vector<uint8_t>{127, static_cast<uint8_t>(-128)}));
}

class PreprocessBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Preprocessor> p = Preprocessor::Create(BaseSpec(4, 4));
    ASSERT_TRUE(p.ok());
    pre_ = std::move(p.value());
    out_.resize(pre_.OutputBytes());
    pixels_.resize(64 * 64 * 4);
  }
  Status RunWith(ImageView v) { return pre_.Run(v, out_.data(), out_.size()); }
  ImageView Good() { return {pixels_.data(), pixels_.size(), 8, 8, 32, PixelFormat::kRGBA8}; }

  Preprocessor pre_;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> pixels_;
};

TEST_F(PreprocessBadInputTest, RejectsEachBadFieldWithAClearError) {
  EXPECT_TRUE(RunWith(Good()).ok());

  ImageView v = Good();
  v.data = nullptr;
  EXPECT_EQ(RunWith(v).ToString(), "preprocess: NPULENS_INVALID_ARGUMENT (1000): image data is null");

  v = Good(), v.width = 0;
  EXPECT_EQ(RunWith(v).ToString(), "preprocess: NPULENS_OUT_OF_RANGE (1001): image size 0x8 must be > 0");
  v = Good(), v.height = -3;
  EXPECT_EQ(RunWith(v).code(), code::kOutOfRange);
  v = Good(), v.width = 16385, v.rowStride = 16385 * 4;
  EXPECT_EQ(RunWith(v).ToString(), "preprocess: NPULENS_OUT_OF_RANGE (1001): image size 16385x8 exceeds 16384x16384");

  v = Good(), v.rowStride = 31;
  EXPECT_EQ(RunWith(v).ToString(),
            "preprocess: NPULENS_OUT_OF_RANGE (1001): row stride 31 is less than width × 4 = 32 bytes (RGBA)");
  v = Good(), v.format = PixelFormat::kRGB8, v.rowStride = 23;
  EXPECT_EQ(RunWith(v).code(), code::kOutOfRange);

  v = Good(), v.height = 16384, v.rowStride = std::numeric_limits<size_t>::max() / 1000;
  EXPECT_EQ(RunWith(v).message(), "row stride " + std::to_string(v.rowStride) + " × height overflows");

  v = Good(), v.byteLength = 32 * 7 + 31;  // one byte short of stride × (h − 1) + w × 4
  EXPECT_EQ(RunWith(v).ToString(),
            "preprocess: NPULENS_INVALID_ARGUMENT (1000): image buffer has 255 bytes, needs 256 (stride 32 × 7 + 32)");
  v.byteLength = 256;  // exactly enough: the last row needs no padding
  EXPECT_TRUE(RunWith(v).ok());
}

TEST_F(PreprocessBadInputTest, RejectsWrongDestinationSize) {
  const ImageView v = Good();
  Status s = pre_.Run(v, out_.data(), out_.size() - 1);
  EXPECT_EQ(s.ToString(),
            "preprocess: NPULENS_INVALID_ARGUMENT (1000): destination has 191 bytes, the input tensor needs 192 "
            "(3×4×4 float32)");
  EXPECT_EQ(pre_.Run(v, out_.data(), out_.size() + 4).code(), code::kInvalidArgument);
  EXPECT_EQ(pre_.Run(v, nullptr, out_.size()).code(), code::kInvalidArgument);
}

TEST(PreprocessSpecTest, RejectsInvalidSpecs) {
  InputSpec s = BaseSpec(0, 4);
  EXPECT_EQ(Preprocessor::Create(s).status().code(), code::kOutOfRange);
  s = BaseSpec(4, 4);
  s.dtype = DType::kUint8;  // no quant
  EXPECT_EQ(Preprocessor::Create(s).status().code(), code::kInvalidArgument);
  s.quant = QuantParams{0, 0};
  EXPECT_EQ(Preprocessor::Create(s).status().code(), code::kOutOfRange);
}

TEST(PreprocessTest, HandlesTheLargestAcceptedSide) {
  // A 16384×1 strip (max side) shrinks without overflow or out-of-bounds reads.
  std::vector<uint8_t> pixels(16384 * 3, 200);
  ImageView v{pixels.data(), pixels.size(), 16384, 1, 16384 * 3, PixelFormat::kRGB8};
  InputSpec spec = BaseSpec(4, 4);
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes());
  ASSERT_TRUE(pre->Run(v, out.data(), out.size()).ok());
  float f;
  std::memcpy(&f, out.data(), 4);
  EXPECT_NEAR(f, (200 - spec.mean[0]) / spec.std[0], 1e-4);
}

}  // namespace
}  // namespace npulens
