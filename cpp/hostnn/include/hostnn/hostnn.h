/*
 * Host-only extensions of the NpuLens host NN runtime (cpp/hostnn). These do not exist on HarmonyOS: code that
 * must also build for the device guards their use (the device build never includes this header).
 */
#ifndef NPULENS_HOSTNN_H
#define NPULENS_HOSTNN_H

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

/* Tests only: add an extra named device (models built on it run on the CPU backend) to exercise device
 * selection; returns its ID. The product never registers devices: the real list is one CPU device. */
size_t HostNN_RegisterTestDevice(const char *name, OH_NN_DeviceType type);

/* Tests only: remove every device added by HostNN_RegisterTestDevice. */
void HostNN_ResetTestDevices(void);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOSTNN_H */
