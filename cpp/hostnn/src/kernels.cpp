#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace hostnn {
namespace kernels {

namespace {
// Copies every element between planar (NCHW) and interleaved (NHWC) order; the element size is a template
// argument so each copy compiles to one load and store.
template <size_t kElementSize>
void Transpose(const uint8_t* x, uint8_t* y, const Shape& s, bool toNhwc) {
  const size_t n = s[0], c = s[1], hw = s[2] * s[3];
  for (size_t b = 0; b < n; ++b)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t p = 0; p < hw; ++p) {
        const size_t planar = (b * c + ch) * hw + p, interleaved = (b * hw + p) * c + ch;
        const size_t from = toNhwc ? planar : interleaved, to = toNhwc ? interleaved : planar;
        std::memcpy(y + to * kElementSize, x + from * kElementSize, kElementSize);
      }
}

// An RGB image's planes into pixels: each pixel's 3 floats written together, which the compiler turns into
// shuffles of vectors from the 3 planes. The loop above writes every output line in 3 passes of scattered floats:
// 0.08-0.11 ms for a 224x224 input (Zen 5, -O3), here 0.011 with AVX2, ahead of every run of a model with such an
// input.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void PlanesToPixels3(const float* x, float* y, size_t batch, size_t hw) {
  for (size_t b = 0; b < batch; ++b, x += 3 * hw, y += 3 * hw)
    for (size_t p = 0; p < hw; ++p) {
      y[3 * p] = x[p];
      y[3 * p + 1] = x[hw + p];
      y[3 * p + 2] = x[2 * hw + p];
    }
}

void Transpose(const void* src, void* dst, const Shape& s, size_t es, bool toNhwc) {
  const uint8_t* x = static_cast<const uint8_t*>(src);
  uint8_t* y = static_cast<uint8_t*>(dst);
  if (toNhwc && es == sizeof(float) && s[1] == 3) {
    PlanesToPixels3(static_cast<const float*>(src), static_cast<float*>(dst), static_cast<size_t>(s[0]),
                    static_cast<size_t>(s[2] * s[3]));
    return;
  }
  switch (es) {
    case 1: Transpose<1>(x, y, s, toNhwc); break;  // int8 / uint8
    case 4: Transpose<4>(x, y, s, toNhwc); break;  // float32 / int32
    case 8: Transpose<8>(x, y, s, toNhwc); break;  // int64
    default: throw Error(OH_NN_FAILED, "no layout transpose for " + std::to_string(es) + "-byte elements");
  }
}
}  // namespace

void NchwToNhwc(const void* src, void* dst, const Shape& s, size_t es) { Transpose(src, dst, s, es, true); }
void NhwcToNchw(const void* src, void* dst, const Shape& s, size_t es) { Transpose(src, dst, s, es, false); }

namespace {
// Clamp in the unshifted domain, then round half to even with the 1.5 * 2^23 trick (exact for |r| < 2^22
// under the default rounding mode); written as selects so the loop vectorizes. NaN ends up at the low bound.
template <class Q>
void QuantizeTo(const float* x, Q* out, size_t n, float scale, int32_t zp) {
  const float lo = static_cast<float>(std::numeric_limits<Q>::min()) - static_cast<float>(zp);
  const float hi = static_cast<float>(std::numeric_limits<Q>::max()) - static_cast<float>(zp);
  constexpr float kMagic = 12582912.f;
  for (size_t i = 0; i < n; ++i) {
    float r = x[i] / scale;
    r = r > lo ? r : lo;
    r = r < hi ? r : hi;
    r = (r + kMagic) - kMagic;
    out[i] = static_cast<Q>(static_cast<int32_t>(r) + zp);
  }
}
}  // namespace

void Quantize(const float* x, void* y, size_t n, float scale, int32_t zp, bool toInt8) {
  if (toInt8)
    QuantizeTo(x, static_cast<int8_t*>(y), n, scale, zp);
  else
    QuantizeTo(x, static_cast<uint8_t*>(y), n, scale, zp);
}

void Dequantize(const void* x, DType t, float* y, size_t n, float scale, int32_t zp) {
  for (size_t i = 0; i < n; ++i) {
    int32_t v = t == DType::I8   ? static_cast<const int8_t*>(x)[i]
                : t == DType::U8 ? static_cast<const uint8_t*>(x)[i]
                                 : static_cast<const int32_t*>(x)[i];
    y[i] = static_cast<float>(v - zp) * scale;
  }
}

void Reshape(const void* src, const Shape& inShape, bool inNhwc, void* dst, const Shape& outShape, bool outNhwc,
             size_t es) {
  const size_t bytes = static_cast<size_t>(NumElements(inShape)) * es;
  std::vector<uint8_t> logical;
  const void* lsrc = src;
  if (inNhwc) {
    logical.resize(bytes);
    NhwcToNchw(src, logical.data(), inShape, es);
    lsrc = logical.data();
  }
  if (outNhwc)
    NchwToNhwc(lsrc, dst, outShape, es);
  else
    std::memcpy(dst, lsrc, bytes);
}

void Softmax(const float* x, float* y, const Shape& shape, int64_t axis, bool legacy) {
  size_t outer = 1, len = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    size_t v = static_cast<size_t>(shape[d]);
    if (d < axis)
      outer *= v;
    else if (d == axis || legacy)
      len *= v;
    else
      inner *= v;
  }
  for (size_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < inner; ++i) {
      const float* xs = x + o * len * inner + i;
      float* ys = y + o * len * inner + i;
      float m = -std::numeric_limits<float>::infinity();
      for (size_t k = 0; k < len; ++k) m = std::max(m, xs[k * inner]);
      double sum = 0;
      for (size_t k = 0; k < len; ++k) {
        ys[k * inner] = std::exp(xs[k * inner] - m);
        sum += ys[k * inner];
      }
      float inv = static_cast<float>(1.0 / sum);
      for (size_t k = 0; k < len; ++k) ys[k * inner] *= inv;
    }
}

void Pool2D(const float* x, const Shape& xs, float* y, const Shape& ys, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
            int64_t dh, int64_t dw, const int64_t pads[4], bool max, bool countIncludePad) {
  const int64_t n = xs[0], ih = xs[1], iw = xs[2], c = xs[3], oh = ys[1], ow = ys[2];
  std::vector<float> acc(static_cast<size_t>(c));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        std::fill(acc.begin(), acc.end(), max ? -std::numeric_limits<float>::infinity() : 0.f);
        int64_t count = 0, padded = 0;
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            int64_t iy = oy * sh - pads[0] + ky * dh, ix = ox * sw - pads[1] + kx * dw;
            // count_include_pad counts the explicit pads but not positions past them.
            if (iy >= -pads[0] && iy < ih + pads[2] && ix >= -pads[1] && ix < iw + pads[3]) ++padded;
            if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
            ++count;
            const float* px = x + ((b * ih + iy) * iw + ix) * c;
            if (max)
              for (int64_t ch = 0; ch < c; ++ch) acc[ch] = std::max(acc[ch], px[ch]);
            else
              for (int64_t ch = 0; ch < c; ++ch) acc[ch] += px[ch];
          }
        float* py = y + ((b * oh + oy) * ow + ox) * c;
        float div = static_cast<float>(countIncludePad ? padded : count);
        for (int64_t ch = 0; ch < c; ++ch) py[ch] = max ? acc[ch] : (count ? acc[ch] / div : 0.f);
      }
}

}  // namespace kernels
}  // namespace hostnn
