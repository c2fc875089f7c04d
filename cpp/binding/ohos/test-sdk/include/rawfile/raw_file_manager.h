/* Test-only declarations of the OHOS rawfile NDK (global/resource_management rawfile/raw_file_manager.h and
 * raw_file.h), signatures as in the SDK. */
#ifndef NPULENS_TEST_SDK_RAW_FILE_MANAGER_H
#define NPULENS_TEST_SDK_RAW_FILE_MANAGER_H
#include <stddef.h>
#include "napi/native_api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct NativeResourceManager;
typedef struct NativeResourceManager NativeResourceManager;
struct RawFile;
typedef struct RawFile RawFile;

typedef struct {
  int fd;
  long start;
  long length;
} RawFileDescriptor;

NativeResourceManager *OH_ResourceManager_InitNativeResourceManager(napi_env env, napi_value jsResMgr);
void OH_ResourceManager_ReleaseNativeResourceManager(NativeResourceManager *resMgr);
RawFile *OH_ResourceManager_OpenRawFile(const NativeResourceManager *mgr, const char *fileName);
int OH_ResourceManager_ReadRawFile(const RawFile *rawFile, void *buf, size_t length);
long OH_ResourceManager_GetRawFileSize(RawFile *rawFile);
int OH_ResourceManager_SeekRawFile(const RawFile *rawFile, long offset, int whence);
long OH_ResourceManager_GetRawFileOffset(const RawFile *rawFile);
void OH_ResourceManager_CloseRawFile(RawFile *rawFile);

#ifdef __cplusplus
}
#endif
#endif
