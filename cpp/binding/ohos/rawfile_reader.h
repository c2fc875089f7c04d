// Rawfile access on the device (NativeResourceManager). One RAII owner per handle type: the resource manager
// (InitNativeResourceManager / ReleaseNativeResourceManager) and an open rawfile (OpenRawFile / CloseRawFile).
#pragma once

#include <napi/native_api.h>
#include <rawfile/raw_file_manager.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace npulens::binding {

class ResourceManagerOwner {
 public:
  // JS thread only (needs the env and the ArkTS ResourceManager). Errors: NPULENS_INVALID_ARGUMENT (TypeError) at
  // `step` (the calling function), when the value is not a ResourceManager.
  static Result<std::shared_ptr<ResourceManagerOwner>> FromJs(napi_env env, napi_value resourceManager,
                                                              const std::string& step);
  ~ResourceManagerOwner();
  ResourceManagerOwner(const ResourceManagerOwner&) = delete;
  ResourceManagerOwner& operator=(const ResourceManagerOwner&) = delete;

  // Reads a whole rawfile ("models/manifest.json"); any thread. Errors: NPULENS_IO, step "rawfile.open" /
  // "rawfile.read", naming the path.
  Result<std::vector<uint8_t>> Read(const std::string& path) const;

 private:
  explicit ResourceManagerOwner(NativeResourceManager* manager) : manager_(manager) {}
  NativeResourceManager* manager_;
};

}  // namespace npulens::binding
