// NV21 / NV12 frames: the geometry rules (RowBytes, RowCount, ImageByteLength, ValidateImage).
#include <limits>

#include <gtest/gtest.h>

#include "core/preprocess.h"

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

}  // namespace
}  // namespace npulens
