#include "qconv_int8.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "avx512_ops.h"
#include "thread_pool.h"

#if defined(__x86_64__)
#include <cpuid.h>
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized and -Wuninitialized on their own _mm512_undefined_*
// temporaries (clang does not warn there; the pragmas are GCC's).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "qconv_int8_avxvnni.h"
#include "requant_avx2.h"
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>  // getauxval, HWCAP_ASIMDDP
#endif

namespace hostnn {

bool Int8IsaSupported(Int8Isa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case Int8Isa::kScalar: return true;
    case Int8Isa::kAvx2: return __builtin_cpu_supports("avx2");
    case Int8Isa::kAvxVnni: {
      // CPUID leaf 7 sub-leaf 1, EAX bit 4 (GCC 12 knows "avxvnni" in __builtin_cpu_supports, clang 16 does not);
      // the OS's support for the ymm registers is the one AVX2 needs.
      unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
      return __builtin_cpu_supports("avx2") && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 &&
             (eax & (1u << 4)) != 0;
    }
    case Int8Isa::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
    case Int8Isa::kNeon:
    case Int8Isa::kNeonDot: return false;
  }
  return false;
#elif defined(__aarch64__)
  switch (isa) {
    case Int8Isa::kScalar:
    case Int8Isa::kNeon: return true;  // Advanced SIMD is part of every ARMv8-A CPU
    case Int8Isa::kNeonDot: return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
    case Int8Isa::kAvx2:
    case Int8Isa::kAvxVnni:
    case Int8Isa::kAvx512Vnni: return false;
  }
  return false;
#else
  return isa == Int8Isa::kScalar;
#endif
}

const char* Int8IsaLabel(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::kScalar: return "scalar";
    case Int8Isa::kAvx2: return "AVX2";
    case Int8Isa::kAvxVnni: return "AVX-VNNI";
    case Int8Isa::kAvx512Vnni: return "AVX-512 VNNI";
    case Int8Isa::kNeon: return "NEON";
    case Int8Isa::kNeonDot: return "NEON dotprod";
  }
  return "?";
}

Int8Isa SelectInt8Isa() {
  const char* env = std::getenv("NPULENS_HOSTNN_ISA");
  // avx512 names an fp32 variant only (conv_f32.h): the fastest int8 one, as the int8-only names leave fp32's.
  if (!env || !*env || std::string(env) == "avx512") {
    for (Int8Isa isa : {Int8Isa::kAvx512Vnni, Int8Isa::kAvxVnni, Int8Isa::kAvx2, Int8Isa::kNeonDot, Int8Isa::kNeon})
      if (Int8IsaSupported(isa)) return isa;
    return Int8Isa::kScalar;
  }
  const std::string name = env;
  Int8Isa isa = name == "scalar"    ? Int8Isa::kScalar
                : name == "avx2"    ? Int8Isa::kAvx2
                : name == "avxvnni" ? Int8Isa::kAvxVnni
                : name == "vnni"    ? Int8Isa::kAvx512Vnni
                : name == "neon"    ? Int8Isa::kNeon
                : name == "neondot"
                    ? Int8Isa::kNeonDot
                    : throw std::runtime_error("NPULENS_HOSTNN_ISA='" + name +
                                               "' is not one of scalar, avx2, avxvnni, vnni, neon, neondot");
  if (!Int8IsaSupported(isa))
    throw std::runtime_error("NPULENS_HOSTNN_ISA=" + name + ": this CPU has no " + Int8IsaLabel(isa));
  return isa;
}

namespace {
// The AVX2 variant's work: rows in chunks of kAvx2Rows (or more: chunkRows_) in tiles of up to kAvx2Tile, output
// channels in groups of blocks of 16, both in a 2-D task grid; within a task the block loop is outside the tile loop,
// so a block's weights stay in L1/L2 for all the chunk's rows.
constexpr int64_t kAvx2Tile = 6;
constexpr int64_t kAvx2Rows = 48;
// The AVX-512 VNNI variant's tiles: up to kVnniBlocks blocks of 16 outputs (a group, packed together) x up to
// kVnniTileRows[blocks - 1] rows, at most 24 zmm accumulators beside the group's weights and one broadcast: each
// weight vector loaded feeds a vpdpbusd per row and each broadcast one per block. Its chunks are as the AVX2
// variant's (kAvx2Rows rows or more), groups taking the place of blocks.
constexpr int kVnniTileRows[QConvInt8::kVnniBlocks] = {12, 12, 8, 6};
}  // namespace

int64_t QConvInt8::ChunkInputBytes(int64_t rows) const {
  const int64_t bytes = isa_ == Int8Isa::kAvx2 ? 2 : 1;  // per widened (AVX2) or flipped (VNNI) value
  if (pixels_) return rows * g_.inC * bytes;
  // The output rows span rows / out_w + 1 output lines, each reading stride_h input lines, plus the kernel's height.
  const int64_t lines = (rows / g_.outW + 1) * g_.strideH + (g_.kernelH - 1) * g_.dilationH + 1;
  return std::min(lines, wideH_ * g_.batch) * wideW_ * g_.inC * bytes;
}

QConvInt8::QConvInt8(const ConvGeometry2D& g, const int8_t* w, const int32_t* bias, const float* wScale, float xScale,
                     int32_t xZeroPoint, float yScale, int32_t yZeroPoint, int32_t qmin, int32_t qmax, Int8Isa isa)
    : g_(g),
      isa_(isa),
      taps_(g.kernelH * g.kernelW),
      xZeroPoint_(xZeroPoint),
      yZeroPoint_(yZeroPoint),
      lo_(static_cast<float>(qmin - yZeroPoint)),
      hi_(static_cast<float>(qmax - yZeroPoint)) {
  if (!Int8IsaSupported(isa)) throw std::logic_error(std::string("this CPU has no ") + Int8IsaLabel(isa));
  const int64_t block = isa == Int8Isa::kAvx2 ? 2 : isa == Int8Isa::kScalar ? 1 : 4;
  cp_ = (g.inC + block - 1) / block * block;
  np_ = isa == Int8Isa::kScalar ? g.outC : (g.outC + 15) / 16 * 16;
  // Zero weights in the channel and output padding: whatever the padded lanes read contributes nothing.
  const size_t weights = static_cast<size_t>(np_ * taps_ * cp_);
  const bool vnni = isa == Int8Isa::kAvxVnni || isa == Int8Isa::kAvx512Vnni;  // as Vnni()
  if (isa == Int8Isa::kAvx2 || vnni) {
    // The padding is in the widened (flipped) input, so every output pixel reads the same runs at the same offsets
    // from its first tap: no per-pixel patch is copied, and a first layer (7x7 over RGB) reads 7 runs of 21 values,
    // not 49 taps of 3.
    const bool runs = g.dilationW == 1;
    const int64_t segments = runs ? g.kernelH : taps_;
    segLen_ = ((runs ? g.kernelW : 1) * g.inC + block - 1) / block * block;
    kp_ = segments * segLen_;
    pixels_ = taps_ == 1 && g.padTop == 0 && g.padLeft == 0 && (g.outH - 1) * g.strideH < g.inH &&
              (g.outW - 1) * g.strideW < g.inW;
    if (!pixels_) {
      wideH_ = std::max(g.padTop + g.inH, (g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH + 1);
      wideW_ = std::max(g.padLeft + g.inW, (g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW + 1);
    }
    for (int64_t s = 0; s < segments; ++s) {
      const int64_t ky = runs ? s : s / g.kernelW, kx = runs ? 0 : s % g.kernelW;
      segOffset_.push_back((ky * g.dilationH * wideW_ + kx * g.dilationW) * g.inC);
    }
    const int64_t rows = g.batch * g.outH * g.outW;
    narrow_ = !vnni && rows <= kAvx2Tile && np_ * kp_ * 2 > kAvx2L2Bytes;
    if (narrow_ || vnni)
      packed_.assign(static_cast<size_t>(np_ * kp_), 0);
    else
      packed16_.assign(static_cast<size_t>(np_ * kp_), 0);
    // Rows per chunk: a chunk computes all its blocks, each block's weights read once per chunk. Weights that do not
    // fit in L2 (a late layer: 3x3 over 512 channels, 4.7 MB as int16) would come from L3 again for each chunk, so
    // such a layer takes as many rows per chunk as keep the input they read within L2 (all 49 or 196 rows of the
    // late layers), and its weights are read once.
    const int64_t weightBytes = np_ * kp_ * (vnni ? 1 : 2);
    chunkRows_ = kAvx2Rows;
    while (weightBytes > kAvx2L2Bytes && chunkRows_ < rows && ChunkInputBytes(chunkRows_ + kAvx2Tile) <= kAvx2L2Bytes)
      chunkRows_ += kAvx2Tile;
  } else {
    packed_.assign(weights, 0);
    padding_.assign(static_cast<size_t>(cp_ + 4), static_cast<int8_t>(xZeroPoint));  // real value 0
  }
  offset_.assign(static_cast<size_t>(np_), 0);
  multiplier_.assign(static_cast<size_t>(np_), 0.f);
  // AVX-512 VNNI: its store's int32 -> int8 saturation is the clamp when [qmin, qmax] is all of int8 (the layers
  // without a fused Relu, or with y_zero_point -128), the float clamp then being redundant (integerClamp()).
  fullRange_ = qmin == -128 && qmax == 127;
  intClamp_ = isa == Int8Isa::kAvx2 || vnni;
  for (int64_t o = 0; o < g.outC; ++o) {
    int32_t sum = 0;
    int64_t absSum = 0;  // sum of |w|: the bound on the accumulator below
    for (int64_t c = 0; c < g.inC; ++c)
      for (int64_t t = 0; t < taps_; ++t) {
        const int8_t v = w[(o * g.inC + c) * taps_ + t];
        sum = WrapAdd(sum, v);
        absSum += std::abs(static_cast<int32_t>(v));
        switch (isa) {
          case Int8Isa::kAvxVnni:
          case Int8Isa::kAvx512Vnni: {  // k as AVX2's; a group of blocks: [kp/4][blocks][16][4]
            const int64_t k =
                g.dilationW == 1 ? (t / g.kernelW) * segLen_ + (t % g.kernelW) * g.inC + c : t * segLen_ + c;
            const int64_t first = o / 16 / kVnniBlocks * kVnniBlocks;  // the group's first block
            const int64_t blocks = std::min(kVnniBlocks, np_ / 16 - first);
            packed_[static_cast<size_t>(
                (first * 16 * kp_ + ((k / 4) * blocks + o / 16 - first) * 64 + (o % 16) * 4 + k % 4))] = v;
            break;
          }
          case Int8Isa::kNeon:
          case Int8Isa::kNeonDot:
            packed_[static_cast<size_t>(((((o / 16) * taps_ + t) * (cp_ / 4) + c / 4) * 16 + o % 16) * 4 + c % 4)] = v;
            break;
          case Int8Isa::kAvx2: {  // k: the run and the position in it
            const int64_t k =
                g.dilationW == 1 ? (t / g.kernelW) * segLen_ + (t % g.kernelW) * g.inC + c : t * segLen_ + c;
            const auto i = static_cast<size_t>((((o / 16) * (kp_ / 2) + k / 2) * 16 + o % 16) * 2 + k % 2);
            if (narrow_)
              packed_[i] = v;
            else
              packed16_[i] = v;
            break;
          }
          case Int8Isa::kScalar: packed_[static_cast<size_t>((o * taps_ + t) * cp_ + c)] = v; break;
        }
      }
    // VNNI multiplies unsigned activations: x + 128 (x ^ 0x80) is used, so it adds -(x_zp + 128) * sum(w). NEON
    // multiplies x itself (signed): it adds -x_zp * sum(w). The others multiply x - x_zp directly.
    offset_[o] = vnni ? WrapAdd(bias[o], WrapMul(-(xZeroPoint + 128), sum))
                 : isa == Int8Isa::kNeon || isa == Int8Isa::kNeonDot ? WrapAdd(bias[o], WrapMul(-xZeroPoint, sum))
                                                                     : bias[o];
    multiplier_[o] = xScale * wScale[o] / yScale;  // in float, as onnxruntime and XNNPACK compute it
    // The accumulator bias + sum (x - x_zp) * w lies within +-bound (|x - x_zp| <= 255); when no product
    // float(acc) * m can reach 2^31 (2^30 leaves room for the float roundings), the clamp may follow the
    // conversion to integers (RequantizeUnclampedAvx2; AVX-512 VNNI: MicroVnni's saturating store). Otherwise (or a
    // multiplier that is not finite) the float clamp stays: cvtps would turn an overflow into INT32_MIN.
    const double bound = std::abs(static_cast<double>(bias[o])) + 255.0 * static_cast<double>(absSum);
    if (!(bound * std::fabs(static_cast<double>(multiplier_[o])) < 1073741824.0)) intClamp_ = false;
  }
}

template <typename T>
void QConvInt8::FillTaps(const T* x, int64_t pixelStride, const T* padding, int64_t row, const void** taps) const {
  const int64_t pixels = g_.outH * g_.outW;
  const int64_t b = row / pixels, oy = (row % pixels) / g_.outW, ox = row % g_.outW;
  for (int64_t ky = 0; ky < g_.kernelH; ++ky)
    for (int64_t kx = 0; kx < g_.kernelW; ++kx) {
      const int64_t iy = oy * g_.strideH - g_.padTop + ky * g_.dilationH;
      const int64_t ix = ox * g_.strideW - g_.padLeft + kx * g_.dilationW;
      const bool inside = iy >= 0 && iy < g_.inH && ix >= 0 && ix < g_.inW;
      taps[ky * g_.kernelW + kx] = inside ? x + ((b * g_.inH + iy) * g_.inW + ix) * pixelStride : padding;
    }
}
// The NEON variants' RunRowsNeon (qconv_int8_neon.cpp) fills int8 taps.
template void QConvInt8::FillTaps<int8_t>(const int8_t*, int64_t, const int8_t*, int64_t, const void**) const;

namespace {

#if defined(__x86_64__)

// MR output rows x NB blocks of 16 output channels: row r reads `segments` runs of `steps` groups of 4 input bytes
// flipped to uint8 (x + 128), run s at rows[r] + segOffset[s]; w: the group's packed weights [steps][NB][16][4].
// Per step NB weight vectors and MR broadcasts feed MR * NB vpdpbusd (MR * NB <= 24 accumulators: with the weights
// and the broadcast at most 29 of the 32 zmm registers). The accumulators start at zero and get the offset at the
// end (modulo 2^32 the same): started at the offset, GCC 12's PRE kept them on the stack, stored at every step.
// valid: the outputs left from the group's first (the last block's beyond them are not stored). floatClamp: clamp
// the products to [lo, hi] in float, else (intClamp_) the store's saturation clamps.
template <int MR, int NB>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void MicroVnni(const uint8_t* const* rows,
                                                                      const int64_t* segOffset, int64_t segments,
                                                                      int64_t steps, const int8_t* w,
                                                                      const int32_t* offset, const float* mult,
                                                                      float lo, float hi, bool floatClamp, int32_t zp,
                                                                      int8_t* y, int64_t n, int64_t valid) {
  __m512i acc[MR][NB];
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) acc[r][j] = _mm512_setzero_si512();
  for (int64_t s = 0; s < segments; ++s) {
    const uint8_t* px[MR];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) px[r] = rows[r] + segOffset[s];
    for (int64_t k = 0; k < steps * 4; k += 4, w += 64 * NB) {
      __m512i wv[NB];
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        wv[j] = _mm512_loadu_si512(w + 64 * j);
        // 2 KB ahead: where the weights exceed L2 a group's first tile streams them from L3 or memory, and the
        // hardware prefetcher alone left those layers ~10% slower in a network than alone (a prefetch past the
        // weights' end does not fault).
        _mm_prefetch(reinterpret_cast<const char*>(w + 64 * j + 2048), _MM_HINT_T0);
      }
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        int32_t v;
        std::memcpy(&v, px[r] + k, 4);
        const __m512i xv = _mm512_set1_epi32(v);
#pragma GCC unroll 4
        for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], xv, wv[j]);
      }
    }
  }
  const __m512i vzp = _mm512_set1_epi32(zp);
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) {
    const __m512 m = _mm512_loadu_ps(mult + 16 * j);
    const __m512i off = _mm512_loadu_si512(offset + 16 * j);
    const int64_t left = valid - 16 * j;
    const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[r][j], off)), m);
      if (floatClamp) f = MinAvx512(MaxAvx512(f, vlo), vhi);
      const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), vzp);  // round to nearest even (default MXCSR)
      _mm512_mask_cvtsepi32_storeu_epi8(y + r * n + 16 * j, mask, q);
    }
  }
}

// out[k] = x[k] ^ 0x80 (x + 128 as uint8) for k < c: the input of both VNNI variants.
__attribute__((target("avx2"))) void FlipAvx2(const int8_t* x, int64_t c, uint8_t* out) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  int64_t k = 0;
  for (; k + 32 <= c; k += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k),
                        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + k)), flip));
  if (k + 16 <= c) {
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(out + k),
        _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + k)), _mm256_castsi256_si128(flip)));
    k += 16;
  }
  for (; k < c; ++k) out[k] = static_cast<uint8_t>(x[k] ^ 0x80);
}

// One pair of 8 outputs' packed weights as int16: loaded, or (int8 weights) loaded and sign-extended.
template <typename W>
__attribute__((target("avx2"))) inline __m256i LoadPairWeightsAvx2(const W* w) {
  if constexpr (sizeof(W) == 1)
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  else
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
}

// MR output rows x 16 output channels: row r reads `segments` runs of `pairs` channel pairs of x - x_zp as int16,
// run s at rows[r] + segOffset[s]; w: the block's packed weights [segments][pairs][16][2]. Each weight load feeds
// 2 * MR vpmaddwd (12 accumulators + 2 weights + 1 broadcast = 15 of the 16 ymm registers at MR = 6); each product
// and pair sum is exact in int32. zp: y_zero_point in every int16. kIntClamp: StoreTileAvx2's.
template <int MR, bool kIntClamp, typename W>
__attribute__((target("avx2"))) void MicroAvx2(const int16_t* const* rows, const int64_t* segOffset, int64_t segments,
                                               int64_t pairs, const W* w, const int32_t* offset, const float* mult,
                                               __m256 lo, __m256 hi, __m256i zp, __m256i q8lo, __m256i q8hi, int8_t* y,
                                               int64_t n, int64_t valid) {
  __m256i acc0[MR], acc1[MR];
  // The accumulators start at the offset. Fully unrolled loops over r (GCC would otherwise turn this one into a
  // memcpy of stack arrays, and keep the accumulators on the stack for the requantization).
  const __m256i off0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset));
  const __m256i off1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset + 8));
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    acc0[r] = off0;
    acc1[r] = off1;
  }
  for (int64_t s = 0; s < segments; ++s) {
    const int16_t* px[MR];
    for (int r = 0; r < MR; ++r) px[r] = rows[r] + segOffset[s];
    for (int64_t p = 0; p < pairs; ++p, w += 32) {
      const __m256i w0 = LoadPairWeightsAvx2(w), w1 = LoadPairWeightsAvx2(w + 16);
      for (int r = 0; r < MR; ++r) {
        int32_t v;  // channels 2p, 2p+1 as two int16
        std::memcpy(&v, px[r] + p * 2, 4);
        const __m256i xv = _mm256_set1_epi32(v);
        acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(xv, w0));
        acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(xv, w1));
      }
    }
  }
  StoreTileAvx2<MR, kIntClamp>(acc0, acc1, mult, lo, hi, zp, q8lo, q8hi, y, n, valid);
}

// MicroAvx2 for a last block of at most 8 outputs (out_c % 16 in 1..8: 24, 40, 72, 1000 outputs): only the block's
// first 8 weights of each pair are loaded and multiplied, into MR (up to 12) rows' one accumulator each, where
// MicroAvx2 would compute 8 zero outputs beside them. kIntClamp: StoreHalfTileAvx2's.
template <int MR, bool kIntClamp, typename W>
__attribute__((target("avx2"))) void MicroHalfAvx2(const int16_t* const* rows, const int64_t* segOffset,
                                                   int64_t segments, int64_t pairs, const W* w, const int32_t* offset,
                                                   const float* mult, __m256 lo, __m256 hi, __m256i zp, __m256i q16lo,
                                                   __m256i q16hi, int8_t* y, int64_t n, int64_t valid) {
  __m256i acc[MR];
  const __m256i off = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset));
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) acc[r] = off;
  for (int64_t s = 0; s < segments; ++s) {
    const int16_t* px[MR];
    for (int r = 0; r < MR; ++r) px[r] = rows[r] + segOffset[s];
    for (int64_t p = 0; p < pairs; ++p, w += 32) {
      const __m256i w0 = LoadPairWeightsAvx2(w);
      for (int r = 0; r < MR; ++r) {
        int32_t v;  // channels 2p, 2p+1 as two int16
        std::memcpy(&v, px[r] + p * 2, 4);
        acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(_mm256_set1_epi32(v), w0));
      }
    }
  }
  StoreHalfTileAvx2<MR, kIntClamp>(acc, mult, lo, hi, zp, q16lo, q16hi, y, n, valid);
}

// out[k] = x[k] - zp as int16 for k < c.
__attribute__((target("avx2"))) inline void WidenAvx2(const int8_t* x, int64_t c, int16_t zp, int16_t* out) {
  const __m256i vzp = _mm256_set1_epi16(zp);
  int64_t k = 0;
  for (; k + 16 <= c; k += 16)
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(out + k),
        _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + k))), vzp));
  for (; k < c; ++k) out[k] = static_cast<int16_t>(x[k] - zp);
}

#endif  // __x86_64__

struct RunContext {
  const QConvInt8* conv;
  const int8_t* x;
  int8_t* y;
  int64_t rows;
};
constexpr int64_t kRowsPerTask = 32;

void RunTask(void* context, size_t task) {
  auto* c = static_cast<RunContext*>(context);
  int64_t begin = static_cast<int64_t>(task) * kRowsPerTask;
  c->conv->RunRows(c->x, c->y, begin, std::min(kRowsPerTask, c->rows - begin));
}

}  // namespace

void QConvInt8::RunRows(const int8_t* x, int8_t* y, int64_t rowBegin, int64_t rows) const {
#if defined(__aarch64__)
  if (isa_ == Int8Isa::kNeon || isa_ == Int8Isa::kNeonDot) return RunRowsNeon(x, y, rowBegin, rows);
#endif
  const int64_t end = rowBegin + rows;
  // Tap pointers kept per thread: no allocation after a thread's first run of the largest kernel.
  thread_local std::vector<const void*> ptrs;
  if (ptrs.size() < static_cast<size_t>(taps_)) ptrs.resize(static_cast<size_t>(taps_));
  for (int64_t r = rowBegin; r < end; ++r) {
    FillTaps(x, g_.inC, padding_.data(), r, ptrs.data());
    int8_t* out = y + r * g_.outC;
    for (int64_t o = 0; o < g_.outC; ++o) {
      const int8_t* w = packed_.data() + o * taps_ * cp_;
      int32_t acc = offset_[static_cast<size_t>(o)];
      for (int64_t t = 0; t < taps_; ++t, w += cp_) {
        const auto* px = static_cast<const int8_t*>(ptrs[static_cast<size_t>(t)]);
        for (int64_t c = 0; c < g_.inC; ++c) acc = WrapAdd(acc, (px[c] - xZeroPoint_) * w[c]);
      }
      out[o] = Requantize(acc, multiplier_[static_cast<size_t>(o)], lo_, hi_, yZeroPoint_);
    }
  }
}

#if defined(__x86_64__)

struct QConvInt8::WideContext {
  const QConvInt8* conv;
  const int8_t* x;
  void* wide;  // the widened (AVX2: int16) or flipped (VNNI: uint8) input
  int8_t* y;
  int64_t rows, blocks, blocksPerTask;  // VNNI: groups of blocks
  bool widenInTask;  // pixels_ with one task per chunk of rows: the task widens its rows' pixels itself
  WideCompute compute;
};

// Widens a run of c input values (x - x_zp as int16, AVX2) or flips it (x + 128 as uint8, VNNI).
void QConvInt8::WidenRun(const int8_t* x, int64_t c, int16_t* out) const {
  WidenAvx2(x, c, static_cast<int16_t>(xZeroPoint_), out);
}
void QConvInt8::WidenRun(const int8_t* x, int64_t c, uint8_t* out) const { FlipAvx2(x, c, out); }

template <typename T>
void QConvInt8::WidenPadded(const int8_t* x, T* out) const {
  const int64_t c = g_.inC, line = wideW_ * c, left = g_.padLeft * c, right = line - left - g_.inW * c;
  // A padded pixel: x_zp - x_zp = 0 as int16, x_zp + 128 as uint8.
  const T pad = sizeof(T) == 2 ? T{0} : static_cast<T>(xZeroPoint_ + 128);
  const auto fill = [pad](T* p, int64_t n) { std::fill_n(p, n, pad); };
  for (int64_t b = 0; b < g_.batch; ++b) {
    T* o = out + b * wideH_ * line;
    fill(o, g_.padTop * line);
    o += g_.padTop * line;
    for (int64_t iy = 0; iy < g_.inH; ++iy, o += line, x += g_.inW * c) {
      fill(o, left);
      WidenRun(x, g_.inW * c, o + left);
      fill(o + line - right, right);
    }
    fill(o, (wideH_ - g_.padTop - g_.inH) * line);
  }
}

template <typename T>
void QConvInt8::WidenPixels(const int8_t* x, T* out, int64_t rowBegin, int64_t rowEnd) const {
  const int64_t c = g_.inC;
  if (g_.strideH == 1 && g_.strideW == 1) {  // the output pixels are the input pixels: one widening pass
    WidenRun(x + rowBegin * c, (rowEnd - rowBegin) * c, out + rowBegin * c);
    return;
  }
  const int64_t pixels = g_.outH * g_.outW;
  int64_t b = rowBegin / pixels, oy = (rowBegin % pixels) / g_.outW, ox = rowBegin % g_.outW;
  for (int64_t row = rowBegin; row < rowEnd; ++row) {
    WidenRun(x + ((b * g_.inH + oy * g_.strideH) * g_.inW + ox * g_.strideW) * c, c, out + row * c);
    if (++ox == g_.outW) {  // the next pixel, without divisions
      ox = 0;
      if (++oy == g_.outH) {
        oy = 0;
        ++b;
      }
    }
  }
}

template <typename T>
const T* const* QConvInt8::RowTable(const T* wide, int64_t rowBegin, int64_t rowEnd) const {
  // Kept per thread: no allocation after the first run.
  thread_local std::vector<const T*> table;
  if (table.size() < static_cast<size_t>(rowEnd - rowBegin)) table.resize(static_cast<size_t>(rowEnd - rowBegin));
  const int64_t pixels = g_.outH * g_.outW;
  int64_t b = rowBegin / pixels, oy = (rowBegin % pixels) / g_.outW, ox = rowBegin % g_.outW;
  for (int64_t r = rowBegin; r < rowEnd; ++r) {
    table[static_cast<size_t>(r - rowBegin)] =
        pixels_ ? wide + r * g_.inC : wide + ((b * wideH_ + oy * g_.strideH) * wideW_ + ox * g_.strideW) * g_.inC;
    if (++ox == g_.outW) {
      ox = 0;
      if (++oy == g_.outH) {
        oy = 0;
        ++b;
      }
    }
  }
  return table.data();
}
// ComputeAvxVnni (qconv_int8_avxvnni.h) is instantiated wherever its Dot is.
template const uint8_t* const* QConvInt8::RowTable<uint8_t>(const uint8_t*, int64_t, int64_t) const;

template <bool kIntClamp, typename W>
__attribute__((target("avx2"))) void QConvInt8::ComputeBlocksAvx2(const W* packed, const int16_t* const* table,
                                                                  int64_t rowBegin, int64_t rowEnd, int64_t blockBegin,
                                                                  int64_t blockEnd, int8_t* y) const {
  using Micro = void (*)(const int16_t* const*, const int64_t*, int64_t, int64_t, const W*, const int32_t*,
                         const float*, __m256, __m256, __m256i, __m256i, __m256i, int8_t*, int64_t, int64_t);
  // By the tile's rows (index mr - 1).
  static constexpr Micro kFull[] = {&MicroAvx2<1, kIntClamp, W>, &MicroAvx2<2, kIntClamp, W>,
                                    &MicroAvx2<3, kIntClamp, W>, &MicroAvx2<4, kIntClamp, W>,
                                    &MicroAvx2<5, kIntClamp, W>, &MicroAvx2<6, kIntClamp, W>};
  static constexpr Micro kHalf[] = {
      &MicroHalfAvx2<1, kIntClamp, W>,  &MicroHalfAvx2<2, kIntClamp, W>,  &MicroHalfAvx2<3, kIntClamp, W>,
      &MicroHalfAvx2<4, kIntClamp, W>,  &MicroHalfAvx2<5, kIntClamp, W>,  &MicroHalfAvx2<6, kIntClamp, W>,
      &MicroHalfAvx2<7, kIntClamp, W>,  &MicroHalfAvx2<8, kIntClamp, W>,  &MicroHalfAvx2<9, kIntClamp, W>,
      &MicroHalfAvx2<10, kIntClamp, W>, &MicroHalfAvx2<11, kIntClamp, W>, &MicroHalfAvx2<12, kIntClamp, W>};
  const __m256i vzp = _mm256_set1_epi16(static_cast<int16_t>(yZeroPoint_));
  const __m256 vlo = _mm256_set1_ps(lo_), vhi = _mm256_set1_ps(hi_);
  const auto qmin = static_cast<int32_t>(lo_) + yZeroPoint_, qmax = static_cast<int32_t>(hi_) + yZeroPoint_;
  const __m256i q8lo = _mm256_set1_epi8(static_cast<char>(qmin)), q8hi = _mm256_set1_epi8(static_cast<char>(qmax));
  const __m256i q16lo = _mm256_set1_epi16(static_cast<int16_t>(qmin));
  const __m256i q16hi = _mm256_set1_epi16(static_cast<int16_t>(qmax));
  const int64_t n = g_.outC, segments = static_cast<int64_t>(segOffset_.size()), pairs = segLen_ / 2;
  const int64_t* seg = segOffset_.data();
  for (int64_t nb = blockBegin * 16; nb < blockEnd * 16; nb += 16) {
    const W* w = packed + nb * kp_;
    const int32_t* off = offset_.data() + nb;
    const float* m = multiplier_.data() + nb;
    // Tiles of as equal a size as the tile count allows (49 rows: 4 of 6 and 5 of 5, not 8 of 6 and one of 1, whose
    // weight loads would feed 2 vpmaddwd each).
    // A last block of at most 8 outputs: tiles of up to twice as many rows with half the accumulators.
    const bool half = n - nb <= 8;
    const int64_t tileRows = half ? 2 * kAvx2Tile : kAvx2Tile;
    const int64_t tiles = (rowEnd - rowBegin + tileRows - 1) / tileRows, size = (rowEnd - rowBegin) / tiles;
    const int64_t larger = (rowEnd - rowBegin) % tiles;
    for (int64_t t = 0, r = rowBegin; t < tiles; ++t) {
      const int16_t* const* rows = table + (r - rowBegin);
      int8_t* out = y + r * n + nb;
      const int64_t mr = size + (t < larger ? 1 : 0);
      r += mr;
      if (half)
        kHalf[mr - 1](rows, seg, segments, pairs, w, off, m, vlo, vhi, vzp, q16lo, q16hi, out, n, n - nb);
      else
        kFull[mr - 1](rows, seg, segments, pairs, w, off, m, vlo, vhi, vzp, q8lo, q8hi, out, n, n - nb);
    }
  }
}

__attribute__((target("avx2"))) void QConvInt8::ComputeAvx2(const int16_t* wide, int8_t* y, int64_t rowBegin,
                                                            int64_t rowEnd, int64_t blockBegin,
                                                            int64_t blockEnd) const {
  // The chunk's rows' first taps, computed once for all its blocks.
  const int16_t* const* table = RowTable(wide, rowBegin, rowEnd);
  if (narrow_) {
    if (intClamp_)
      ComputeBlocksAvx2<true>(packed_.data(), table, rowBegin, rowEnd, blockBegin, blockEnd, y);
    else
      ComputeBlocksAvx2<false>(packed_.data(), table, rowBegin, rowEnd, blockBegin, blockEnd, y);
  } else if (intClamp_) {
    ComputeBlocksAvx2<true>(packed16_.data(), table, rowBegin, rowEnd, blockBegin, blockEnd, y);
  } else {
    ComputeBlocksAvx2<false>(packed16_.data(), table, rowBegin, rowEnd, blockBegin, blockEnd, y);
  }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void QConvInt8::ComputeVnni(const uint8_t* wide, int8_t* y,
                                                                                   int64_t rowBegin, int64_t rowEnd,
                                                                                   int64_t groupBegin,
                                                                                   int64_t groupEnd) const {
  using Micro = void (*)(const uint8_t* const*, const int64_t*, int64_t, int64_t, const int8_t*, const int32_t*,
                         const float*, float, float, bool, int32_t, int8_t*, int64_t, int64_t);
  // By the group's blocks and the tile's rows (index mr - 1).
  static constexpr Micro k1[] = {&MicroVnni<1, 1>, &MicroVnni<2, 1>,  &MicroVnni<3, 1>,  &MicroVnni<4, 1>,
                                 &MicroVnni<5, 1>, &MicroVnni<6, 1>,  &MicroVnni<7, 1>,  &MicroVnni<8, 1>,
                                 &MicroVnni<9, 1>, &MicroVnni<10, 1>, &MicroVnni<11, 1>, &MicroVnni<12, 1>};
  static constexpr Micro k2[] = {&MicroVnni<1, 2>, &MicroVnni<2, 2>,  &MicroVnni<3, 2>,  &MicroVnni<4, 2>,
                                 &MicroVnni<5, 2>, &MicroVnni<6, 2>,  &MicroVnni<7, 2>,  &MicroVnni<8, 2>,
                                 &MicroVnni<9, 2>, &MicroVnni<10, 2>, &MicroVnni<11, 2>, &MicroVnni<12, 2>};
  static constexpr Micro k3[] = {&MicroVnni<1, 3>, &MicroVnni<2, 3>, &MicroVnni<3, 3>, &MicroVnni<4, 3>,
                                 &MicroVnni<5, 3>, &MicroVnni<6, 3>, &MicroVnni<7, 3>, &MicroVnni<8, 3>};
  static constexpr Micro k4[] = {&MicroVnni<1, 4>, &MicroVnni<2, 4>, &MicroVnni<3, 4>,
                                 &MicroVnni<4, 4>, &MicroVnni<5, 4>, &MicroVnni<6, 4>};
  static constexpr const Micro* kByBlocks[] = {k1, k2, k3, k4};
  const uint8_t* const* table = RowTable(wide, rowBegin, rowEnd);
  const int64_t n = g_.outC, segments = static_cast<int64_t>(segOffset_.size()), steps = segLen_ / 4;
  for (int64_t group = groupBegin; group < groupEnd; ++group) {
    const int64_t first = group * kVnniBlocks, blocks = std::min(kVnniBlocks, np_ / 16 - first), nb = first * 16;
    const int8_t* w = packed_.data() + nb * kp_;
    // Tiles of as equal a size as the tile count allows (as the AVX2 variant's).
    const int64_t tileRows = kVnniTileRows[blocks - 1];
    const int64_t tiles = (rowEnd - rowBegin + tileRows - 1) / tileRows, size = (rowEnd - rowBegin) / tiles;
    const int64_t larger = (rowEnd - rowBegin) % tiles;
    for (int64_t t = 0, r = rowBegin; t < tiles; ++t) {
      const int64_t mr = size + (t < larger ? 1 : 0);
      kByBlocks[blocks - 1][mr - 1](table + (r - rowBegin), segOffset_.data(), segments, steps, w, offset_.data() + nb,
                                    multiplier_.data() + nb, lo_, hi_, !integerClamp(), yZeroPoint_, y + r * n + nb, n,
                                    n - nb);
      r += mr;
    }
  }
}

void QConvInt8::ComputeWideTask(void* context, size_t chunk, size_t group) {
  auto* c = static_cast<WideContext*>(context);
  const QConvInt8& q = *c->conv;
  const int64_t rowBegin = static_cast<int64_t>(chunk) * q.chunkRows_;
  const int64_t rowEnd = std::min(c->rows, rowBegin + q.chunkRows_);
  const int64_t begin = static_cast<int64_t>(group) * c->blocksPerTask;
  if (c->widenInTask) {
    if (q.Vnni())
      q.WidenPixels(c->x, static_cast<uint8_t*>(c->wide), rowBegin, rowEnd);
    else
      q.WidenPixels(c->x, static_cast<int16_t*>(c->wide), rowBegin, rowEnd);
  }
  c->compute(q, c->wide, c->y, rowBegin, rowEnd, begin, std::min(c->blocks, begin + c->blocksPerTask));
}

void QConvInt8::RunWide(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch,
                        WideCompute compute) const {
  const bool vnni = Vnni();
  const int64_t rows = g_.batch * g_.outH * g_.outW;
  // + 64: a run's last pair (AVX2) or 4 bytes (VNNI) may read a few values past the last run of the last pixel.
  const int64_t values = (pixels_ ? rows : g_.batch * wideH_ * wideW_) * g_.inC + 64;
  const auto need = static_cast<size_t>(vnni ? (values + 1) / 2 : values);
  if (scratch->size() < need) scratch->resize(need);
  const int64_t chunks = (rows + chunkRows_ - 1) / chunkRows_;
  const int64_t blocks = vnni ? (np_ / 16 + kVnniBlocks - 1) / kVnniBlocks : np_ / 16;
  // With threads, output blocks (groups) are split too when the rows alone give fewer than 4 tasks per thread (late
  // layers with few pixels, the classifier).
  const int64_t perTask = BlocksPerTask(static_cast<int64_t>(pthreadpool_get_threads_count(pool)), chunks, blocks, 4);
  const int64_t groups = (blocks + perTask - 1) / perTask;
  WideContext c{this, x, scratch->data(), y, rows, blocks, perTask, pixels_ && groups == 1, compute};
  // The widening that the tasks cannot do for themselves (a kernel larger than 1x1 reads neighbouring rows' pixels;
  // pixels split over outputs) runs here, before the one parallel call: it is a few microseconds of vector code, and
  // each extra call waits for every worker to be scheduled, which on a busy machine costs milliseconds.
  const auto widen = [&](auto* wide) {
    if (!pixels_)
      WidenPadded(x, wide);
    else if (!c.widenInTask)
      WidenPixels(x, wide, 0, rows);
  };
  if (vnni)
    widen(reinterpret_cast<uint8_t*>(scratch->data()));
  else
    widen(scratch->data());
  pthreadpool_parallelize_2d(pool, &ComputeWideTask, &c, static_cast<size_t>(chunks), static_cast<size_t>(groups), 0);
}

#endif  // __x86_64__

void QConvInt8::Run(const int8_t* x, int8_t* y, pthreadpool_t pool, std::vector<int16_t>* scratch) const {
#if defined(__x86_64__)
  switch (isa_) {
    case Int8Isa::kAvx2:
      return RunWide(x, y, pool, scratch,
                     [](const QConvInt8& q, const void* wide, int8_t* out, int64_t r0, int64_t r1, int64_t b0,
                        int64_t b1) { q.ComputeAvx2(static_cast<const int16_t*>(wide), out, r0, r1, b0, b1); });
    case Int8Isa::kAvxVnni: return RunAvxVnni<DotAvxVnni>(x, y, pool, scratch);
    case Int8Isa::kAvx512Vnni:
      return RunWide(x, y, pool, scratch,
                     [](const QConvInt8& q, const void* wide, int8_t* out, int64_t r0, int64_t r1, int64_t g0,
                        int64_t g1) { q.ComputeVnni(static_cast<const uint8_t*>(wide), out, r0, r1, g0, g1); });
    default: break;
  }
#endif
  RunContext c{this, x, y, g_.batch * g_.outH * g_.outW};
  size_t tasks = static_cast<size_t>((c.rows + kRowsPerTask - 1) / kRowsPerTask);
  if (pool)
    pthreadpool_parallelize_1d(pool, &RunTask, &c, tasks, 0);
  else
    for (size_t t = 0; t < tasks; ++t) RunTask(&c, t);
}

}  // namespace hostnn
