// A recording fake of the NNRt + CANN Kit C API (the functions the engine calls), for engine tests. Every call
// is logged with its arguments; tests script the device list, the model's tensors, per-function failures and
// output bytes, and read back invariant violations the fake detected (use after destroy, fd owner destroyed
// before its borrowers, AIPP params destroyed before their tensor, model buffer changed or freed before the
// compilation, options after Build, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "neural_network_runtime/neural_network_runtime_type.h"
#include "nnrt/inference_session.h"

namespace fake_nnrt {

struct Device {
  size_t id;
  std::string name;
  OH_NN_DeviceType type;
};

struct TensorSpec {
  std::string name;
  OH_NN_DataType dtype;
  std::vector<int32_t> shape;
  OH_NN_Format format;
};

// Back to defaults: one device {id 1, "HIAI_F", ACCELERATOR}; input "input" float32 NCHW [1,3,4,4]; output
// "logits" float32 [1,5]; no failures; outputs zero-filled; logs and violations cleared.
void Reset();
void SetDevices(const std::vector<Device>& devices);
void SetModel(const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs);
// The next call(s) of `function` fail with `rc` (NULL for handle-returning functions) and set the last error
// message to `message`. times < 0: every call.
void Fail(const std::string& function, OH_NN_ReturnCode rc, const std::string& message = "", int times = -1);
// Like a device that does not support an option: Build fails with `rc` (and `message` as the last error) when the
// compilation recorded `setter` (e.g. "OH_NNCompilation_SetCache") with a non-default value. Setters themselves
// only record, as on the device.
void RefuseAtBuild(const std::string& setter, OH_NN_ReturnCode rc, const std::string& message = "");
// Bytes RunSync writes into output 0.
void SetOutputBytes(const std::vector<uint8_t>& bytes);
// What OH_NNExecutor_GetOutputShape answers after a run; empty (the default): OH_NN_OPERATION_FORBIDDEN, a backend
// that does not answer the query.
void SetRunOutputShape(const std::vector<int32_t>& shape);

// "OH_NNCompilation_SetDevice(c1, 7)" — function name, then arguments; handles are named c1, e1, d1, t1, ...
const std::vector<std::string>& Calls();
// Index of the first logged call starting with `prefix` at or after `from`, or -1.
int IndexOf(const std::string& prefix, int from = 0);
int CountOf(const std::string& prefix);
const std::vector<std::string>& Violations();
// Handles created and not destroyed (compilations, executors, descs, tensors).
int LiveHandles();
// Input bytes seen by the last RunSync (an AIPP input: the whole tensor, i.e. the raw frame).
const std::vector<uint8_t>& LastRunInput();
// Every fd given to OH_NNTensor_CreateWithFd, in call order.
const std::vector<int>& WrappedFds();

// A session config that matches the default model (4x4 input, 5 classes labelled a..e, mean 100, std 50) and
// asks for the NPU (HIAI_F).
npulens::SessionConfig MatchingConfig();

}  // namespace fake_nnrt
