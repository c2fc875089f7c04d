/*
 * Host-only extensions of the NpuLens host NN runtime (cpp/hostnn). These do not exist on HarmonyOS: code that
 * must also build for the device guards their use (the device build never includes this header).
 */
#ifndef NPULENS_HOSTNN_H
#define NPULENS_HOSTNN_H

#include <stdbool.h>
#include <stddef.h>
#include "neural_network_runtime/neural_network_runtime_type.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Name of the one real host device (type OH_NN_CPU). */
#define HOSTNN_CPU_DEVICE_NAME "hostnn_cpu"

/* Worker threads for executors built after this call. 0 = default: env NPULENS_THREADS if set, else the number
 * of online CPUs. */
void HostNN_SetThreadCount(int threadCount);

/* The thread count the next Build will use (resolves the default). */
int HostNN_GetThreadCount(void);

/* Message for the last failed call on this thread, e.g. "unsupported op 'Resize' (node 'resize_1')".
 * Empty string when the last call succeeded or gave no details. Valid until the next call on this thread. */
const char *HostNN_GetLastErrorMessage(void);

/* What runs where for a built executor: one line per lowered op, e.g. "xnnpack int8: Conv 'conv1'" or
 * "kernel fp32: Softmax 'prob'". Owned by the executor; NULL for a NULL executor. */
const char *HostNN_DescribeExecutor(const OH_NNExecutor *executor);

/* Threads a built executor's runs use (1: the calling thread only, what a model too small to gain from threads gets
 * unless a count was asked for); the gear of its last RunSync, the first before any. 0 for a NULL executor. */
int HostNN_GetExecutorThreadCount(const OH_NNExecutor *executor);

/* Per-op profiling for executors built after this call (off by default). When on, Build makes each lowered op its
 * own plan step, so consecutive XNNPACK ops run as one runtime each instead of one runtime per run of ops: XNNPACK's
 * fusion across ops and its scheduling differ slightly from the normal plan, which is why it is off otherwise. Each
 * run then times every step (steady clock), accumulated over runs. Off: the plan and its run loop are as without
 * this call. */
void HostNN_SetProfiling(bool enabled);

/* One op of a profiled executor, in plan order. */
typedef struct HostNN_OpProfile {
  const char *label;       /* op type and ONNX node name, e.g. "Conv 'conv1' + Relu" (an int8 QDQ op: its node's) */
  const char *backend;     /* where it runs: "xnnpack int8", "kernel int8 (AVX2)", ... */
  const char *outputShape; /* ONNX order, e.g. "1x32x112x112" */
  long long macs;          /* multiply-accumulates per run (convolutions, fully connected); 0: not counted */
  double totalMs;          /* time in this op, summed over the profiled runs */
  double minMs;            /* its fastest run (0 before the first): steadier than the mean on a busy machine */
} HostNN_OpProfile;

/* The profile of an executor built with profiling on: *ops = its ops (owned by the executor, valid until the next
 * call for it or its Destroy), *opCount of them, *runCount = the runs timed since Build or the last reset (executors
 * of one compilation share one plan and so one profile). OH_NN_INVALID_PARAMETER for a NULL argument,
 * OH_NN_OPERATION_FORBIDDEN when the executor was built without profiling. */
OH_NN_ReturnCode HostNN_GetExecutorProfile(OH_NNExecutor *executor, const HostNN_OpProfile **ops, size_t *opCount,
                                           size_t *runCount);

/* Zeroes the times and the run count (e.g. after warm-up runs). Same return codes as HostNN_GetExecutorProfile. */
OH_NN_ReturnCode HostNN_ResetExecutorProfile(OH_NNExecutor *executor);

/* What a test device supports. Build checks the recorded options against it in the device's order (cache dir,
 * fp16, performance mode, priority, CANN options); an unsupported option with a non-default value fails Build with
 * OH_NN_OPERATION_FORBIDDEN, as the NNRt core does for an HDI device that does not support it. */
typedef struct HostNN_TestDeviceProfile {
  bool cache;            /* model cache (SetCache) supported */
  bool float16;          /* EnableFloat16(true) supported */
  bool performanceMode;  /* SetPerformanceMode != NONE supported */
  bool priority;         /* SetPriority != NONE supported */
  bool tuning;           /* CANN HMS_HiAIOptions_SetTuningMode/SetTuningCacheDir honoured */
  bool bandMode;         /* CANN HMS_HiAIOptions_SetBandMode honoured */
  bool omOptions;        /* CANN HMS_HiAIOptions_SetOmOptions honoured */
  bool offlineModels;    /* backend builds offline models (buffer/file): HIAI_F yes; the open NNRt backend no */
  unsigned buildDelayMs; /* Build sleeps this long first (tests of a slow Build, e.g. tuning) */
} HostNN_TestDeviceProfile;

/* A profile with everything supported, offline models accepted, no delay. */
HostNN_TestDeviceProfile HostNN_DefaultTestDeviceProfile(void);

/* Tests only: add an extra named device with the default profile (models built on it run on the CPU backend) to
 * exercise device selection; returns its ID. The product never registers devices: the real list is one CPU
 * device (profile: no fp16, everything else supported, ONNX accepted as an offline model buffer/file). */
size_t HostNN_RegisterTestDevice(const char *name, OH_NN_DeviceType type);

/* Tests only: like HostNN_RegisterTestDevice with a capability profile (NULL = the default); returns the device
 * ID. */
size_t HostNN_RegisterTestDeviceWithProfile(const char *name, OH_NN_DeviceType type,
                                            const HostNN_TestDeviceProfile *profile);

/* Tests only: remove every device added by HostNN_RegisterTestDevice*. */
void HostNN_ResetTestDevices(void);

/* A CANN Kit function by name as the system's libhiai_foundation.so would give it to dlsym, or NULL: a name the host
 * runtime does not implement, or a function introduced after the system's API level (HostNN_SetSystemApiLevel). The
 * engine looks up the functions newer than the app's compatibleSdkVersion (HMS_HiAIOptions_SetOmOptions, 5.1.0(18))
 * this way, so that libentry.so also loads on an older system. */
void *HostNN_LookupCannSymbol(const char *name);

/* Tests only: the API level of the system the host plays for HostNN_LookupCannSymbol; 0 (the default) = the newest,
 * every function there. */
void HostNN_SetSystemApiLevel(int apiLevel);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOSTNN_H */
