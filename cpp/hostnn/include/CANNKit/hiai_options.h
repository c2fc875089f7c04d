/*
 * NpuLens host build: our own declarations of the CANN Kit build options used by the app, written from the
 * public API reference (names and enum values as documented). cpp/hostnn records and validates them on the
 * host CPU device the way the device does; they have no effect on host execution.
 */
#ifndef NPULENS_HOST_CANNKIT_HIAI_OPTIONS_H
#define NPULENS_HOST_CANNKIT_HIAI_OPTIONS_H

#include <stddef.h>
#include "neural_network_runtime/neural_network_runtime_type.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HIAI_TUNING_MODE_UNSET = 0, HIAI_TUNING_MODE_AUTO = 1, HIAI_TUNING_MODE_HETER = 2 } HiAI_TuningMode;

typedef enum {
  HIAI_BANDMODE_UNSET = 0,
  HIAI_BANDMODE_LOW = 1,
  HIAI_BANDMODE_NORMAL = 2,
  HIAI_BANDMODE_HIGH = 3
} HiAI_BandMode;

typedef enum {
  HIAI_EXECUTE_DEVICE_NPU = 0,
  HIAI_EXECUTE_DEVICE_CPU = 1,
  HIAI_EXECUTE_DEVICE_GPU = 2
} HiAI_ExecuteDevice;

typedef enum { HIAI_OM_TYPE_OFF = 0, HIAI_OM_TYPE_PROFILING = 1, HIAI_OM_TYPE_DUMP = 2 } HiAI_OmType;

typedef enum { HIAI_FORMAT_MODE_NCHW = 0, HIAI_FORMAT_MODE_ORIGIN = 1 } HiAI_FormatMode;

typedef enum { HIAI_FALLBACK_ENABLED = 0, HIAI_FALLBACK_DISABLED = 1 } HiAI_FallbackMode;

typedef enum {
  HIAI_DEVICE_MEMORY_REUSE_PLAN_UNSET = 0,
  HIAI_DEVICE_MEMORY_REUSE_PLAN_LOW = 1,
  HIAI_DEVICE_MEMORY_REUSE_PLAN_HIGH = 2
} HiAI_DeviceMemoryReusePlan;

/* One desc per model input, in order; fixes the shapes of inputs with dynamic dims. */
OH_NN_ReturnCode HMS_HiAIOptions_SetInputTensorShapes(OH_NNCompilation *compilation, NN_TensorDesc *inputTensorDescs[],
                                                      size_t shapeCount);
OH_NN_ReturnCode HMS_HiAIOptions_SetTuningMode(OH_NNCompilation *compilation, HiAI_TuningMode tuningMode);
HiAI_TuningMode HMS_HiAIOptions_GetTuningMode(const OH_NNCompilation *compilation);
OH_NN_ReturnCode HMS_HiAIOptions_SetTuningCacheDir(OH_NNCompilation *compilation, const char *cacheDir);
const char *HMS_HiAIOptions_GetTuningCacheDir(const OH_NNCompilation *compilation);
OH_NN_ReturnCode HMS_HiAIOptions_SetBandMode(OH_NNCompilation *compilation, HiAI_BandMode bandMode);
HiAI_BandMode HMS_HiAIOptions_GetBandMode(const OH_NNCompilation *compilation);
OH_NN_ReturnCode HMS_HiAIOptions_SetModelDeviceOrder(OH_NNCompilation *compilation, HiAI_ExecuteDevice *executeDevices,
                                                     size_t deviceCount);
size_t HMS_HiAIOptions_GetModelDeviceCount(const OH_NNCompilation *compilation);
HiAI_ExecuteDevice *HMS_HiAIOptions_GetModelDeviceOrder(const OH_NNCompilation *compilation);
/** Profiling / dump output at model load (every other function here is from 4.1.0(11)). @since 5.1.0(18) */
OH_NN_ReturnCode HMS_HiAIOptions_SetOmOptions(OH_NNCompilation *compilation, HiAI_OmType type, const char *outputDir);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOST_CANNKIT_HIAI_OPTIONS_H */
