#include "aipp_source.h"

#include <algorithm>
#include <cmath>

#include "CANNKit/hiai_tensor.h"
#include "nnrt_status.h"

namespace npulens {
namespace {

constexpr int kAippSourceSideMin = 16;  // HMS_HiAIAippParam_SetInputShape: 16..4096 per side
constexpr int kAippSourceSideMax = 4096;
constexpr uint64_t kAippResizeRatioMax = 16;  // the resize scales by 1/16 .. 16 per axis

HiAI_ImageFormat AippFormat(PixelFormat f) {
  switch (f) {
    case PixelFormat::kNV21:
    case PixelFormat::kNV12: return HIAI_YUV420SP_U8;
    case PixelFormat::kRGB8: return HIAI_RGB888_U8;
    case PixelFormat::kRGBA8:
    case PixelFormat::kBGRA8: return HIAI_XRGB8888_U8;
  }
  return HIAI_IMAGE_FORMAT_INVALID;
}

// The desc's channel count: chosen so that its byte size (uint8) never exceeds the image's, because NNRt's
// CreateWithSize and CreateWithFd refuse a size below the desc's byte size (YUV420SP is 1.5 bytes per pixel).
int32_t DescChannels(HiAI_ImageFormat f) { return f == HIAI_YUV420SP_U8 ? 1 : f == HIAI_RGB888_U8 ? 3 : 4; }

std::string SourceText(const AippSourceKey& k) {
  return std::string(PixelFormatName(k.format)) + " " + std::to_string(k.width) + "x" + std::to_string(k.height) +
         (k.srcWidth != k.width ? " (rows of " + std::to_string(k.srcWidth) + " pixels)" : "");
}

Status OverSourceLimit(const AippSourceKey& key, uint64_t bytes, const AippSpec& aipp) {
  return Status("aipp.config", code::kOutOfRange,
                "the " + SourceText(key) + " frame is " + std::to_string(bytes) +
                    " bytes, over the model's AIPP limit of " + std::to_string(aipp.maxSrcImageSize) +
                    " (aipp.maxSrcImageSize)");
}

}  // namespace

AippPlan PlanAipp(const AippSourceKey& key, const InputSpec& spec) {
  AippPlan p;
  p.format = AippFormat(key.format);
  const bool yuv = IsYuv420sp(key.format);
  const bool bgrModel = spec.colorOrder == ColorOrder::kBGR;
  if (yuv) {
    p.rbuvSwap = key.format == PixelFormat::kNV21;  // YUV420SP is U,V; NV21 stores V,U
    p.csc = true;
    p.cscOutput = bgrModel ? HIAI_BGR888_U8 : HIAI_RGB888_U8;
  } else {
    p.axSwap = key.format != PixelFormat::kRGB8;  // RGBA / BGRA → ARGB / ABGR: the XRGB8888 layout
    const bool bgrMemory = key.format == PixelFormat::kBGRA8;
    p.rbuvSwap = bgrMemory != bgrModel;
  }
  uint32_t side = 0;
  const int shorter = std::min(key.width, key.height);
  if (spec.centerCrop < 1.0f && !key.preCropped) {
    side = static_cast<uint32_t>(std::lround(static_cast<double>(spec.centerCrop) * shorter));
    if (yuv) side &= ~1u;
    side = std::max(side, yuv ? 2u : 1u);
    p.cropWidth = p.cropHeight = side;
    p.cropX = (static_cast<uint32_t>(key.width) - side) / 2;
    p.cropY = (static_cast<uint32_t>(key.height) - side) / 2;
    if (yuv) p.cropX &= ~1u, p.cropY &= ~1u;
  } else {
    p.cropWidth = static_cast<uint32_t>(key.width);
    p.cropHeight = static_cast<uint32_t>(key.height);
  }
  for (int c = 0; c < 3; ++c) {
    const float mean = spec.mean[c];
    const float whole = mean >= 0 ? std::min(std::floor(mean), 255.0f) : 0.0f;
    p.meanPixel[c] = static_cast<uint32_t>(whole);
    p.minPixel[c] = mean - whole;
    p.varReciPixel[c] = 1.0f / spec.std[c];
  }
  return p;
}

Status AippTakes(const AippSourceKey& key, const InputSpec& spec, const AippSpec& aipp) {
  if (key.rotation != 0) {
    // HMS_HiAIAippParam_SetRotationAngle exists, but the guide allows a rotation only in static single-op AIPP (the
    // host runtime refuses a non-zero angle likewise); the CPU fallback turns the frame instead.
    return Status("aipp.config", code::kUnsupported,
                  "the " + SourceText(key) + " frame needs a " + std::to_string(key.rotation) +
                      "° turn: dynamic AIPP cannot rotate (the guide: rotation only in static AIPP)");
  }
  const char* name = PixelFormatName(key.format);
  if (!aipp.Accepts(name)) {
    std::string listed;
    for (const std::string& f : aipp.formats) listed += (listed.empty() ? "" : ", ") + f;
    return Status("aipp.config", code::kUnsupported,
                  std::string("the model's AIPP does not take ") + name + " frames (aipp.formats: " + listed + ")");
  }
  // The guide's limits, checked here so that the error says why on the phone too (its runtime gives no detail):
  // sources of 16..4096 per side, resize ratios within [1/16, 16] per axis.
  if (key.srcWidth < kAippSourceSideMin || key.srcWidth > kAippSourceSideMax || key.height < kAippSourceSideMin ||
      key.height > kAippSourceSideMax) {
    return Status("aipp.config", code::kOutOfRange,
                  "the " + SourceText(key) + " frame is outside AIPP's source sizes " +
                      std::to_string(kAippSourceSideMin) + ".." + std::to_string(kAippSourceSideMax) + " per side");
  }
  const AippPlan plan = PlanAipp(key, spec);
  const auto ratioOk = [](uint32_t from, int to) {
    const uint64_t f = from, t = static_cast<uint64_t>(to);
    return f <= t * kAippResizeRatioMax && t <= f * kAippResizeRatioMax;
  };
  if (!ratioOk(plan.cropWidth, spec.width) || !ratioOk(plan.cropHeight, spec.height)) {
    return Status("aipp.config", code::kOutOfRange,
                  "AIPP resizes by at most " + std::to_string(kAippResizeRatioMax) + "x per axis; the " +
                      SourceText(key) + " frame's crop " + std::to_string(plan.cropWidth) + "x" +
                      std::to_string(plan.cropHeight) + " would go to " + std::to_string(spec.width) + "x" +
                      std::to_string(spec.height));
  }
  // Sides within 4096: no overflow. YUV420SP sources have even sides (ValidateImage).
  const uint64_t pixels = static_cast<uint64_t>(key.srcWidth) * static_cast<uint64_t>(key.height);
  const uint64_t bytes = plan.format == HIAI_YUV420SP_U8 ? pixels * 3 / 2 : pixels * DescChannels(plan.format);
  if (bytes > aipp.maxSrcImageSize) return OverSourceLimit(key, bytes, aipp);
  return Status::Ok();
}

Result<std::unique_ptr<AippSource>> AippSource::Create(const AippSourceKey& key, const InputSpec& spec,
                                                       const AippSpec& aipp) {
  Status takes = AippTakes(key, spec, aipp);
  if (!takes.ok()) return takes;
  const AippPlan plan = PlanAipp(key, spec);
  std::unique_ptr<AippSource> src(new AippSource());
  src->key_ = key;
  src->desc_ = TensorDescHandle(OH_NNTensorDesc_Create());
  if (!src->desc_) return NnNullStatus("aipp.tensor", "OH_NNTensorDesc_Create");
  const int32_t shape[4] = {1, DescChannels(plan.format), key.height, key.srcWidth};
  OH_NN_ReturnCode rc = OH_NNTensorDesc_SetDataType(src->desc_.get(), OH_NN_UINT8);
  if (rc == OH_NN_SUCCESS) rc = OH_NNTensorDesc_SetFormat(src->desc_.get(), OH_NN_FORMAT_NCHW);
  if (rc == OH_NN_SUCCESS) rc = OH_NNTensorDesc_SetShape(src->desc_.get(), shape, 4);
  if (rc != OH_NN_SUCCESS) return NnStatus("aipp.tensor", rc, "the source desc of the " + SourceText(key) + " frame");
  src->imageBytes_ = HMS_HiAITensor_GetSizeWithImageFormat(src->desc_.get(), plan.format);
  if (src->imageBytes_ == 0) {
    return NnStatus("aipp.tensor", OH_NN_INVALID_PARAMETER,
                    "HMS_HiAITensor_GetSizeWithImageFormat gave 0 bytes for the " + SourceText(key) + " frame");
  }
  // The runtime's size decides (AippTakes predicted it from the format).
  if (src->imageBytes_ > aipp.maxSrcImageSize) return OverSourceLimit(key, src->imageBytes_, aipp);
  src->params_ = AippParamHandle(HMS_HiAIAippParam_Create(1));
  if (!src->params_) return NnNullStatus("aipp.config", "HMS_HiAIAippParam_Create(1)");
  Status s = src->SetParams(plan, spec);
  if (!s.ok()) return s.WithDetail("for the " + SourceText(key) + " frame");
  return Result<std::unique_ptr<AippSource>>(std::move(src));
}

Status AippSource::SetParams(const AippPlan& p, const InputSpec& spec) {
  HiAI_AippParam* a = params_.get();
  // The setters in the guide's stage order; the first refusal is the error, naming the call and its values.
  Status status;
  auto check = [&status](const std::string& text, OH_NN_ReturnCode rc) {
    if (status.ok() && rc != OH_NN_SUCCESS) status = NnStatus("aipp.config", rc, text + " failed");
    return status.ok();
  };
  auto u = [](uint32_t v) { return std::to_string(v); };
  const uint32_t srcW = static_cast<uint32_t>(key_.srcWidth), srcH = static_cast<uint32_t>(key_.height);
  const uint32_t outW = static_cast<uint32_t>(spec.width), outH = static_cast<uint32_t>(spec.height);
  uint32_t mean[3] = {p.meanPixel[0], p.meanPixel[1], p.meanPixel[2]};
  float min[3] = {p.minPixel[0], p.minPixel[1], p.minPixel[2]};
  float varReci[3] = {p.varReciPixel[0], p.varReciPixel[1], p.varReciPixel[2]};
  (void)(check("HMS_HiAIAippParam_SetInputIndex(0)", HMS_HiAIAippParam_SetInputIndex(a, 0)) &&
         check("HMS_HiAIAippParam_SetInputFormat(" + u(p.format) + ")",
               HMS_HiAIAippParam_SetInputFormat(a, p.format)) &&
         check("HMS_HiAIAippParam_SetInputShape(" + u(srcW) + ", " + u(srcH) + ")",
               HMS_HiAIAippParam_SetInputShape(a, srcW, srcH)) &&
         check("HMS_HiAIAippParam_SetCropConfig(0, " + u(p.cropX) + ", " + u(p.cropY) + ", " + u(p.cropWidth) + ", " +
                   u(p.cropHeight) + ")",
               HMS_HiAIAippParam_SetCropConfig(a, 0, p.cropX, p.cropY, p.cropWidth, p.cropHeight)) &&
         (!p.csc || check("HMS_HiAIAippParam_SetCscConfig(" + u(p.format) + ", " + u(p.cscOutput) + ", HIAI_JPEG)",
                          HMS_HiAIAippParam_SetCscConfig(a, p.format, p.cscOutput, HIAI_JPEG))) &&
         check(std::string("HMS_HiAIAippParam_SetChannelSwapConfig(") + (p.rbuvSwap ? "true" : "false") + ", " +
                   (p.axSwap ? "true" : "false") + ")",
               HMS_HiAIAippParam_SetChannelSwapConfig(a, p.rbuvSwap, p.axSwap)) &&
         check("HMS_HiAIAippParam_SetResizeConfig(0, " + u(outW) + ", " + u(outH) + ")",
               HMS_HiAIAippParam_SetResizeConfig(a, 0, outW, outH)) &&
         check("HMS_HiAIAippParam_SetDtcMeanPixel", HMS_HiAIAippParam_SetDtcMeanPixel(a, 0, mean, 3)) &&
         check("HMS_HiAIAippParam_SetDtcMinPixel", HMS_HiAIAippParam_SetDtcMinPixel(a, 0, min, 3)) &&
         check("HMS_HiAIAippParam_SetDtcVarReciPixel", HMS_HiAIAippParam_SetDtcVarReciPixel(a, 0, varReci, 3)));
  return status;
}

Result<NN_Tensor*> AippSource::CopyTensor(size_t deviceId) {
  if (copyTensor_) return copyTensor_.get();
  TensorHandle t(OH_NNTensor_CreateWithSize(deviceId, desc_.get(), imageBytes_));
  if (!t) {
    return NnNullStatus("aipp.tensor", "OH_NNTensor_CreateWithSize")
        .WithDetail(std::to_string(imageBytes_) + " bytes for the " + SourceText(key_) + " frame");
  }
  HiAI_AippParam* params[1] = {params_.get()};
  const OH_NN_ReturnCode rc = HMS_HiAITensor_SetAippParams(t.get(), params, 1);
  if (rc != OH_NN_SUCCESS) return NnStatus("aipp.tensor", rc, "HMS_HiAITensor_SetAippParams failed");
  void* data = OH_NNTensor_GetDataBuffer(t.get());
  if (data == nullptr) return NnStatus("aipp.tensor", OH_NN_MEMORY_ERROR, "the AIPP input tensor has no buffer");
  copyTensor_ = std::move(t);
  copyData_ = data;
  return copyTensor_.get();
}

Result<TensorHandle> AippSource::WrapFd(size_t deviceId, int fd, size_t size) {
  TensorHandle t(OH_NNTensor_CreateWithFd(deviceId, desc_.get(), fd, size, 0));
  if (!t) {
    return NnNullStatus("aipp.tensor", "OH_NNTensor_CreateWithFd")
        .WithDetail("fd " + std::to_string(fd) + ", " + std::to_string(size) + " bytes, the " + SourceText(key_) +
                    " frame");
  }
  HiAI_AippParam* params[1] = {params_.get()};
  const OH_NN_ReturnCode rc = HMS_HiAITensor_SetAippParams(t.get(), params, 1);
  if (rc != OH_NN_SUCCESS) return NnStatus("aipp.tensor", rc, "HMS_HiAITensor_SetAippParams failed");
  return Result<TensorHandle>(std::move(t));
}

}  // namespace npulens
