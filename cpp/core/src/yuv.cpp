// RGB → YUV420SP through the inverse of YuvToRgbCoefficients (see core/yuv.h).
#include "core/yuv.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace npulens {
namespace {

using C = YuvToRgbCoefficients;

struct Matrix3 {
  double m[3][3];
};

// (R, G, B) = kYuvToRgb · (Y, U − 128, V − 128).
constexpr Matrix3 kYuvToRgb = {{{1.0, 0.0, static_cast<double>(C::kRv) / C::kOne},
                                {1.0, static_cast<double>(C::kGu) / C::kOne, static_cast<double>(C::kGv) / C::kOne},
                                {1.0, static_cast<double>(C::kBu) / C::kOne, 0.0}}};

// The inverse by the adjugate, at compile time: the encoder undoes exactly what the pre-processing does.
constexpr Matrix3 Inverse(const Matrix3& a) {
  Matrix3 r{};
  const auto& m = a.m;
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      // Cofactor of m[j][i] (transposed), from the rows and columns other than j and i.
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      r.m[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
    }
  }
  return r;
}

constexpr Matrix3 kRgbToYuv = Inverse(kYuvToRgb);

uint8_t ToByte(double v) { return static_cast<uint8_t>(std::min(255.0, std::max(0.0, std::round(v)))); }

}  // namespace

Result<std::vector<uint8_t>> EncodeYuv420sp(const ImageView& rgb, PixelFormat format, size_t rowStride) {
  constexpr const char* kStep = "preprocess";
  Status valid = ValidateImage(rgb);
  if (!valid.ok()) return valid;
  if (IsYuv420sp(rgb.format) || !IsYuv420sp(format)) {
    return Status(kStep, code::kInvalidArgument,
                  std::string("encodes RGBA, BGRA or RGB into NV21 or NV12, not ") + PixelFormatName(rgb.format) +
                      " into " + PixelFormatName(format));
  }
  Result<size_t> bytes = ImageByteLength(format, rgb.width, rgb.height, rowStride);
  if (!bytes.ok()) return bytes.status();
  std::vector<uint8_t> frame(*bytes, 0);
  const size_t bpp = RowBytes(rgb.format, 1);
  const int r = rgb.format == PixelFormat::kBGRA8 ? 2 : 0, b = 2 - r;
  const int uIndex = format == PixelFormat::kNV21 ? 1 : 0;  // NV21 pairs are V, U; NV12 pairs U, V
  const auto& k = kRgbToYuv.m;
  uint8_t* chroma = frame.data() + rowStride * static_cast<size_t>(rgb.height);
  for (int y = 0; y < rgb.height; y += 2) {
    for (int x = 0; x < rgb.width; x += 2) {
      double u = 0, v = 0;
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const uint8_t* p = rgb.data + static_cast<size_t>(y + dy) * rgb.rowStride + (x + dx) * bpp;
          const double pr = p[r], pg = p[1], pb = p[b];
          frame[static_cast<size_t>(y + dy) * rowStride + x + dx] = ToByte(k[0][0] * pr + k[0][1] * pg + k[0][2] * pb);
          u += k[1][0] * pr + k[1][1] * pg + k[1][2] * pb;
          v += k[2][0] * pr + k[2][1] * pg + k[2][2] * pb;
        }
      }
      uint8_t* pair = chroma + static_cast<size_t>(y / 2) * rowStride + x;
      pair[uIndex] = ToByte(u / 4 + C::kChromaBias);
      pair[1 - uIndex] = ToByte(v / 4 + C::kChromaBias);
    }
  }
  return frame;
}

}  // namespace npulens
