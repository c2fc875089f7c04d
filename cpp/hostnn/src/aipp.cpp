// Dynamic AIPP on the host (aipp.h): the HMS_HiAIAippParam_* functions with the device's documented validation,
// and the AIPP stages RunSync runs on the CPU. Stage order, formulas and limits: cpp/hostnn/README.md, "AIPP".
#include "aipp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/fp16.h"

struct HiAI_AippParam {
  uint64_t serial = 0;
  hostnn::AippConfig config;
};

namespace hostnn {
namespace {

constexpr uint32_t kMaxBatch = 127;      // HMS_HiAIAippParam_Create: batchNum in (0, 127]
constexpr uint32_t kMinSrc = 16;         // SetInputShape: [16, 4096]
constexpr uint32_t kMaxSrc = 4096;       //
constexpr uint32_t kMinResize = 16;      // SetResizeConfig: width [16, 448], height [16, 4096], ratio [1/16, 16]
constexpr uint32_t kMaxResizeW = 448;    //
constexpr uint32_t kMaxResizeH = 4096;   //
constexpr uint32_t kMaxPad = 32;         // the guide: at most 32 rows / columns on each side
constexpr int32_t kMaxPadValue = 65504;  // SetChannelPadding: [-65504, 65504] (the fp16 range)

// Live params and their serials: a tensor keeps pointers (as on the device), so RunSync must tell a live param
// from a destroyed one whose address came back.
std::mutex g_params_mutex;
uint64_t g_next_serial = 1;
std::unordered_map<const HiAI_AippParam*, uint64_t>& LiveParams() {
  static std::unordered_map<const HiAI_AippParam*, uint64_t> live;
  return live;
}

bool IsLive(const HiAI_AippParam* p) {
  std::lock_guard<std::mutex> lock(g_params_mutex);
  auto it = LiveParams().find(p);
  return it != LiveParams().end() && it->second == p->serial;
}

const char* FormatName(HiAI_ImageFormat f) {
  switch (f) {
    case HIAI_YUV420SP_U8: return "YUV420SP_U8";
    case HIAI_XRGB8888_U8: return "XRGB8888_U8";
    case HIAI_YUV400_U8: return "YUV400_U8";
    case HIAI_ARGB8888_U8: return "ARGB8888_U8";
    case HIAI_YUYV_U8: return "YUYV_U8";
    case HIAI_YUV422SP_U8: return "YUV422SP_U8";
    case HIAI_AYUV444_U8: return "AYUV444_U8";
    case HIAI_RGB888_U8: return "RGB888_U8";
    case HIAI_BGR888_U8: return "BGR888_U8";
    case HIAI_YUV444SP_U8: return "YUV444SP_U8";
    case HIAI_YVU444SP_U8: return "YVU444SP_U8";
    default: return "an invalid format";
  }
}
std::string FormatText(HiAI_ImageFormat f) { return std::string(FormatName(f)) + " (" + std::to_string(f) + ")"; }

bool IsInputFormat(HiAI_ImageFormat f) { return f >= HIAI_YUV420SP_U8 && f <= HIAI_BGR888_U8; }
bool IsYuvInput(HiAI_ImageFormat f) {
  return f == HIAI_YUV420SP_U8 || f == HIAI_YUYV_U8 || f == HIAI_YUV422SP_U8 || f == HIAI_AYUV444_U8;
}
bool IsRgbInput(HiAI_ImageFormat f) {
  return f == HIAI_XRGB8888_U8 || f == HIAI_ARGB8888_U8 || f == HIAI_RGB888_U8 || f == HIAI_BGR888_U8;
}
// The guide: sizes (and crop offsets/sizes) of YUV images other than YUV400 must be even.
bool NeedsEven(HiAI_ImageFormat f) { return IsYuvInput(f); }
bool HasLeadingAlpha(HiAI_ImageFormat f) {
  return f == HIAI_XRGB8888_U8 || f == HIAI_ARGB8888_U8 || f == HIAI_AYUV444_U8;
}
int RawChannels(HiAI_ImageFormat f) {
  if (f == HIAI_YUV400_U8) return 1;
  return HasLeadingAlpha(f) ? 4 : 3;
}
// Channels the AIPP hands the model: the CSC output's, else the input format's (after the swaps).
int OutChannels(const AippConfig& c) {
  if (!c.csc) return RawChannels(c.format);
  return c.cscOut == HIAI_YUV400_U8 ? 1 : 3;
}

// CSC pairs the API reference allows: YUV (not YUV400) -> RGB888 / BGR888 / YUV400; RGB -> YUV444SP / YVU444SP /
// YUV400.
bool CscPairAllowed(HiAI_ImageFormat in, HiAI_ImageFormat out) {
  if (IsYuvInput(in)) return out == HIAI_RGB888_U8 || out == HIAI_BGR888_U8 || out == HIAI_YUV400_U8;
  if (IsRgbInput(in)) return out == HIAI_YUV444SP_U8 || out == HIAI_YVU444SP_U8 || out == HIAI_YUV400_U8;
  return false;
}

// Swap support per format (the guide, 通道交换): AX for ARGB/XRGB/AYUV444; RB/UV for the RGB and YUV formats
// except YUV400.
bool RbuvSwappable(HiAI_ImageFormat f) { return IsYuvInput(f) || IsRgbInput(f); }
bool AxSwappable(HiAI_ImageFormat f) { return HasLeadingAlpha(f); }

std::string Size2(uint64_t w, uint64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

// Every rule whose inputs are known (complete: the input format and source size must be known too). The setters
// apply it to the changed copy, RunSync to the whole param.
bool Check(const AippConfig& c, bool complete, std::string* why) {
  auto fail = [why](const std::string& m) {
    *why = m;
    return false;
  };
  const bool hasFormat = c.format != HIAI_IMAGE_FORMAT_INVALID;
  const bool hasSrc = c.srcW != 0;
  if (complete && !hasFormat) return fail("no input format (HMS_HiAIAippParam_SetInputFormat)");
  if (complete && !hasSrc) return fail("no source image size (HMS_HiAIAippParam_SetInputShape)");
  if (hasFormat && hasSrc && NeedsEven(c.format) && (c.srcW % 2 || c.srcH % 2))
    return fail("the source image " + Size2(c.srcW, c.srcH) + " (HMS_HiAIAippParam_SetInputShape) has an odd size; " +
                FormatName(c.format) + " needs even widths and heights");
  if (hasFormat && c.csc && c.cscIn != c.format)
    return fail(std::string("the CSC input format ") + FormatName(c.cscIn) +
                " (HMS_HiAIAippParam_SetCscConfig) is not the input format " + FormatName(c.format) +
                " (HMS_HiAIAippParam_SetInputFormat)");
  if (hasFormat && c.rbuvSwap && !RbuvSwappable(c.format))
    return fail(std::string("RB/UV swap (HMS_HiAIAippParam_SetChannelSwapConfig) is not available for ") +
                FormatName(c.format));
  if (hasFormat && c.axSwap && !AxSwappable(c.format))
    return fail(std::string("AX swap (HMS_HiAIAippParam_SetChannelSwapConfig) is only for XRGB8888/ARGB8888/AYUV444, "
                            "not ") +
                FormatName(c.format));
  for (size_t b = 0; b < c.batches.size(); ++b) {
    const AippBatch& p = c.batches[b];
    const std::string at = " (batch " + std::to_string(b) + ")";
    if (p.crop) {
      const std::string crop = "the crop at (" + std::to_string(p.cropX) + "," + std::to_string(p.cropY) + ") of " +
                               Size2(p.cropW, p.cropH) + " (HMS_HiAIAippParam_SetCropConfig)" + at;
      if (hasSrc && (uint64_t{p.cropX} + p.cropW > c.srcW || uint64_t{p.cropY} + p.cropH > c.srcH))
        return fail(crop + " reaches outside the " + Size2(c.srcW, c.srcH) + " source image");
      if (hasFormat && NeedsEven(c.format) && ((p.cropX | p.cropY | p.cropW | p.cropH) & 1u))
        return fail(crop + " needs even offsets and sizes for " + FormatName(c.format));
    }
    if (p.resize && (hasSrc || p.crop)) {
      const uint64_t inW = p.crop ? p.cropW : c.srcW, inH = p.crop ? p.cropH : c.srcH;
      if (uint64_t{p.resizeW} * 16 < inW || p.resizeW > inW * 16 || uint64_t{p.resizeH} * 16 < inH ||
          p.resizeH > inH * 16)
        return fail("the resize from " + Size2(inW, inH) + " to " + Size2(p.resizeW, p.resizeH) +
                    " (HMS_HiAIAippParam_SetResizeConfig)" + at + " is outside the ratio range [1/16, 16]");
    }
  }
  return true;
}

HiAI_AippParam* Lookup(const char* fn, HiAI_AippParam* p, OH_NN_ReturnCode* rc) {
  ClearLastError();
  if (!p) {
    *rc = SetLastError(OH_NN_INVALID_PARAMETER, std::string(fn) + ": aippParam is NULL");
    return nullptr;
  }
  if (!IsLive(p)) {
    *rc = SetLastError(OH_NN_INVALID_PARAMETER, std::string(fn) + ": aippParam is not a live HiAI_AippParam");
    return nullptr;
  }
  *rc = OH_NN_SUCCESS;
  return p;
}

// A setter: change() edits a copy (false + why: that call's own arguments are bad), Check() then sees it with the
// rest of the param; the param changes only when both pass.
template <typename Change>
OH_NN_ReturnCode Update(const char* fn, HiAI_AippParam* p, Change change) {
  OH_NN_ReturnCode rc;
  if (!Lookup(fn, p, &rc)) return rc;
  AippConfig next = p->config;
  std::string why;
  if (!change(&next, &why) || !Check(next, false, &why))
    return SetLastError(OH_NN_INVALID_PARAMETER, std::string(fn) + ": " + why);
  p->config = std::move(next);
  return OH_NN_SUCCESS;
}

// A per-batch setter.
template <typename Change>
OH_NN_ReturnCode UpdateBatch(const char* fn, HiAI_AippParam* p, uint32_t batch, Change change) {
  return Update(fn, p, [&](AippConfig* c, std::string* why) {
    if (batch >= c->batches.size()) {
      *why = "batchIndex " + std::to_string(batch) + " is out of range [0, " + std::to_string(c->batches.size()) +
             ") (HMS_HiAIAippParam_Create)";
      return false;
    }
    return change(&c->batches[batch], why);
  });
}

// A per-batch getter: argError is empty when the caller's output arguments are fine.
template <typename Read>
OH_NN_ReturnCode ReadBatch(const char* fn, HiAI_AippParam* p, uint32_t batch, const std::string& argError, Read read) {
  OH_NN_ReturnCode rc;
  if (!Lookup(fn, p, &rc)) return rc;
  if (!argError.empty()) return SetLastError(OH_NN_INVALID_PARAMETER, std::string(fn) + ": " + argError);
  if (batch >= p->config.batches.size())
    return SetLastError(OH_NN_INVALID_PARAMETER, std::string(fn) + ": batchIndex " + std::to_string(batch) +
                                                     " is out of range [0, " +
                                                     std::to_string(p->config.batches.size()) + ")");
  read(p->config.batches[batch]);
  return OH_NN_SUCCESS;
}

// The DTC / padding arrays: "" when fine, else what is wrong.
std::string ChannelArrayError(const void* values, uint32_t channelCount) {
  if (!values) return "the value array is NULL";
  if (channelCount < 1 || channelCount > 4) return "channelCount " + std::to_string(channelCount) + " is not in [1, 4]";
  return "";
}
bool ChannelCountOk(const void* values, uint32_t channelCount, std::string* why) {
  *why = ChannelArrayError(values, channelCount);
  return why->empty();
}
const char* const kNullOutput = "NULL output pointer";
std::string NullIf(bool bad) { return bad ? kNullOutput : ""; }

// The float DTC setters: finite values only (the result must be a number).
OH_NN_ReturnCode SetDtcFloats(const char* fn, HiAI_AippParam* aippParam, uint32_t batchIndex, const float* values,
                              uint32_t channelCount, float (AippBatch::*field)[4]) {
  return UpdateBatch(fn, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (!ChannelCountOk(values, channelCount, why)) return false;
    for (uint32_t i = 0; i < channelCount; ++i)
      if (!std::isfinite(values[i])) {
        *why = "value of channel " + std::to_string(i) + " is not finite";
        return false;
      }
    std::copy(values, values + channelCount, p->*field);
    return true;
  });
}
OH_NN_ReturnCode GetDtcFloats(const char* fn, HiAI_AippParam* aippParam, uint32_t batchIndex, float* values,
                              uint32_t channelCount, float (AippBatch::*field)[4]) {
  return ReadBatch(fn, aippParam, batchIndex, ChannelArrayError(values, channelCount),
                   [&](const AippBatch& p) { std::copy(p.*field, p.*field + channelCount, values); });
}

// ---- the AIPP stages (README "AIPP") ----

// Reads pixel (x, y) of one source image: its components in memory order; returns how many.
int FetchPixel(HiAI_ImageFormat f, const uint8_t* img, uint32_t w, uint32_t h, uint32_t x, uint32_t y, int* comp) {
  const size_t plane = size_t{w} * h;  // the Y plane
  switch (f) {
    case HIAI_YUV420SP_U8:    // Y plane, then h/2 rows of interleaved U,V (NV12; NV21 = this + the UV swap)
    case HIAI_YUV422SP_U8: {  // Y plane, then h rows of interleaved U,V at half the width
      const size_t uvRow = f == HIAI_YUV420SP_U8 ? y / 2 : y;
      const uint8_t* uv = img + plane + uvRow * w + (x & ~1u);
      comp[0] = img[size_t{y} * w + x];
      comp[1] = uv[0];
      comp[2] = uv[1];
      return 3;
    }
    case HIAI_YUYV_U8: {  // Y0 U Y1 V per pixel pair
      const uint8_t* pair = img + (size_t{y} * w + (x & ~1u)) * 2;
      comp[0] = pair[(x & 1u) * 2];
      comp[1] = pair[1];
      comp[2] = pair[3];
      return 3;
    }
    case HIAI_YUV400_U8: comp[0] = img[size_t{y} * w + x]; return 1;
    default: {  // packed: XRGB / ARGB / AYUV (4 bytes), RGB / BGR (3 bytes)
      const int n = RawChannels(f);
      const uint8_t* px = img + (size_t{y} * w + x) * n;
      for (int i = 0; i < n; ++i) comp[i] = px[i];
      return n;
    }
  }
}

// The 4-byte formats are processed as X/A first (XRGB, ARGB, AYUV). AX swap takes memory with that byte last (RGBX,
// RGBA, YUVA) and moves it first; then RB/UV swap exchanges the two chroma (R/B or U/V) components.
void Swap(const AippConfig& c, int* comp) {
  if (c.axSwap) std::rotate(comp, comp + 3, comp + 4);
  if (c.rbuvSwap) {
    switch (c.format) {
      case HIAI_RGB888_U8:
      case HIAI_BGR888_U8: std::swap(comp[0], comp[2]); break;
      case HIAI_XRGB8888_U8:
      case HIAI_ARGB8888_U8: std::swap(comp[1], comp[3]); break;
      case HIAI_AYUV444_U8: std::swap(comp[2], comp[3]); break;
      default: std::swap(comp[1], comp[2]); break;  // YUV420SP / YUV422SP / YUYV: (Y, U, V)
    }
  }
}

struct CscMatrix {
  int m[3][3];
  int bias[3];  // YUV->RGB: input bias (subtracted first); RGB->YUV: output bias (added last)
};

// YUV->RGB (rows R, G, B; columns Y, U, V): the guide's JPEG matrix (its static example is the same matrix in BGR
// row order) and the published BT.601 / BT.709 narrow-range tables of the same AIPP config format. JPEG is
// BT.601 full range, so HIAI_BT_601_FULL uses the JPEG matrix.
const CscMatrix& YuvToRgb(HiAI_ImageColorSpace s) {
  static const CscMatrix kJpeg{{{256, 0, 359}, {256, -88, -183}, {256, 454, 0}}, {0, 128, 128}};
  static const CscMatrix k601Narrow{{{298, 0, 409}, {298, -100, -208}, {298, 516, 0}}, {16, 128, 128}};
  static const CscMatrix k709Narrow{{{298, 0, 459}, {298, -55, -136}, {298, 541, 0}}, {16, 128, 128}};
  if (s == HIAI_BT_601_NARROW) return k601Narrow;
  return s == HIAI_BT_709_NARROW ? k709Narrow : kJpeg;
}
// RGB->YUV (rows Y, U, V; columns R, G, B): round(256 x the standard's coefficients); the guide gives no table.
const CscMatrix& RgbToYuv(HiAI_ImageColorSpace s) {
  static const CscMatrix kJpeg{{{77, 150, 29}, {-43, -85, 128}, {128, -107, -21}}, {0, 128, 128}};
  static const CscMatrix k601Narrow{{{66, 129, 25}, {-38, -74, 112}, {112, -94, -18}}, {16, 128, 128}};
  static const CscMatrix k709Narrow{{{47, 157, 16}, {-26, -87, 112}, {112, -102, -10}}, {16, 128, 128}};
  if (s == HIAI_BT_601_NARROW) return k601Narrow;
  return s == HIAI_BT_709_NARROW ? k709Narrow : kJpeg;
}

// ">> 8" of the guide's formula on a signed sum: an arithmetic shift, i.e. floor(v / 256).
int Shift8(int v) { return v >= 0 ? v >> 8 : -((-v + 255) >> 8); }
int ClampU8(int v) { return std::min(255, std::max(0, v)); }

// The components after the swaps -> the channels the model sees (k of them, OutChannels).
void Csc(const AippConfig& c, const int* comp, int* out) {
  const int off = HasLeadingAlpha(c.format) ? 1 : 0;  // where the colour components start
  int t[3] = {comp[off], comp[off + 1], comp[off + 2]};
  if (IsYuvInput(c.format)) {
    if (c.cscOut == HIAI_YUV400_U8) {
      out[0] = t[0];
      return;
    }
    const CscMatrix& m = YuvToRgb(c.space);
    int rgb[3];
    for (int r = 0; r < 3; ++r)
      rgb[r] = ClampU8(
          Shift8(m.m[r][0] * (t[0] - m.bias[0]) + m.m[r][1] * (t[1] - m.bias[1]) + m.m[r][2] * (t[2] - m.bias[2])));
    const bool bgr = c.cscOut == HIAI_BGR888_U8;
    out[0] = bgr ? rgb[2] : rgb[0];
    out[1] = rgb[1];
    out[2] = bgr ? rgb[0] : rgb[2];
    return;
  }
  if (c.format == HIAI_BGR888_U8) std::swap(t[0], t[2]);  // to R, G, B
  const CscMatrix& m = RgbToYuv(c.space);
  int yuv[3];
  for (int r = 0; r < 3; ++r)
    yuv[r] = ClampU8(Shift8(m.m[r][0] * t[0] + m.m[r][1] * t[1] + m.m[r][2] * t[2]) + m.bias[r]);
  out[0] = yuv[0];
  if (c.cscOut == HIAI_YUV400_U8) return;
  const bool yvu = c.cscOut == HIAI_YVU444SP_U8;
  out[1] = yvu ? yuv[2] : yuv[1];
  out[2] = yvu ? yuv[1] : yuv[2];
}

float RoundFp16(float v) { return npulens::HalfToFloat(npulens::FloatToHalf(v)); }

// One output image (batch b): crop -> swaps -> CSC -> resize -> DTC -> padding, written as channels x outH x outW
// of the model input (its first `channels` AIPP channels).
void RunBatch(const AippConfig& c, size_t b, const uint8_t* img, const AippInput& in, int channels, void* out) {
  const AippBatch& p = c.batches[b];
  const uint32_t x0 = p.crop ? p.cropX : 0, y0 = p.crop ? p.cropY : 0;
  const uint32_t cw = p.crop ? p.cropW : c.srcW, ch = p.crop ? p.cropH : c.srcH;
  // Crop, swaps and CSC of pixel (x, y) of the crop window: its 8-bit channels.
  auto convert = [&](uint32_t x, uint32_t y, float* v) {
    int comp[4] = {0, 0, 0, 0}, u8[4] = {0, 0, 0, 0};
    FetchPixel(c.format, img, c.srcW, c.srcH, x0 + x, y0 + y, comp);
    Swap(c, comp);
    if (c.csc)
      Csc(c, comp, u8);
    else if (HasLeadingAlpha(c.format))  // the colour channels first, X/A last (a 3-channel model drops it)
      std::rotate_copy(comp, comp + 1, comp + 4, u8);
    else
      std::copy(comp, comp + 4, u8);
    for (int i = 0; i < 4; ++i) v[i] = static_cast<float>(u8[i]);
  };
  // Resize: bilinear with half-pixel centres, edge-clamped (the guide says bilinear; the sample grid is our
  // choice), kept in float until DTC. Only the pixels it reads are converted (4 per output pixel, not the window).
  struct Tap {
    uint32_t a, b;
    float f;
  };
  auto taps = [&](uint32_t outSize, uint32_t inSize) {
    std::vector<Tap> t(outSize);
    for (uint32_t o = 0; o < outSize; ++o) {
      if (!p.resize) {
        t[o] = Tap{o, o, 0.f};
        continue;
      }
      const float s = std::max(0.f, (o + 0.5f) * static_cast<float>(inSize) / outSize - 0.5f);
      const uint32_t a = std::min(static_cast<uint32_t>(s), inSize - 1);
      t[o] = Tap{a, std::min(a + 1, inSize - 1), s - a};
    }
    return t;
  };
  const uint32_t rw = p.resize ? p.resizeW : cw, rh = p.resize ? p.resizeH : ch;
  const std::vector<Tap> tx = taps(rw, cw), ty = taps(rh, ch);
  const uint32_t outW = rw + p.padLeft + p.padRight, outH = rh + p.padTop + p.padBottom;
  const size_t plane = size_t{outH} * outW;
  auto store = [&](int i, size_t at, float v) {
    at += (b * static_cast<size_t>(channels) + static_cast<size_t>(i)) * plane;
    if (in.dtype == DType::F32) {
      static_cast<float*>(out)[at] = v;
      return;
    }
    const float lo = in.dtype == DType::I8 ? -128.f : 0.f, hi = in.dtype == DType::I8 ? 127.f : 255.f;
    const float q = std::min(hi, std::max(lo, std::nearbyint(v / in.scale) + static_cast<float>(in.zeroPoint)));
    if (in.dtype == DType::I8)
      static_cast<int8_t*>(out)[at] = static_cast<int8_t>(q);
    else
      static_cast<uint8_t*>(out)[at] = static_cast<uint8_t>(q);
  };
  for (uint32_t y = 0; y < outH; ++y)
    for (uint32_t x = 0; x < outW; ++x) {
      const size_t at = size_t{y} * outW + x;
      if (x < p.padLeft || x >= p.padLeft + rw || y < p.padTop || y >= p.padTop + rh) {
        // padding writes the channel's value into the fp16 output
        for (int i = 0; i < channels; ++i) store(i, at, RoundFp16(static_cast<float>(p.padValue[i])));
        continue;
      }
      const Tap& tapX = tx[x - p.padLeft];
      const Tap& tapY = ty[y - p.padTop];
      float v[4];
      convert(tapX.a, tapY.a, v);
      if (p.resize) {
        float ab[4], ba[4], bb[4];
        convert(tapX.b, tapY.a, ab);
        convert(tapX.a, tapY.b, ba);
        convert(tapX.b, tapY.b, bb);
        for (int i = 0; i < channels; ++i) {
          const float top = v[i] * (1 - tapX.f) + ab[i] * tapX.f;
          const float bottom = ba[i] * (1 - tapX.f) + bb[i] * tapX.f;
          v[i] = top * (1 - tapY.f) + bottom * tapY.f;
        }
      }
      for (int i = 0; i < channels; ++i)  // DTC, produced as fp16
        store(i, at, RoundFp16((v[i] - static_cast<float>(p.mean[i]) - p.min[i]) * p.varReci[i]));
    }
}

}  // namespace

bool RefAippParam(const HiAI_AippParam* param, AippRef* ref) {
  std::lock_guard<std::mutex> lock(g_params_mutex);
  auto it = LiveParams().find(param);
  if (it == LiveParams().end()) return false;
  *ref = AippRef{param, it->second};
  return true;
}

bool AippImageBytes(HiAI_ImageFormat format, uint64_t width, uint64_t height, uint64_t* bytes, std::string* why) {
  if (!IsInputFormat(format)) {
    *why = FormatText(format) + " cannot be an AIPP input format";
    return false;
  }
  if (NeedsEven(format) && (width % 2 || height % 2)) {
    *why = std::string(FormatName(format)) + " needs an even width and height, got " + Size2(width, height);
    return false;
  }
  const uint64_t pixels = width * height;  // callers pass at most 2^31 x 2^31
  switch (format) {
    case HIAI_YUV420SP_U8: *bytes = pixels * 3 / 2; break;
    case HIAI_YUV422SP_U8:
    case HIAI_YUYV_U8: *bytes = pixels * 2; break;
    case HIAI_YUV400_U8: *bytes = pixels; break;
    default: *bytes = pixels * static_cast<uint64_t>(RawChannels(format)); break;
  }
  return true;
}

ModelAipp DescribeModelAipp(const Graph& graph) {
  ModelAipp m;
  m.decl = graph.aipp;
  for (const std::string& name : graph.inputs) {
    AippInput in;
    in.name = name;
    in.dtype = graph.values.at(name).dtype;
    in.shape = graph.values.at(name).shape;
    if (in.dtype != DType::F32)  // the scale / zero point of the DequantizeLinear reading this input, if any
      for (const Node& n : graph.nodes) {
        if (n.op != "DequantizeLinear" || n.inputs.empty() || n.inputs[0] != name || n.inputs.size() < 2 ||
            !graph.IsConst(n.inputs[1]))
          continue;
        const Const& scale = graph.GetConst(n.inputs[1]);
        if (scale.dtype != DType::F32 || NumElements(scale.shape) != 1) continue;
        in.quantized = true;
        in.scale = scale.AsFloat()[0];
        if (n.inputs.size() > 2 && graph.IsConst(n.inputs[2]) && NumElements(graph.GetConst(n.inputs[2]).shape) == 1)
          in.zeroPoint = static_cast<int32_t>(graph.GetConst(n.inputs[2]).AsInt64()[0]);
        break;
      }
    m.inputs.push_back(std::move(in));
  }
  return m;
}

OH_NN_ReturnCode RunAipp(const ModelAipp& model, size_t index, const std::vector<AippRef>& refs, const uint8_t* src,
                         size_t srcBytes, void* out) {
  const AippInput& in = model.inputs[index];
  const std::string where = "RunSync: input " + std::to_string(index) + " ('" + in.name + "')";
  auto invalid = [&where](const std::string& m) { return SetLastError(OH_NN_INVALID_PARAMETER, where + ": " + m); };
  if (!model.decl.dynamic)
    return invalid(
        "the tensor carries AIPP params (HMS_HiAITensor_SetAippParams) but the model takes no dynamic AIPP (its "
        "ONNX metadata hiai.aipp.mode is not 'dynamic')");
  if (refs.size() != 1)
    return SetLastError(OH_NN_UNSUPPORTED, where + ": " + std::to_string(refs.size()) +
                                               " AIPP params; the host runs one per input (no per-branch AIPP)");
  AippConfig c;
  {
    std::lock_guard<std::mutex> lock(g_params_mutex);
    auto it = LiveParams().find(refs[0].param);
    if (it == LiveParams().end() || it->second != refs[0].serial)
      return invalid(
          "its HiAI_AippParam was destroyed after HMS_HiAITensor_SetAippParams; keep it until the tensor's last "
          "run");
    c = refs[0].param->config;
  }
  if (c.inputIndex != index)
    return invalid("the AIPP param is for input " + std::to_string(c.inputIndex) +
                   " (HMS_HiAIAippParam_SetInputIndex)");
  if (c.inputAippIndex != 0)
    return invalid("input AIPP index " + std::to_string(c.inputAippIndex) +
                   " (HMS_HiAIAippParam_SetInputAippIndex): the input has one branch (0)");
  std::string why;
  if (!Check(c, true, &why)) return invalid(why);
  for (size_t b = 0; b < c.batches.size(); ++b)
    if (c.batches[b].rotation != 0.f)
      return invalid("rotation " + std::to_string(static_cast<int>(c.batches[b].rotation)) +
                     " (HMS_HiAIAippParam_SetRotationAngle, batch " + std::to_string(b) +
                     "): AIPP rotates only in static single-op AIPP, not in dynamic AIPP");
  uint64_t imageBytes = 0;
  AippImageBytes(c.format, c.srcW, c.srcH, &imageBytes, &why);  // cannot fail after Check
  const std::string image = Size2(c.srcW, c.srcH) + " " + FormatName(c.format);
  if (imageBytes > model.decl.maxSrcImageSize)
    return invalid("the " + image + " source image is " + std::to_string(imageBytes) +
                   " bytes, over the model's max_src_image_size of " + std::to_string(model.decl.maxSrcImageSize) +
                   " (ONNX metadata hiai.aipp.max_src_image_size)");
  const uint64_t images = c.singleBatchMultiCrop ? 1 : c.batches.size();
  if (srcBytes < images * imageBytes)
    return invalid("the tensor holds " + std::to_string(srcBytes) + " bytes, below the " +
                   std::to_string(images * imageBytes) + " of " + std::to_string(images) + " " + image +
                   " image(s) (HMS_HiAITensor_GetSizeWithImageFormat)");
  const Shape& s = in.shape;
  const int k = OutChannels(c);
  for (size_t b = 0; b < c.batches.size(); ++b) {
    const AippBatch& p = c.batches[b];
    const uint64_t w = (p.resize ? p.resizeW : p.crop ? p.cropW : c.srcW) + p.padLeft + p.padRight;
    const uint64_t h = (p.resize ? p.resizeH : p.crop ? p.cropH : c.srcH) + p.padTop + p.padBottom;
    if (s.size() != 4 || static_cast<uint64_t>(s[0]) != c.batches.size() || static_cast<uint64_t>(s[2]) != h ||
        static_cast<uint64_t>(s[3]) != w || s[1] > k)
      return invalid("the AIPP output (batch " + std::to_string(b) + ": " + std::to_string(c.batches.size()) +
                     " image(s) of " + std::to_string(k) + " channel(s), " + Size2(w, h) +
                     " after crop/resize/padding) does not fit the model input " + ShapeString(s) +
                     " (N = the param's batch count, C <= the AIPP channels, H and W equal)");
  }
  if (in.dtype != DType::F32 && !in.quantized)
    return SetLastError(OH_NN_UNSUPPORTED, where + ": a " + DTypeName(in.dtype) +
                                               " input that no DequantizeLinear reads: no quantization to give the "
                                               "AIPP output");
  for (size_t b = 0; b < c.batches.size(); ++b)
    RunBatch(c, b, src + (c.singleBatchMultiCrop ? 0 : b * imageBytes), in, static_cast<int>(s[1]), out);
  return OH_NN_SUCCESS;
}

}  // namespace hostnn

using hostnn::AippBatch;
using hostnn::AippConfig;
using hostnn::SetLastError;

extern "C" {

HiAI_AippParam* HMS_HiAIAippParam_Create(uint32_t batchNum) {
  hostnn::ClearLastError();
  if (batchNum == 0 || batchNum > hostnn::kMaxBatch) {
    SetLastError(OH_NN_INVALID_PARAMETER,
                 "HMS_HiAIAippParam_Create: batchNum " + std::to_string(batchNum) + " is not in (0, 127]");
    return nullptr;
  }
  auto* p = new HiAI_AippParam;
  p->config.batches.resize(batchNum);
  std::lock_guard<std::mutex> lock(hostnn::g_params_mutex);
  p->serial = hostnn::g_next_serial++;
  hostnn::LiveParams()[p] = p->serial;
  return p;
}

void HMS_HiAIAippParam_Destroy(HiAI_AippParam** aippParam) {
  if (!aippParam || !*aippParam) return;
  {
    std::lock_guard<std::mutex> lock(hostnn::g_params_mutex);
    hostnn::LiveParams().erase(*aippParam);
  }
  delete *aippParam;
  *aippParam = nullptr;
}

// The host's parameter memory is the per-batch block.
void* HMS_HiAIAippParam_GetData(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) ? aippParam->config.batches.data() : nullptr;
}

uint32_t HMS_HiAIAippParam_GetDataSize(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  if (!hostnn::Lookup(__func__, aippParam, &rc)) return 0;
  return static_cast<uint32_t>(aippParam->config.batches.size() * sizeof(AippBatch));
}

int HMS_HiAIAippParam_GetInputIndex(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) ? static_cast<int>(aippParam->config.inputIndex) : -1;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetInputIndex(HiAI_AippParam* aippParam, uint32_t inputIndex) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string*) {
    c->inputIndex = inputIndex;  // checked against the tensor's input at RunSync
    return true;
  });
}

int HMS_HiAIAippParam_GetInputAippIndex(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) ? static_cast<int>(aippParam->config.inputAippIndex) : -1;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetInputAippIndex(HiAI_AippParam* aippParam, uint32_t inputAippIndex) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string*) {
    c->inputAippIndex = inputAippIndex;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetInputFormat(HiAI_AippParam* aippParam, HiAI_ImageFormat inputFormat) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string* why) {
    if (!hostnn::IsInputFormat(inputFormat)) {
      *why = hostnn::FormatText(inputFormat) + " cannot be an AIPP input format";
      return false;
    }
    c->format = inputFormat;
    return true;
  });
}

HiAI_ImageFormat HMS_HiAIAippParam_GetInputFormat(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) ? aippParam->config.format : HIAI_IMAGE_FORMAT_INVALID;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetInputShape(HiAI_AippParam* aippParam, uint32_t srcImageW, uint32_t srcImageH) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string* why) {
    if (srcImageW < hostnn::kMinSrc || srcImageW > hostnn::kMaxSrc || srcImageH < hostnn::kMinSrc ||
        srcImageH > hostnn::kMaxSrc) {
      *why = "the source image " + hostnn::Size2(srcImageW, srcImageH) + " is outside [16, 4096] x [16, 4096]";
      return false;
    }
    c->srcW = srcImageW;
    c->srcH = srcImageH;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetInputShape(HiAI_AippParam* aippParam, uint32_t* srcImageW, uint32_t* srcImageH) {
  OH_NN_ReturnCode rc;
  if (!hostnn::Lookup(__func__, aippParam, &rc)) return rc;
  if (!srcImageW || !srcImageH)
    return SetLastError(OH_NN_INVALID_PARAMETER, std::string(__func__) + ": NULL output pointer");
  *srcImageW = aippParam->config.srcW;
  *srcImageH = aippParam->config.srcH;
  return OH_NN_SUCCESS;
}

uint32_t HMS_HiAIAippParam_GetBatchCount(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) ? static_cast<uint32_t>(aippParam->config.batches.size()) : 0;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetCscConfig(HiAI_AippParam* aippParam, HiAI_ImageFormat inputFormat,
                                                HiAI_ImageFormat outputFormat, HiAI_ImageColorSpace space) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string* why) {
    if (!hostnn::CscPairAllowed(inputFormat, outputFormat)) {
      *why = "no colour-space conversion from " + hostnn::FormatText(inputFormat) + " to " +
             hostnn::FormatText(outputFormat) +
             " (YUV420SP/YUYV/YUV422SP/AYUV444 -> RGB888/BGR888/YUV400, XRGB8888/ARGB8888/RGB888/BGR888 -> "
             "YUV444SP/YVU444SP/YUV400)";
      return false;
    }
    if (space < HIAI_JPEG || space > HIAI_BT_709_NARROW) {
      *why = "colour space " + std::to_string(space) + " is not JPEG, BT_601_NARROW, BT_601_FULL or BT_709_NARROW";
      return false;
    }
    c->csc = true;
    c->cscIn = inputFormat;
    c->cscOut = outputFormat;
    c->space = space;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetCscConfig(HiAI_AippParam* aippParam, HiAI_ImageFormat* inputFormat,
                                                HiAI_ImageFormat* outputFormat, HiAI_ImageColorSpace* space) {
  OH_NN_ReturnCode rc;
  if (!hostnn::Lookup(__func__, aippParam, &rc)) return rc;
  if (!inputFormat || !outputFormat || !space)
    return SetLastError(OH_NN_INVALID_PARAMETER, std::string(__func__) + ": NULL output pointer");
  *inputFormat = aippParam->config.cscIn;
  *outputFormat = aippParam->config.cscOut;
  *space = aippParam->config.space;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetChannelSwapConfig(HiAI_AippParam* aippParam, bool rbuvSwapSwitch,
                                                        bool axSwapSwitch) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string*) {
    c->rbuvSwap = rbuvSwapSwitch;
    c->axSwap = axSwapSwitch;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetChannelSwapConfig(HiAI_AippParam* aippParam, bool* rbuvSwapSwitch,
                                                        bool* axSwapSwitch) {
  OH_NN_ReturnCode rc;
  if (!hostnn::Lookup(__func__, aippParam, &rc)) return rc;
  if (!rbuvSwapSwitch || !axSwapSwitch)
    return SetLastError(OH_NN_INVALID_PARAMETER, std::string(__func__) + ": NULL output pointer");
  *rbuvSwapSwitch = aippParam->config.rbuvSwap;
  *axSwapSwitch = aippParam->config.axSwap;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetSingleBatchMultiCrop(HiAI_AippParam* aippParam, bool singleBatchMultiCrop) {
  return hostnn::Update(__func__, aippParam, [&](AippConfig* c, std::string*) {
    c->singleBatchMultiCrop = singleBatchMultiCrop;
    return true;
  });
}

bool HMS_HiAIAippParam_GetSingleBatchMultiCrop(HiAI_AippParam* aippParam) {
  OH_NN_ReturnCode rc;
  return hostnn::Lookup(__func__, aippParam, &rc) && aippParam->config.singleBatchMultiCrop;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetCropConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t startPosW,
                                                 uint32_t startPosH, uint32_t croppedW, uint32_t croppedH) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (croppedW < 1 || croppedH < 1 || croppedW > hostnn::kMaxSrc || croppedH > hostnn::kMaxSrc) {
      *why = "the crop size " + hostnn::Size2(croppedW, croppedH) + " is outside [1, 4096] x [1, 4096]";
      return false;
    }
    p->crop = true;
    p->cropX = startPosW;
    p->cropY = startPosH;
    p->cropW = croppedW;
    p->cropH = croppedH;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetCropConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t* startPosW,
                                                 uint32_t* startPosH, uint32_t* croppedW, uint32_t* croppedH) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex,
                           hostnn::NullIf(!startPosW || !startPosH || !croppedW || !croppedH), [&](const AippBatch& p) {
                             *startPosW = p.cropX;
                             *startPosH = p.cropY;
                             *croppedW = p.cropW;
                             *croppedH = p.cropH;
                           });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetResizeConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t resizedW,
                                                   uint32_t resizedH) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (resizedW < hostnn::kMinResize || resizedW > hostnn::kMaxResizeW || resizedH < hostnn::kMinResize ||
        resizedH > hostnn::kMaxResizeH) {
      *why = "the resize output " + hostnn::Size2(resizedW, resizedH) + " is outside [16, 448] x [16, 4096]";
      return false;
    }
    p->resize = true;
    p->resizeW = resizedW;
    p->resizeH = resizedH;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetResizeConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t* resizedW,
                                                   uint32_t* resizedH) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex, hostnn::NullIf(!resizedW || !resizedH),
                           [&](const AippBatch& p) {
                             *resizedW = p.resizeW;
                             *resizedH = p.resizeH;
                           });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetPadConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t leftPadSize,
                                                uint32_t rightPadSize, uint32_t topPadSize, uint32_t bottomPadSize) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (std::max({leftPadSize, rightPadSize, topPadSize, bottomPadSize}) > hostnn::kMaxPad) {
      *why = "padding (left " + std::to_string(leftPadSize) + ", right " + std::to_string(rightPadSize) + ", top " +
             std::to_string(topPadSize) + ", bottom " + std::to_string(bottomPadSize) + ") over 32 on a side";
      return false;
    }
    p->padLeft = leftPadSize;
    p->padRight = rightPadSize;
    p->padTop = topPadSize;
    p->padBottom = bottomPadSize;
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetPadConfig(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t* leftPadSize,
                                                uint32_t* rightPadSize, uint32_t* topPadSize, uint32_t* bottomPadSize) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex,
                           hostnn::NullIf(!leftPadSize || !rightPadSize || !topPadSize || !bottomPadSize),
                           [&](const AippBatch& p) {
                             *leftPadSize = p.padLeft;
                             *rightPadSize = p.padRight;
                             *topPadSize = p.padTop;
                             *bottomPadSize = p.padBottom;
                           });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetChannelPadding(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                     uint32_t paddingValues[], uint32_t channelCount) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (!hostnn::ChannelCountOk(paddingValues, channelCount, why)) return false;
    for (uint32_t i = 0; i < channelCount; ++i) {
      int32_t v;
      std::memcpy(&v, &paddingValues[i], sizeof v);
      if (v < -hostnn::kMaxPadValue || v > hostnn::kMaxPadValue) {
        *why =
            "padding value " + std::to_string(v) + " of channel " + std::to_string(i) + " is outside [-65504, 65504]";
        return false;
      }
      p->padValue[i] = v;
    }
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetChannelPadding(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                     uint32_t paddingValues[], uint32_t channelCount) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex, hostnn::ChannelArrayError(paddingValues, channelCount),
                           [&](const AippBatch& p) { std::memcpy(paddingValues, p.padValue, channelCount * 4); });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetRotationAngle(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                    float rotationAngle) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (rotationAngle != 0.f && rotationAngle != 90.f && rotationAngle != 180.f && rotationAngle != 270.f) {
      *why = "rotation angle " + std::to_string(rotationAngle) + " is not 0, 90, 180 or 270";
      return false;
    }
    p->rotation = rotationAngle;  // refused by RunSync unless 0: dynamic AIPP does not rotate (README "AIPP")
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetRotationAngle(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                    float* rotationAngle) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex, hostnn::NullIf(!rotationAngle),
                           [&](const AippBatch& p) { *rotationAngle = p.rotation; });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMeanPixel(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t meanPixel[],
                                                   uint32_t channelCount) {
  return hostnn::UpdateBatch(__func__, aippParam, batchIndex, [&](AippBatch* p, std::string* why) {
    if (!hostnn::ChannelCountOk(meanPixel, channelCount, why)) return false;
    std::copy(meanPixel, meanPixel + channelCount, p->mean);
    return true;
  });
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcMeanPixel(HiAI_AippParam* aippParam, uint32_t batchIndex, uint32_t meanPixel[],
                                                   uint32_t channelCount) {
  return hostnn::ReadBatch(__func__, aippParam, batchIndex, hostnn::ChannelArrayError(meanPixel, channelCount),
                           [&](const AippBatch& p) { std::copy(p.mean, p.mean + channelCount, meanPixel); });
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMinPixel(HiAI_AippParam* aippParam, uint32_t batchIndex, float minPixel[],
                                                  uint32_t channelCount) {
  return hostnn::SetDtcFloats(__func__, aippParam, batchIndex, minPixel, channelCount, &AippBatch::min);
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcMinPixel(HiAI_AippParam* aippParam, uint32_t batchIndex, float minPixel[],
                                                  uint32_t channelCount) {
  return hostnn::GetDtcFloats(__func__, aippParam, batchIndex, minPixel, channelCount, &AippBatch::min);
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcVarReciPixel(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                      float varReciPixel[], uint32_t channelCount) {
  return hostnn::SetDtcFloats(__func__, aippParam, batchIndex, varReciPixel, channelCount, &AippBatch::varReci);
}

OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcVarReciPixel(HiAI_AippParam* aippParam, uint32_t batchIndex,
                                                      float varReciPixel[], uint32_t channelCount) {
  return hostnn::GetDtcFloats(__func__, aippParam, batchIndex, varReciPixel, channelCount, &AippBatch::varReci);
}

}  // extern "C"
