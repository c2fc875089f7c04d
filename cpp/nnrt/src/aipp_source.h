// The dynamic-AIPP input of a session for one source (format, size): its HiAI_AippParam set from the InputSpec, the
// NN_TensorDesc of the source image and, for frames that are copied, an AIPP input tensor of
// HMS_HiAITensor_GetSizeWithImageFormat bytes. The session keeps one and makes a new one only when the source
// changes. The configuration (what the NPU's AIPP does to a frame, in the guide's stage order):
//   input format: NV12 → YUV420SP_U8; NV21 → YUV420SP_U8 with the U/V swap; RGB → RGB888_U8; RGBA / BGRA →
//     XRGB8888_U8 with the A/X swap (RGBA → ARGB), plus the R/B swap where the memory order differs from the model's
//     colorOrder (RGB888 likewise)
//   → crop: the InputSpec's centre crop (centerCrop × the shorter side, centred; whole image at 1), in whole pixels,
//     offsets and sizes even for YUV (the guide's rule for YUV420SP); a row stride with padding is a wider source
//     whose padding the crop leaves out
//   → CSC (YUV only): YUV420SP → RGB888 or BGR888 (the model's colorOrder), colour space HIAI_JPEG (full-range
//     BT.601, the camera's; the CPU path converts with the same matrix)
//   → resize to the model's width × height (bilinear; the CPU path also area-averages when shrinking over 2×)
//   → DTC per channel: (pixel − mean_chn − min_chn) × var_reci_chn with mean_chn the integer part of the manifest's
//     mean, min_chn its fraction and var_reci_chn = 1 / std, as fp16.
// All calls under the NNRt call lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "CANNKit/hiai_aipp_param.h"
#include "core/manifest.h"
#include "core/preprocess.h"
#include "core/status.h"
#include "nnrt_handles.h"

namespace npulens {

// What the AIPP reads: a source image srcWidth × height (srcWidth ≥ width: the row stride in pixels when the fd's
// rows are padded) of which the width × height on the left is the picture. preCropped: the CPU already cropped and
// resized the frame to the model size (the fallback for frames AIPP cannot take), so AIPP takes the whole image.
// rotation: the frame's ImageView::rotation; dynamic AIPP cannot turn a frame, so AippTakes refuses a non-zero one.
struct AippSourceKey {
  PixelFormat format = PixelFormat::kRGBA8;
  int width = 0;
  int height = 0;
  int srcWidth = 0;
  bool preCropped = false;
  int rotation = 0;
  bool operator==(const AippSourceKey& o) const {
    return format == o.format && width == o.width && height == o.height && srcWidth == o.srcWidth &&
           preCropped == o.preCropped && rotation == o.rotation;
  }
};

// The values the params get (exposed for tests and messages).
struct AippPlan {
  HiAI_ImageFormat format = HIAI_IMAGE_FORMAT_INVALID;
  bool rbuvSwap = false;
  bool axSwap = false;
  bool csc = false;
  HiAI_ImageFormat cscOutput = HIAI_IMAGE_FORMAT_INVALID;
  uint32_t cropX = 0, cropY = 0, cropWidth = 0, cropHeight = 0;
  uint32_t meanPixel[3] = {0, 0, 0};
  float minPixel[3] = {0, 0, 0};
  float varReciPixel[3] = {1, 1, 1};
};
AippPlan PlanAipp(const AippSourceKey& key, const InputSpec& spec);

// Whether the target's AIPP takes the source as it is (step "aipp.config"): it needs no rotation and its format is
// listed in aipp.formats (NPULENS_UNSUPPORTED), its sides are within the guide's 16..4096, the resize ratio from the
// crop to the model size is at most 16x per axis, and its size (as HMS_HiAITensor_GetSizeWithImageFormat gives it:
// YUV420SP 1.5, RGB888 3, XRGB8888 4 bytes per pixel) is within aipp.maxSrcImageSize (NPULENS_OUT_OF_RANGE). Pure: no
// NNRt call, so the session decides before making anything whether the frame goes to AIPP or is resized on the CPU
// first.
Status AippTakes(const AippSourceKey& key, const InputSpec& spec, const AippSpec& aipp);

class AippSource {
 public:
  // Checks AippTakes, makes the source desc (step "aipp.tensor"), checks the runtime's size of the image against the
  // target's maxSrcImageSize and sets the params (step "aipp.config", naming the HMS_HiAIAippParam_* call the runtime
  // refused).
  static Result<std::unique_ptr<AippSource>> Create(const AippSourceKey& key, const InputSpec& spec,
                                                    const AippSpec& aipp);

  const AippSourceKey& key() const { return key_; }
  size_t imageBytes() const { return imageBytes_; }  // HMS_HiAITensor_GetSizeWithImageFormat of the source

  // The AIPP input tensor that frames are copied into (made on first use: OH_NNTensor_CreateWithSize of
  // imageBytes, params set). Step "aipp.tensor".
  Result<NN_Tensor*> CopyTensor(size_t deviceId);
  void* copyData() const { return copyData_; }

  // A tensor over the caller's fd (OH_NNTensor_CreateWithFd(deviceId, desc, fd, size, 0), params set) for one run;
  // the caller destroys it before this source. size ≥ imageBytes. Step "aipp.tensor".
  Result<TensorHandle> WrapFd(size_t deviceId, int fd, size_t size);

 private:
  AippSource() = default;
  Status SetParams(const AippPlan& plan, const InputSpec& spec);

  AippSourceKey key_;
  size_t imageBytes_ = 0;
  TensorDescHandle desc_;
  AippParamHandle params_;  // before the tensor: a tensor keeps a pointer to its params
  TensorHandle copyTensor_;
  void* copyData_ = nullptr;
};

}  // namespace npulens
