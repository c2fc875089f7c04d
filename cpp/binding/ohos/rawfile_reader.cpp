#include "rawfile_reader.h"

namespace npulens::binding {

namespace {

// Owns one open rawfile.
class RawFileOwner {
 public:
  explicit RawFileOwner(RawFile* file) : file_(file) {}
  ~RawFileOwner() {
    if (file_ != nullptr) OH_ResourceManager_CloseRawFile(file_);
  }
  RawFileOwner(const RawFileOwner&) = delete;
  RawFileOwner& operator=(const RawFileOwner&) = delete;
  RawFile* get() const { return file_; }

 private:
  RawFile* file_;
};

}  // namespace

Result<std::shared_ptr<ResourceManagerOwner>> ResourceManagerOwner::FromJs(napi_env env, napi_value resourceManager,
                                                                           const std::string& step) {
  NativeResourceManager* manager = OH_ResourceManager_InitNativeResourceManager(env, resourceManager);
  if (manager == nullptr) {
    return Status(step, code::kInvalidArgument,
                  "resourceManager must be the context's ResourceManager (context.resourceManager)");
  }
  return std::shared_ptr<ResourceManagerOwner>(new ResourceManagerOwner(manager));
}

ResourceManagerOwner::~ResourceManagerOwner() { OH_ResourceManager_ReleaseNativeResourceManager(manager_); }

Result<std::vector<uint8_t>> ResourceManagerOwner::Read(const std::string& path) const {
  RawFileOwner file(OH_ResourceManager_OpenRawFile(manager_, path.c_str()));
  if (file.get() == nullptr) return Status("rawfile.open", code::kIo, "no rawfile '" + path + "'");
  const long size = OH_ResourceManager_GetRawFileSize(file.get());
  if (size < 0) return Status("rawfile.read", code::kIo, "cannot get the size of rawfile '" + path + "'");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  size_t done = 0;
  while (done < bytes.size()) {
    const int n = OH_ResourceManager_ReadRawFile(file.get(), bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      return Status(
          "rawfile.read", code::kIo,
          "rawfile '" + path + "' ended after " + std::to_string(done) + " of " + std::to_string(size) + " bytes");
    }
    done += static_cast<size_t>(n);
  }
  return bytes;
}

}  // namespace npulens::binding
