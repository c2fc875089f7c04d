// Dynamic AIPP on the host: the HiAI_AippParam object behind CANNKit/hiai_aipp_param.h (its C functions are in
// aipp.cpp) and the CPU emulation of the AIPP stages that RunSync applies to an input tensor carrying params
// (cpp/hostnn/README.md, "AIPP": stage order, formulas, limits and where each comes from).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "CANNKit/hiai_aipp_param.h"
#include "model.h"

namespace hostnn {

// Sets / clears the thread's HostNN_GetLastErrorMessage text (api.cpp owns it); SetLastError returns code.
OH_NN_ReturnCode SetLastError(OH_NN_ReturnCode code, const std::string& message);
void ClearLastError();

// The per-batch parameters (one per image of a multi-batch input, or per crop with single-batch multi-crop).
struct AippBatch {
  bool crop = false;
  uint32_t cropX = 0, cropY = 0, cropW = 0, cropH = 0;
  bool resize = false;
  uint32_t resizeW = 0, resizeH = 0;
  uint32_t padLeft = 0, padRight = 0, padTop = 0, padBottom = 0;
  int32_t padValue[4] = {0, 0, 0, 0};  // the API's uint32_t values read as two's complement: [-65504, 65504]
  float rotation = 0.f;
  uint32_t mean[4] = {0, 0, 0, 0};
  float min[4] = {0.f, 0.f, 0.f, 0.f};
  float varReci[4] = {1.f, 1.f, 1.f, 1.f};
};

// Everything a HiAI_AippParam holds (RunSync works on a copy taken when it starts).
struct AippConfig {
  uint32_t inputIndex = 0;  // the guide: with neither input_name nor related_input_rank, AIPP applies to input 0
  uint32_t inputAippIndex = 0;
  HiAI_ImageFormat format = HIAI_IMAGE_FORMAT_INVALID;
  uint32_t srcW = 0, srcH = 0;  // 0: not set
  bool csc = false;
  HiAI_ImageFormat cscIn = HIAI_IMAGE_FORMAT_INVALID, cscOut = HIAI_IMAGE_FORMAT_INVALID;
  HiAI_ImageColorSpace space = HIAI_IMAGE_COLOR_SPACE_INVALID;
  bool rbuvSwap = false, axSwap = false;
  bool singleBatchMultiCrop = false;
  std::vector<AippBatch> batches;
};

// A tensor's link to a param (HMS_HiAITensor_SetAippParams keeps pointers, as the device does): the pointer and
// the serial it had then, so a param destroyed (and its address reused) before RunSync is caught, not read.
struct AippRef {
  const HiAI_AippParam* param = nullptr;
  uint64_t serial = 0;
};
// false when param is not a live HiAI_AippParam.
bool RefAippParam(const HiAI_AippParam* param, AippRef* ref);

// Bytes of one width x height image in an AIPP input format; false (why set) for a format AIPP cannot take as
// input or odd sizes of a chroma-subsampled YUV format.
bool AippImageBytes(HiAI_ImageFormat format, uint64_t width, uint64_t height, uint64_t* bytes, std::string* why);

// A model input as the AIPP output must fill it: float32 gets the fp16-rounded DTC values; int8/uint8 the values
// quantized with the scale / zero point of the DequantizeLinear that reads the input (quantized = false: none).
struct AippInput {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  bool quantized = false;
  float scale = 1.f;
  int32_t zeroPoint = 0;
};
struct ModelAipp {
  AippDecl decl;
  std::vector<AippInput> inputs;  // in model input order
};
ModelAipp DescribeModelAipp(const Graph& graph);

// RunSync's AIPP for model input `index`: src holds srcBytes of raw images, out the input's ByteSize bytes.
// Non-success: the code, with the last-error message naming the input, the call that set the value and the limit.
OH_NN_ReturnCode RunAipp(const ModelAipp& model, size_t index, const std::vector<AippRef>& refs, const uint8_t* src,
                         size_t srcBytes, void* out);

}  // namespace hostnn
