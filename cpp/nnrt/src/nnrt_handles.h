// One move-only RAII owner per NNRt / CANN Kit handle type. These are the only places that call the Destroy functions;
// each destroy takes the NNRt call lock. Declare owners so that member order encodes the destroy order
// (members are destroyed in reverse declaration order).
#pragma once

#include <utility>

#include "CANNKit/hiai_aipp_param.h"
#include "neural_network_runtime/neural_network_core.h"
#include "nnrt_call_lock.h"

namespace npulens {

template <typename Handle, void (*DestroyFn)(Handle**)>
class NnHandle {
 public:
  NnHandle() = default;
  explicit NnHandle(Handle* handle) : handle_(handle) {}
  ~NnHandle() { reset(); }
  NnHandle(NnHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  NnHandle& operator=(NnHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  NnHandle(const NnHandle&) = delete;
  NnHandle& operator=(const NnHandle&) = delete;

  Handle* get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }
  void reset() {
    if (handle_ != nullptr) {
      NnrtGuard guard(NnrtCallLock());
      DestroyFn(&handle_);
      handle_ = nullptr;
    }
  }

 private:
  Handle* handle_ = nullptr;
};

// The SDK's Destroy functions differ in return type (void vs OH_NN_ReturnCode); adapt them to one shape.
inline void DestroyCompilation(OH_NNCompilation** c) { OH_NNCompilation_Destroy(c); }
inline void DestroyExecutor(OH_NNExecutor** e) { OH_NNExecutor_Destroy(e); }
inline void DestroyTensorDesc(NN_TensorDesc** d) { (void)OH_NNTensorDesc_Destroy(d); }
inline void DestroyTensor(NN_Tensor** t) { (void)OH_NNTensor_Destroy(t); }

using CompilationHandle = NnHandle<OH_NNCompilation, DestroyCompilation>;
using ExecutorHandle = NnHandle<OH_NNExecutor, DestroyExecutor>;
using TensorDescHandle = NnHandle<NN_TensorDesc, DestroyTensorDesc>;
using TensorHandle = NnHandle<NN_Tensor, DestroyTensor>;
// A tensor given params with HMS_HiAITensor_SetAippParams keeps the pointer: destroy the params after the tensor.
using AippParamHandle = NnHandle<HiAI_AippParam, HMS_HiAIAippParam_Destroy>;

}  // namespace npulens
