// NN device enumeration and selection. CANN models run on the device NAMED "HIAI_F"; selection is by name,
// never by type (a phone can list several accelerators, e.g. "NPU_ohos.boot.hardware.Kirin9030S_v2_0", on
// which an .om Build fails).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace npulens {

constexpr const char kHiaiDeviceName[] = "HIAI_F";

// "npu": HIAI_F or fail. "auto": HIAI_F if present, else (for a model another device can build) the first
// device. "cpu": the first device of type CPU (not for a CANN offline model).
enum class DevicePolicy { kNpu, kAuto, kCpu };
const char* DevicePolicyName(DevicePolicy policy);
// Parses "npu" | "auto" | "cpu" (NPULENS_INVALID_ARGUMENT, step "device.select", otherwise).
Result<DevicePolicy> ParseDevicePolicy(const std::string& text);

// Mirrors OH_NN_DeviceType (values checked against the SDK enum in the implementation).
enum class DeviceType { kOthers = 0, kCpu = 1, kGpu = 2, kAccelerator = 3 };
const char* DeviceTypeName(DeviceType type);  // "other", "cpu", "gpu", "accelerator"

// What decides which devices can build a model. Only a backend that takes offline models builds a CANN `.om`:
// HIAI_F (CANN Kit). The open NNRt HDI backend behind every other device refuses offline models at Build, so an
// `.om` never falls back to another device. The host runtime's ONNX models build on any host device.
enum class ModelKind { kCannOffline, kHostOnnx };
const char* ModelKindName(ModelKind kind);  // "CANN offline model (.om)" | "ONNX model (host runtime)"
// By content: the CANN offline-model header magic "IMOD" at offset 0; anything else is for the host runtime.
ModelKind DetectModelKind(const void* bytes, size_t size);

struct DeviceInfo {
  size_t id = 0;
  std::string name;
  DeviceType type = DeviceType::kOthers;
};

struct DeviceDecision {
  DeviceInfo device;
  DevicePolicy policy = DevicePolicy::kAuto;
  std::string reason;            // e.g. "HIAI_F found by name" / "no HIAI_F device; auto picked the first device"
  std::vector<DeviceInfo> seen;  // every device enumerated, in NNRt order
};

class DeviceSelector {
 public:
  // OH_NNDevice_GetAllDevicesID + GetName/GetType for each. Takes the device-query lock, not the NNRt call lock:
  // listing devices never waits for another thread's Build (seconds with CANN tuning).
  // Errors: step "device.enumerate", the NNRt code name.
  static Result<std::vector<DeviceInfo>> Enumerate();

  // Pure policy logic. Errors: NPULENS_DEVICE_NOT_FOUND, step "device.select", message listing the devices seen
  // as name(type) — or "no NN devices" when the list is empty.
  static Result<DeviceDecision> Choose(const std::vector<DeviceInfo>& devices, DevicePolicy policy, ModelKind kind);

  // The policies (auto, npu, cpu order) that would pick `devices[index]` for a model of `kind`.
  static std::vector<DevicePolicy> PoliciesChoosing(const std::vector<DeviceInfo>& devices, size_t index,
                                                    ModelKind kind);

  // Enumerate() then Choose().
  static Result<DeviceDecision> Select(DevicePolicy policy, ModelKind kind);
};

}  // namespace npulens
