/* Test-only stand-in for the OHOS SDK's napi/native_api.h: the Node-API subset it shares with Node
 * (napi_module, napi_module_register, ...), taken from node-api-headers. */
#ifndef NPULENS_TEST_SDK_NAPI_NATIVE_API_H
#define NPULENS_TEST_SDK_NAPI_NATIVE_API_H
#include <node_api.h>
#endif
