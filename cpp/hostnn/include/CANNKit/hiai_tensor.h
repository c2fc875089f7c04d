/*
 * NpuLens host build: our own declarations of the CANN Kit AIPP tensor helpers (CANNKit/hiai_tensor.h,
 * libhiai_foundation.so), written from the public API reference. Both functions are available since 4.1.0(11).
 */
#ifndef NPULENS_HOST_CANNKIT_HIAI_TENSOR_H
#define NPULENS_HOST_CANNKIT_HIAI_TENSOR_H

#include <stddef.h>
#include "hiai_aipp_param.h"
#include "neural_network_runtime/neural_network_runtime_type.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes a tensor needs for an image of `format` whose height and width are desc's ([N, C, H, W] or [N, H, W, C]);
 * 0 for a NULL desc or a format that cannot be an AIPP input. */
size_t HMS_HiAITensor_GetSizeWithImageFormat(NN_TensorDesc *desc, HiAI_ImageFormat format);
/* Links the params to the tensor for RunSync. The tensor keeps the pointers, not copies: destroy the params only
 * after the tensor's last use. */
OH_NN_ReturnCode HMS_HiAITensor_SetAippParams(NN_Tensor *tensor, HiAI_AippParam *aippParams[], size_t aippNum);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOST_CANNKIT_HIAI_TENSOR_H */
