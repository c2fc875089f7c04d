#include "nnrt/device_selector.h"

#include <cstring>

#include "neural_network_runtime/neural_network_core.h"
#include "nnrt_call_lock.h"
#include "nnrt_status.h"

namespace npulens {

static_assert(static_cast<int>(DeviceType::kOthers) == OH_NN_OTHERS, "OH_NN_OTHERS");
static_assert(static_cast<int>(DeviceType::kCpu) == OH_NN_CPU, "OH_NN_CPU");
static_assert(static_cast<int>(DeviceType::kGpu) == OH_NN_GPU, "OH_NN_GPU");
static_assert(static_cast<int>(DeviceType::kAccelerator) == OH_NN_ACCELERATOR, "OH_NN_ACCELERATOR");

const char* DevicePolicyName(DevicePolicy p) {
  switch (p) {
    case DevicePolicy::kNpu: return "npu";
    case DevicePolicy::kAuto: return "auto";
    case DevicePolicy::kCpu: return "cpu";
  }
  return "?";
}

Result<DevicePolicy> ParseDevicePolicy(const std::string& text) {
  if (text == "npu") return DevicePolicy::kNpu;
  if (text == "auto") return DevicePolicy::kAuto;
  if (text == "cpu") return DevicePolicy::kCpu;
  return Status("device.select", code::kInvalidArgument,
                "device policy must be \"auto\" | \"npu\" | \"cpu\" (got \"" + text + "\")");
}

const char* DeviceTypeName(DeviceType t) {
  switch (t) {
    case DeviceType::kOthers: return "other";
    case DeviceType::kCpu: return "cpu";
    case DeviceType::kGpu: return "gpu";
    case DeviceType::kAccelerator: return "accelerator";
  }
  return "?";
}

const char* ModelKindName(ModelKind kind) {
  return kind == ModelKind::kCannOffline ? "CANN offline model (.om)" : "ONNX model (host runtime)";
}

ModelKind DetectModelKind(const void* bytes, size_t size) {
  static const unsigned char kMagic[4] = {'I', 'M', 'O', 'D'};  // ModelFileHeader magic 0x444F4D49, little-endian
  return bytes != nullptr && size >= sizeof(kMagic) && std::memcmp(bytes, kMagic, sizeof(kMagic)) == 0
             ? ModelKind::kCannOffline
             : ModelKind::kHostOnnx;
}

Result<std::vector<DeviceInfo>> DeviceSelector::Enumerate() {
  std::lock_guard<std::mutex> guard(NnrtDeviceQueryLock());
  const size_t* ids = nullptr;
  uint32_t count = 0;
  OH_NN_ReturnCode rc = OH_NNDevice_GetAllDevicesID(&ids, &count);
  if (rc != OH_NN_SUCCESS) return NnStatus("device.enumerate", rc, "OH_NNDevice_GetAllDevicesID failed");
  if (count > 0 && ids == nullptr) {
    return NnStatus("device.enumerate", OH_NN_NULL_PTR, "OH_NNDevice_GetAllDevicesID gave a count but no IDs");
  }
  // The runtime owns `ids` only until the next call: copy them before asking for names.
  std::vector<DeviceInfo> devices(count);
  for (uint32_t i = 0; i < count; ++i) devices[i].id = ids[i];
  for (DeviceInfo& d : devices) {
    const char* name = nullptr;
    rc = OH_NNDevice_GetName(d.id, &name);
    if (rc != OH_NN_SUCCESS) {
      return NnStatus("device.enumerate", rc, "OH_NNDevice_GetName(" + std::to_string(d.id) + ") failed");
    }
    d.name = name != nullptr ? name : "";
    OH_NN_DeviceType type = OH_NN_OTHERS;
    rc = OH_NNDevice_GetType(d.id, &type);
    if (rc != OH_NN_SUCCESS) {
      return NnStatus("device.enumerate", rc, "OH_NNDevice_GetType(" + std::to_string(d.id) + ") failed");
    }
    d.type = (type >= OH_NN_OTHERS && type <= OH_NN_ACCELERATOR) ? static_cast<DeviceType>(type) : DeviceType::kOthers;
  }
  return devices;
}

namespace {

std::string ListDevices(const std::vector<DeviceInfo>& devices) {
  if (devices.empty()) return "no NN devices";
  std::string list = "devices seen: ";
  for (size_t i = 0; i < devices.size(); ++i) {
    if (i > 0) list += ", ";
    list += devices[i].name + " (" + DeviceTypeName(devices[i].type) + ")";
  }
  return list;
}

}  // namespace

Result<DeviceDecision> DeviceSelector::Choose(const std::vector<DeviceInfo>& devices, DevicePolicy policy,
                                              ModelKind kind) {
  DeviceDecision decision;
  decision.policy = policy;
  decision.seen = devices;
  const DeviceInfo* hiai = nullptr;
  for (const DeviceInfo& d : devices) {
    if (d.name == kHiaiDeviceName) {
      hiai = &d;
      break;
    }
  }
  const bool offline = kind == ModelKind::kCannOffline;
  // Said whenever an .om finds no HIAI_F: on a phone that is the whole story.
  const std::string noNpu = std::string(
                                "this phone exposes no NPU for this model: a CANN offline model (.om) builds "
                                "only on ") +
                            kHiaiDeviceName + " (other NNRt devices refuse offline models); ";
  switch (policy) {
    case DevicePolicy::kNpu:
      if (hiai == nullptr) {
        return Status("device.select", code::kDeviceNotFound,
                      std::string("policy npu needs the device named ") + kHiaiDeviceName + "; " +
                          (offline ? noNpu : "") + ListDevices(devices));
      }
      decision.device = *hiai;
      decision.reason = std::string(kHiaiDeviceName) + " found by name (policy npu)";
      return decision;
    case DevicePolicy::kAuto:
      if (hiai != nullptr) {
        decision.device = *hiai;
        decision.reason = std::string(kHiaiDeviceName) + " found by name (policy auto)";
        return decision;
      }
      if (offline)
        return Status("device.select", code::kDeviceNotFound, "policy auto: " + noNpu + ListDevices(devices));
      if (devices.empty()) return Status("device.select", code::kDeviceNotFound, "policy auto: no NN devices");
      decision.device = devices.front();
      decision.reason = std::string("no ") + kHiaiDeviceName + " device; policy auto picked the first device, " +
                        devices.front().name + " (" + DeviceTypeName(devices.front().type) + ")";
      return decision;
    case DevicePolicy::kCpu:
      if (offline) {
        return Status("device.select", code::kDeviceNotFound,
                      std::string("policy cpu cannot run a CANN offline model (.om): only ") + kHiaiDeviceName +
                          " builds offline models; " + ListDevices(devices));
      }
      for (const DeviceInfo& d : devices) {
        if (d.type == DeviceType::kCpu) {
          decision.device = d;
          decision.reason = "first device of type cpu, " + d.name + " (policy cpu)";
          return decision;
        }
      }
      return Status("device.select", code::kDeviceNotFound,
                    "policy cpu: no device of type cpu; " + ListDevices(devices));
  }
  return Status("device.select", code::kInternal, "unknown policy");
}

std::vector<DevicePolicy> DeviceSelector::PoliciesChoosing(const std::vector<DeviceInfo>& devices, size_t index,
                                                           ModelKind kind) {
  std::vector<DevicePolicy> policies;
  if (index >= devices.size()) return policies;
  for (DevicePolicy policy : {DevicePolicy::kAuto, DevicePolicy::kNpu, DevicePolicy::kCpu}) {
    Result<DeviceDecision> d = Choose(devices, policy, kind);
    if (d.ok() && d.value().device.id == devices[index].id) policies.push_back(policy);
  }
  return policies;
}

Result<DeviceDecision> DeviceSelector::Select(DevicePolicy policy, ModelKind kind) {
  Result<std::vector<DeviceInfo>> devices = Enumerate();
  if (!devices.ok()) return devices.status();
  return Choose(devices.value(), policy, kind);
}

}  // namespace npulens
