// Device build (OHOS): memory the NN device allocates itself (see src/device_memory.h). OH_NNTensor_CreateWithSize
// on the session's device gives device shared memory of the requested size (on HIAI_F: memory the NPU driver
// allocated), OH_NNTensor_GetFd its fd, which tensors then wrap with OH_NNTensor_CreateWithFd. Among the NDK's
// allocators this is the one whose memory the NPU is known to take: OH_NativeBuffer_Alloc (native_buffer.h) turned
// into a BufferHandle fd with OH_NativeWindow_CreateNativeWindowBufferFromNativeBuffer +
// OH_NativeWindow_GetBufferHandleFromNative (external_window.h) is the route for camera and decoder buffers, but the
// CANN Kit documents no import of such an fd. The owner tensor is destroyed after the tensors that wrap its fd
// (destroying a CreateWithFd tensor unmaps and never closes the fd).
#include <utility>

#include "device_memory.h"
#include "nnrt_status.h"

namespace npulens {

Result<DeviceMemory> DeviceMemory::Allocate(size_t deviceId, NN_TensorDesc* desc, size_t bytes,
                                            const std::string& step) {
  DeviceMemory memory;
  memory.owner_ = TensorHandle(OH_NNTensor_CreateWithSize(deviceId, desc, bytes));
  if (!memory.owner_) {
    return NnNullStatus(step, "OH_NNTensor_CreateWithSize").WithDetail(std::to_string(bytes) + " bytes of fd memory");
  }
  int fd = -1;
  const OH_NN_ReturnCode rc = OH_NNTensor_GetFd(memory.owner_.get(), &fd);
  if (rc != OH_NN_SUCCESS) return NnStatus(step, rc, "OH_NNTensor_GetFd on the fd memory's owner tensor failed");
  if (fd < 0) return NnStatus(step, OH_NN_MEMORY_ERROR, "OH_NNTensor_GetFd gave fd " + std::to_string(fd));
  memory.fd_ = fd;
  memory.size_ = bytes;
  return Result<DeviceMemory>(std::move(memory));
}

}  // namespace npulens
