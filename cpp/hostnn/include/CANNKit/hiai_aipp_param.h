/*
 * NpuLens host build: our own declarations of the CANN Kit dynamic-AIPP parameter object (CANNKit/hiai_aipp_param.h,
 * libhiai_foundation.so), written from the public API reference: names, signatures and enum values as documented.
 * Every function here is available since 4.1.0(11). cpp/hostnn implements them with the device's validation and
 * runs the AIPP stages on the CPU at RunSync (cpp/hostnn/README.md, "AIPP").
 */
#ifndef NPULENS_HOST_CANNKIT_HIAI_AIPP_PARAM_H
#define NPULENS_HOST_CANNKIT_HIAI_AIPP_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "neural_network_runtime/neural_network_runtime_type.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HiAI_AippParam HiAI_AippParam;

typedef enum {
  HIAI_YUV420SP_U8 = 0,
  HIAI_XRGB8888_U8 = 1,
  HIAI_YUV400_U8 = 2,
  HIAI_ARGB8888_U8 = 3,
  HIAI_YUYV_U8 = 4,
  HIAI_YUV422SP_U8 = 5,
  HIAI_AYUV444_U8 = 6,
  HIAI_RGB888_U8 = 7,
  HIAI_BGR888_U8 = 8,
  HIAI_YUV444SP_U8 = 9,
  HIAI_YVU444SP_U8 = 10,
  HIAI_IMAGE_FORMAT_INVALID = 255
} HiAI_ImageFormat;

typedef enum {
  HIAI_JPEG = 0,
  HIAI_BT_601_NARROW = 1,
  HIAI_BT_601_FULL = 2,
  HIAI_BT_709_NARROW = 3,
  HIAI_IMAGE_COLOR_SPACE_INVALID = 4
} HiAI_ImageColorSpace;

/* batchNum in (0, 127]; NULL otherwise. Release with HMS_HiAIAippParam_Destroy. */
HiAI_AippParam *HMS_HiAIAippParam_Create(uint32_t batchNum);
void *HMS_HiAIAippParam_GetData(HiAI_AippParam *aippParam);
uint32_t HMS_HiAIAippParam_GetDataSize(HiAI_AippParam *aippParam);
/* -1 for a NULL object. */
int HMS_HiAIAippParam_GetInputIndex(HiAI_AippParam *aippParam);
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputIndex(HiAI_AippParam *aippParam, uint32_t inputIndex);
int HMS_HiAIAippParam_GetInputAippIndex(HiAI_AippParam *aippParam);
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputAippIndex(HiAI_AippParam *aippParam, uint32_t inputAippIndex);
void HMS_HiAIAippParam_Destroy(HiAI_AippParam **aippParam);

/* Not HIAI_YUV444SP_U8 / HIAI_YVU444SP_U8 (output-only formats). */
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputFormat(HiAI_AippParam *aippParam, HiAI_ImageFormat inputFormat);
HiAI_ImageFormat HMS_HiAIAippParam_GetInputFormat(HiAI_AippParam *aippParam);
/* Source image width and height, each in [16, 4096]. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputShape(HiAI_AippParam *aippParam, uint32_t srcImageW, uint32_t srcImageH);
OH_NN_ReturnCode HMS_HiAIAippParam_GetInputShape(HiAI_AippParam *aippParam, uint32_t *srcImageW, uint32_t *srcImageH);
uint32_t HMS_HiAIAippParam_GetBatchCount(HiAI_AippParam *aippParam);

OH_NN_ReturnCode HMS_HiAIAippParam_SetCscConfig(HiAI_AippParam *aippParam, HiAI_ImageFormat inputFormat,
                                                HiAI_ImageFormat outputFormat, HiAI_ImageColorSpace space);
OH_NN_ReturnCode HMS_HiAIAippParam_GetCscConfig(HiAI_AippParam *aippParam, HiAI_ImageFormat *inputFormat,
                                                HiAI_ImageFormat *outputFormat, HiAI_ImageColorSpace *space);
OH_NN_ReturnCode HMS_HiAIAippParam_SetChannelSwapConfig(HiAI_AippParam *aippParam, bool rbuvSwapSwitch,
                                                        bool axSwapSwitch);
OH_NN_ReturnCode HMS_HiAIAippParam_GetChannelSwapConfig(HiAI_AippParam *aippParam, bool *rbuvSwapSwitch,
                                                        bool *axSwapSwitch);
OH_NN_ReturnCode HMS_HiAIAippParam_SetSingleBatchMultiCrop(HiAI_AippParam *aippParam, bool singleBatchMultiCrop);
bool HMS_HiAIAippParam_GetSingleBatchMultiCrop(HiAI_AippParam *aippParam);

/* batchIndex in [0, batchNum) for every per-batch setter and getter below. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetCropConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t startPosW,
                                                 uint32_t startPosH, uint32_t croppedW, uint32_t croppedH);
OH_NN_ReturnCode HMS_HiAIAippParam_GetCropConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t *startPosW,
                                                 uint32_t *startPosH, uint32_t *croppedW, uint32_t *croppedH);
/* Bilinear; output in [16, 448] x [16, 4096], ratio in [1/16, 16]. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetResizeConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t resizedW,
                                                   uint32_t resizedH);
OH_NN_ReturnCode HMS_HiAIAippParam_GetResizeConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t *resizedW,
                                                   uint32_t *resizedH);
OH_NN_ReturnCode HMS_HiAIAippParam_SetPadConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t leftPadSize,
                                                uint32_t rightPadSize, uint32_t topPadSize, uint32_t bottomPadSize);
OH_NN_ReturnCode HMS_HiAIAippParam_GetPadConfig(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t *leftPadSize,
                                                uint32_t *rightPadSize, uint32_t *topPadSize, uint32_t *bottomPadSize);
/* channelCount in [1, 4]. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetChannelPadding(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                     uint32_t paddingValues[], uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_GetChannelPadding(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                     uint32_t paddingValues[], uint32_t channelCount);
/* 0, 90, 180 or 270. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetRotationAngle(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                    float rotationAngle);
OH_NN_ReturnCode HMS_HiAIAippParam_GetRotationAngle(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                    float *rotationAngle);
/* DTC, per channel i < channelCount (in [1, 4]): out = (in - meanPixel[i] - minPixel[i]) * varReciPixel[i], fp16. */
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMeanPixel(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t meanPixel[],
                                                   uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcMeanPixel(HiAI_AippParam *aippParam, uint32_t batchIndex, uint32_t meanPixel[],
                                                   uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMinPixel(HiAI_AippParam *aippParam, uint32_t batchIndex, float minPixel[],
                                                  uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcMinPixel(HiAI_AippParam *aippParam, uint32_t batchIndex, float minPixel[],
                                                  uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcVarReciPixel(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                      float varReciPixel[], uint32_t channelCount);
OH_NN_ReturnCode HMS_HiAIAippParam_GetDtcVarReciPixel(HiAI_AippParam *aippParam, uint32_t batchIndex,
                                                      float varReciPixel[], uint32_t channelCount);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOST_CANNKIT_HIAI_AIPP_PARAM_H */
