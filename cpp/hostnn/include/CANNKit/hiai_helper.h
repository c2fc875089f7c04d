/*
 * NpuLens host build: our own declarations of the CANN Kit version/compatibility helpers, written from the
 * public API reference. On the host, HMS_HiAI_GetVersion reports no NPU (X1 field 0).
 */
#ifndef NPULENS_HOST_CANNKIT_HIAI_HELPER_H
#define NPULENS_HOST_CANNKIT_HIAI_HELPER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HIAI_COMPATIBILITY_COMPATIBLE = 0, HIAI_COMPATIBILITY_INCOMPATIBLE = 1 } HiAI_Compatibility;

/* "A1A2A3.X1X2X3.Y1Y2Y3.Z1Z2Z3"; X1 == 0 means the device has no NPU. */
const char *HMS_HiAI_GetVersion(void);
HiAI_Compatibility HMS_HiAICompatibility_CheckFromFile(const char *file);
HiAI_Compatibility HMS_HiAICompatibility_CheckFromBuffer(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NPULENS_HOST_CANNKIT_HIAI_HELPER_H */
