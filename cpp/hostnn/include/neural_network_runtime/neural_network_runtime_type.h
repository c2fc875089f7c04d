/*
 * NpuLens host build: our own declarations of the NNRt (Neural Network Runtime) types, written from the
 * public API reference (names and numeric values as documented) so the engine compiles unchanged against the
 * HarmonyOS SDK header of the same name. Implemented on Linux by cpp/hostnn (a CPU device).
 */
#ifndef NEURAL_NETWORK_RUNTIME_TYPE_H
#define NEURAL_NETWORK_RUNTIME_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct OH_NNModel OH_NNModel;
typedef struct OH_NNCompilation OH_NNCompilation;
typedef struct OH_NNExecutor OH_NNExecutor;
typedef struct NN_QuantParam NN_QuantParam;
typedef struct NN_TensorDesc NN_TensorDesc;
typedef struct NN_Tensor NN_Tensor;

typedef enum {
  OH_NN_SUCCESS = 0,
  OH_NN_FAILED = 1,
  OH_NN_INVALID_PARAMETER = 2,
  OH_NN_MEMORY_ERROR = 3,
  OH_NN_OPERATION_FORBIDDEN = 4,
  OH_NN_NULL_PTR = 5,
  OH_NN_INVALID_FILE = 6,
  /* Deprecated since 11 (misspelt in the SDK); use OH_NN_UNAVAILABLE_DEVICE. */
  OH_NN_UNAVALIDABLE_DEVICE = 7,
  OH_NN_INVALID_PATH = 8,
  OH_NN_TIMEOUT = 9,
  OH_NN_UNSUPPORTED = 10,
  OH_NN_CONNECTION_EXCEPTION = 11,
  OH_NN_SAVE_CACHE_EXCEPTION = 12,
  OH_NN_DYNAMIC_SHAPE = 13,
  OH_NN_UNAVAILABLE_DEVICE = 14
} OH_NN_ReturnCode;

/* int8_t-based, as in the SDK (C++ only there too): the type's size is part of the ABI. */
typedef enum : int8_t { OH_NN_FUSED_NONE = 0, OH_NN_FUSED_RELU = 1, OH_NN_FUSED_RELU6 = 2 } OH_NN_FuseType;

typedef enum { OH_NN_FORMAT_NONE = 0, OH_NN_FORMAT_NCHW = 1, OH_NN_FORMAT_NHWC = 2, OH_NN_FORMAT_ND = 3 } OH_NN_Format;

typedef enum { OH_NN_OTHERS = 0, OH_NN_CPU = 1, OH_NN_GPU = 2, OH_NN_ACCELERATOR = 3 } OH_NN_DeviceType;

typedef enum {
  OH_NN_UNKNOWN = 0,
  OH_NN_BOOL = 1,
  OH_NN_INT8 = 2,
  OH_NN_INT16 = 3,
  OH_NN_INT32 = 4,
  OH_NN_INT64 = 5,
  OH_NN_UINT8 = 6,
  OH_NN_UINT16 = 7,
  OH_NN_UINT32 = 8,
  OH_NN_UINT64 = 9,
  OH_NN_FLOAT16 = 10,
  OH_NN_FLOAT32 = 11,
  OH_NN_FLOAT64 = 12
} OH_NN_DataType;

typedef enum {
  OH_NN_PERFORMANCE_NONE = 0,
  OH_NN_PERFORMANCE_LOW = 1,
  OH_NN_PERFORMANCE_MEDIUM = 2,
  OH_NN_PERFORMANCE_HIGH = 3,
  OH_NN_PERFORMANCE_EXTREME = 4
} OH_NN_PerformanceMode;

typedef enum {
  OH_NN_PRIORITY_NONE = 0,
  OH_NN_PRIORITY_LOW = 1,
  OH_NN_PRIORITY_MEDIUM = 2,
  OH_NN_PRIORITY_HIGH = 3
} OH_NN_Priority;

typedef void (*NN_OnRunDone)(void *userData, OH_NN_ReturnCode errCode, void *outputTensor[], int32_t outputCount);
typedef void (*NN_OnServiceDied)(void *userData);

#ifdef __cplusplus
}
#endif

#endif /* NEURAL_NETWORK_RUNTIME_TYPE_H */
