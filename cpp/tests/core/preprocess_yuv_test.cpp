// NV21 / NV12 frames: the geometry rules (RowBytes, RowCount, ImageByteLength, ValidateImage), the RGB → YUV420SP
// encoder, and a frame pre-processed against the RGB image it was made from. (Preprocessor::Run on NV21/NV12 against
// the naive reference: preprocess_test.cpp, with the RGB formats' reference.)
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include <gtest/gtest.h>

#include "core/preprocess.h"
#include "core/yuv.h"

// Counts every operator new of this test binary while armed (SteadyStateRunsAllocateNothing).
namespace {
std::atomic<bool> gCountAllocations{false};
std::atomic<int> gAllocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (gCountAllocations.load()) ++gAllocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace npulens {
namespace {

TEST(PixelFormatTest, NamesAndRowGeometryOfEveryFormat) {
  EXPECT_STREQ(PixelFormatName(PixelFormat::kNV21), "NV21");
  EXPECT_STREQ(PixelFormatName(PixelFormat::kNV12), "NV12");
  EXPECT_STREQ(PixelFormatName(PixelFormat::kRGB8), "RGB");
  EXPECT_TRUE(IsYuv420sp(PixelFormat::kNV21));
  EXPECT_TRUE(IsYuv420sp(PixelFormat::kNV12));
  EXPECT_FALSE(IsYuv420sp(PixelFormat::kRGBA8));
  EXPECT_EQ(RowBytes(PixelFormat::kRGBA8, 10), 40u);
  EXPECT_EQ(RowBytes(PixelFormat::kBGRA8, 10), 40u);
  EXPECT_EQ(RowBytes(PixelFormat::kRGB8, 10), 30u);
  EXPECT_EQ(RowBytes(PixelFormat::kNV21, 10), 10u);
  EXPECT_EQ(RowCount(PixelFormat::kRGBA8, 6), 6u);
  EXPECT_EQ(RowCount(PixelFormat::kNV12, 6), 9u);
}

TEST(PixelFormatTest, FrameByteLength) {
  // A packed 1080p camera frame: width × height × 3/2.
  Result<size_t> n = ImageByteLength(PixelFormat::kNV21, 1920, 1080, 1920);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1920u * 1080 * 3 / 2);
  // Padded rows: every row but the last chroma row carries the stride.
  n = ImageByteLength(PixelFormat::kNV12, 6, 4, 8);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8u * 5 + 6);
  n = ImageByteLength(PixelFormat::kRGBA8, 3, 2, 16);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 16u + 12);
}

TEST(PixelFormatTest, BadCallYuvGeometryIsRefusedWithAClearError) {
  std::vector<uint8_t> bytes(64 * 64);
  ImageView good{bytes.data(), 8 * 6 + 8, 8, 4, 8, PixelFormat::kNV21};
  ASSERT_TRUE(ValidateImage(good).ok());
  {
    SCOPED_TRACE("BAD CALL - odd width");
    ImageView v = good;
    v.width = 7;
    EXPECT_EQ(ValidateImage(v).ToString(),
              "preprocess: NPULENS_OUT_OF_RANGE (1001): NV21 frame size 7x4 must be even on both sides (one chroma "
              "sample per 2x2 pixels)");
  }
  {
    SCOPED_TRACE("BAD CALL - odd height");
    ImageView v = good;
    v.format = PixelFormat::kNV12, v.height = 3;
    EXPECT_EQ(ValidateImage(v).code(), code::kOutOfRange);
    EXPECT_EQ(ValidateImage(v).message(),
              "NV12 frame size 8x3 must be even on both sides (one chroma sample per 2x2 pixels)");
  }
  {
    SCOPED_TRACE("BAD CALL - stride below the width");
    ImageView v = good;
    v.rowStride = 7;
    EXPECT_EQ(ValidateImage(v).ToString(),
              "preprocess: NPULENS_OUT_OF_RANGE (1001): row stride 7 is less than width = 8 bytes (NV21)");
  }
  {
    SCOPED_TRACE("BAD CALL - buffer one byte short of the last chroma row");
    ImageView v = good;
    v.byteLength = 8 * 5 + 7;
    EXPECT_EQ(ValidateImage(v).ToString(),
              "preprocess: NPULENS_INVALID_ARGUMENT (1000): image buffer has 47 bytes, needs 48 (stride 8 × 5 + 8)");
  }
  {
    SCOPED_TRACE("BAD CALL - buffer holding the Y plane only");
    ImageView v = good;
    v.byteLength = 8 * 4;
    EXPECT_EQ(ValidateImage(v).code(), code::kInvalidArgument);
  }
  {
    SCOPED_TRACE("BAD CALL - stride × rows overflows size_t");
    ImageView v = good;
    v.height = 16384, v.rowStride = std::numeric_limits<size_t>::max() / 20000;
    EXPECT_EQ(ValidateImage(v).message(), "row stride " + std::to_string(v.rowStride) + " × height × 3/2 overflows");
    EXPECT_EQ(ImageByteLength(v.format, v.width, v.height, v.rowStride).status().code(), code::kOutOfRange);
  }
  {
    SCOPED_TRACE("BAD CALL - zero, negative and over-limit sides");
    EXPECT_EQ(ImageByteLength(PixelFormat::kNV21, 0, 4, 8).status().code(), code::kOutOfRange);
    EXPECT_EQ(ImageByteLength(PixelFormat::kNV21, 8, -2, 8).status().code(), code::kOutOfRange);
    EXPECT_EQ(ImageByteLength(PixelFormat::kNV21, 16386, 2, 16386).status().message(),
              "image size 16386x2 exceeds 16384x16384");
  }
}

// A w × h RGBA image of smooth colours (gradients that cross most of the gamut).
std::vector<uint8_t> SmoothRgba(int w, int h) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 4);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &px[(static_cast<size_t>(y) * w + x) * 4];
      p[0] = static_cast<uint8_t>(20 + 215 * x / w);
      p[1] = static_cast<uint8_t>(230 - 200 * y / h);
      p[2] = static_cast<uint8_t>(60 + 120 * (x + y) / (w + h));
      p[3] = 255;
    }
  }
  return px;
}

// Y, U, V of one pixel and one chroma pair of a frame.
struct Yuv {
  int y, u, v;
};
Yuv At(const std::vector<uint8_t>& frame, PixelFormat f, int width, int height, size_t stride, int x, int y) {
  const uint8_t* pair = frame.data() + stride * height + stride * (y / 2) + (x / 2) * 2;
  const int uOffset = f == PixelFormat::kNV21 ? 1 : 0;
  return {frame[stride * y + x], pair[uOffset], pair[1 - uOffset]};
}

TEST(YuvEncodeTest, KnownColoursAndLayout) {
  // 2×2 blocks of one colour each (grey, red, white, black), 4×4 pixels; BGRA source to check the byte order.
  const uint8_t colours[4][3] = {{128, 128, 128}, {255, 0, 0}, {255, 255, 255}, {0, 0, 0}};
  std::vector<uint8_t> bgra(4 * 4 * 4);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      const uint8_t* c = colours[(y / 2) * 2 + x / 2];
      uint8_t* p = &bgra[(y * 4 + x) * 4];
      p[0] = c[2], p[1] = c[1], p[2] = c[0], p[3] = 7;
    }
  }
  const ImageView src{bgra.data(), bgra.size(), 4, 4, 16, PixelFormat::kBGRA8};
  for (PixelFormat f : {PixelFormat::kNV21, PixelFormat::kNV12}) {
    SCOPED_TRACE(PixelFormatName(f));
    Result<std::vector<uint8_t>> frame = EncodeYuv420sp(src, f, 6);  // padded rows
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    ASSERT_EQ(frame->size(), 6u * 5 + 4);
    // Grey: U = V = 128. Red through the inverse of the guide's matrix: R = Y + 359/256 (V - 128) = 255,
    // G = Y - 88/256 (U - 128) - 183/256 (V - 128) = 0, B = Y + 454/256 (U - 128) = 0.
    const Yuv grey = At(*frame, f, 4, 4, 6, 1, 1), red = At(*frame, f, 4, 4, 6, 2, 0);
    EXPECT_EQ(grey.y, 128);
    EXPECT_EQ(grey.u, 128);
    EXPECT_EQ(grey.v, 128);
    EXPECT_NEAR(red.y + 359 / 256.0 * (red.v - 128), 255, 1.5);
    EXPECT_NEAR(red.y - 88 / 256.0 * (red.u - 128) - 183 / 256.0 * (red.v - 128), 0, 1.5);
    EXPECT_NEAR(red.y + 454 / 256.0 * (red.u - 128), 0, 1.5);
    EXPECT_EQ(At(*frame, f, 4, 4, 6, 0, 3).y, 255);  // white
    EXPECT_EQ(At(*frame, f, 4, 4, 6, 3, 3).y, 0);    // black
    EXPECT_EQ(At(*frame, f, 4, 4, 6, 3, 3).u, 128);
    EXPECT_EQ((*frame)[4], 0);  // row padding
  }
}

TEST(YuvEncodeTest, FramePreprocessesLikeTheRgbImageItWasMadeFrom) {
  // The encoder and the pre-processing share one matrix: a smooth image and its NV21 frame (chroma shared by 2×2
  // pixels, so only a smooth image survives it) give the same model input within rounding, on an area shrink
  // (1080p-like) and on a bilinear resize.
  const int w = 192, h = 108;
  std::vector<uint8_t> rgba = SmoothRgba(w, h);
  const ImageView rgbaView{rgba.data(), rgba.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
  for (PixelFormat f : {PixelFormat::kNV21, PixelFormat::kNV12}) {
    Result<std::vector<uint8_t>> frame = EncodeYuv420sp(rgbaView, f, w + 8);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    const ImageView yuvView{frame->data(), frame->size(), w, h, static_cast<size_t>(w) + 8, f};
    for (int side : {24, 112}) {
      InputSpec spec;
      spec.width = spec.height = side;
      spec.centerCrop = 0.875f;  // std 1, mean 0: values in pixel units
      Result<Preprocessor> pre = Preprocessor::Create(spec);
      ASSERT_TRUE(pre.ok());
      std::vector<float> fromRgb(pre->OutputBytes() / 4), fromYuv(fromRgb.size());
      ASSERT_TRUE(pre->Run(rgbaView, fromRgb.data(), pre->OutputBytes()).ok());
      ASSERT_TRUE(pre->Run(yuvView, fromYuv.data(), pre->OutputBytes()).ok());
      double worst = 0;
      for (size_t i = 0; i < fromRgb.size(); ++i) worst = std::max(worst, std::fabs(double(fromRgb[i] - fromYuv[i])));
      // Rounding of Y, U, V to bytes: ≤ 0.5 + 1.77 × 0.5 ≈ 1.4, plus the gradients' 2×2 chroma averaging.
      EXPECT_LE(worst, 2.0) << PixelFormatName(f) << " " << side;
      EXPECT_GT(worst, 0.0);  // really two different inputs
    }
  }
}

TEST(YuvEncodeTest, BadCallEncoderArgumentsAreRefused) {
  std::vector<uint8_t> rgba(6 * 4 * 4, 9);
  const ImageView good{rgba.data(), rgba.size(), 6, 4, 24, PixelFormat::kRGBA8};
  ASSERT_TRUE(EncodeYuv420sp(good, PixelFormat::kNV21, 6).ok());
  {
    SCOPED_TRACE("BAD CALL - packed target format");
    EXPECT_EQ(EncodeYuv420sp(good, PixelFormat::kRGB8, 6).status().ToString(),
              "preprocess: NPULENS_INVALID_ARGUMENT (1000): encodes RGBA, BGRA or RGB into NV21 or NV12, not RGBA "
              "into RGB");
  }
  {
    SCOPED_TRACE("BAD CALL - YUV source");
    const ImageView yuv{rgba.data(), rgba.size(), 6, 4, 6, PixelFormat::kNV12};
    EXPECT_EQ(EncodeYuv420sp(yuv, PixelFormat::kNV21, 6).status().code(), code::kInvalidArgument);
  }
  {
    SCOPED_TRACE("BAD CALL - odd width");
    ImageView v = good;
    v.width = 5;
    EXPECT_EQ(EncodeYuv420sp(v, PixelFormat::kNV21, 6).status().message(),
              "NV21 frame size 5x4 must be even on both sides (one chroma sample per 2x2 pixels)");
  }
  {
    SCOPED_TRACE("BAD CALL - stride below the width");
    EXPECT_EQ(EncodeYuv420sp(good, PixelFormat::kNV21, 5).status().code(), code::kOutOfRange);
  }
  {
    SCOPED_TRACE("BAD CALL - short source buffer");
    ImageView v = good;
    v.byteLength = 95;
    EXPECT_EQ(EncodeYuv420sp(v, PixelFormat::kNV21, 6).status().code(), code::kInvalidArgument);
  }
}

TEST(YuvPreprocessTest, BadCallFramesAreRefusedByRun) {
  InputSpec spec;
  spec.width = spec.height = 4;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes()), frame(8 * 6, 100);
  const ImageView good{frame.data(), frame.size(), 8, 4, 8, PixelFormat::kNV21};
  ASSERT_TRUE(pre->Run(good, out.data(), out.size()).ok());
  {
    SCOPED_TRACE("BAD CALL - odd height");
    ImageView v = good;
    v.height = 3;
    EXPECT_EQ(pre->Run(v, out.data(), out.size()).code(), code::kOutOfRange);
  }
  {
    SCOPED_TRACE("BAD CALL - Y plane only (an RGB-sized count of rows)");
    ImageView v = good;
    v.byteLength = 8 * 4;
    EXPECT_EQ(pre->Run(v, out.data(), out.size()).ToString(),
              "preprocess: NPULENS_INVALID_ARGUMENT (1000): image buffer has 32 bytes, needs 48 (stride 8 × 5 + 8)");
  }
  {
    SCOPED_TRACE("BAD CALL - null data");
    ImageView v = good;
    v.data = nullptr;
    EXPECT_EQ(pre->Run(v, out.data(), out.size()).code(), code::kInvalidArgument);
  }
}

TEST(YuvPreprocessTest, SteadyStateRunsAllocateNothing) {
  // After the first run of each format and size, Run allocates nothing: tables and scratch rows are kept per plane
  // (a camera delivers 30 frames a second; the packed path's tables are separate, so alternating formats is free).
  InputSpec spec;
  spec.width = 16, spec.height = 12;
  spec.centerCrop = 0.875f;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> out(pre->OutputBytes());
  std::vector<uint8_t> rgba(96 * 64 * 4, 77);
  const ImageView packed{rgba.data(), rgba.size(), 96, 64, 96 * 4, PixelFormat::kRGBA8};
  Result<std::vector<uint8_t>> nv21 = EncodeYuv420sp(packed, PixelFormat::kNV21, 100);
  ASSERT_TRUE(nv21.ok());
  const ImageView frame{nv21->data(), nv21->size(), 96, 64, 100, PixelFormat::kNV21};
  ImageView frame12 = frame;
  frame12.format = PixelFormat::kNV12;
  // A phone held upright: frames turned 90° (and the other quarter turns) use a kept scratch tensor.
  ImageView frame90 = frame, frame180 = frame, packed270 = packed;
  frame90.rotation = 90, frame180.rotation = 180, packed270.rotation = 270;
  const ImageView views[] = {frame, packed, frame12, frame90, frame180, packed270};
  for (const ImageView& v : views) ASSERT_TRUE(pre->Run(v, out.data(), out.size()).ok());
  gAllocations = 0;
  gCountAllocations = true;
  bool ok = true;
  for (int i = 0; i < 3; ++i) {
    for (const ImageView& v : views) ok = pre->Run(v, out.data(), out.size()).ok() && ok;
  }
  gCountAllocations = false;
  EXPECT_TRUE(ok);
  EXPECT_EQ(gAllocations.load(), 0);
}

TEST(YuvPreprocessTest, HandlesTheLargestAcceptedSide) {
  // A 16384×2 frame (max side): one chroma row of 8192 pairs; grey stays grey.
  std::vector<uint8_t> frame(16384 * 3, 128);
  const ImageView v{frame.data(), frame.size(), 16384, 2, 16384, PixelFormat::kNV12};
  InputSpec spec;
  spec.width = spec.height = 4;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  ASSERT_TRUE(pre.ok());
  std::vector<float> out(pre->OutputBytes() / 4);
  ASSERT_TRUE(pre->Run(v, out.data(), pre->OutputBytes()).ok());
  for (float value : out) ASSERT_NEAR(value, 128.0f, 1e-3);
}

}  // namespace
}  // namespace npulens
