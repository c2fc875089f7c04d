#include "nnrt/device_selector.h"

#include <gtest/gtest.h>

#include "fake_nnrt.h"

namespace npulens {
namespace {

const std::vector<DeviceInfo> kPhone = {
    {3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", DeviceType::kAccelerator},
    {7, "HIAI_F", DeviceType::kAccelerator},
    {9, "cpu_device", DeviceType::kCpu},
};

TEST(DeviceSelectorTest, PicksHiaiByNameEvenWhenAnotherAcceleratorIsListedFirst) {
  for (DevicePolicy p : {DevicePolicy::kNpu, DevicePolicy::kAuto}) {
    Result<DeviceDecision> d = DeviceSelector::Choose(kPhone, p, ModelKind::kHostOnnx);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->device.id, 7u);
    EXPECT_EQ(d->device.name, "HIAI_F");
    EXPECT_EQ(d->reason, std::string("HIAI_F found by name (policy ") + DevicePolicyName(p) + ")");
    EXPECT_EQ(d->seen.size(), 3u);
  }
}

TEST(DeviceSelectorTest, NpuPolicyFailsListingTheDevicesSeen) {
  const std::vector<DeviceInfo> host = {{0, "hostnn_cpu", DeviceType::kCpu}, {4, "NPU_x", DeviceType::kAccelerator}};
  Result<DeviceDecision> d = DeviceSelector::Choose(host, DevicePolicy::kNpu, ModelKind::kHostOnnx);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().ToString(),
            "device.select: NPULENS_DEVICE_NOT_FOUND (1007): policy npu needs the device named HIAI_F; "
            "devices seen: hostnn_cpu (cpu), NPU_x (accelerator)");
  EXPECT_EQ(DeviceSelector::Choose({}, DevicePolicy::kNpu, ModelKind::kHostOnnx).status().message(),
            "policy npu needs the device named HIAI_F; no NN devices");
}

TEST(DeviceSelectorTest, AutoFallsBackToTheFirstDeviceAndSaysWhy) {
  const std::vector<DeviceInfo> host = {{5, "gpu0", DeviceType::kGpu}, {6, "hostnn_cpu", DeviceType::kCpu}};
  Result<DeviceDecision> d = DeviceSelector::Choose(host, DevicePolicy::kAuto, ModelKind::kHostOnnx);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->device.id, 5u);
  EXPECT_EQ(d->reason, "no HIAI_F device; policy auto picked the first device, gpu0 (gpu)");
  EXPECT_EQ(DeviceSelector::Choose({}, DevicePolicy::kAuto, ModelKind::kHostOnnx).status().code(),
            code::kDeviceNotFound);
}

TEST(DeviceSelectorTest, CpuPolicyTakesTheFirstCpuDevice) {
  Result<DeviceDecision> d = DeviceSelector::Choose(kPhone, DevicePolicy::kCpu, ModelKind::kHostOnnx);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->device.id, 9u);
  EXPECT_EQ(d->reason, "first device of type cpu, cpu_device (policy cpu)");
  const std::vector<DeviceInfo> npuOnly = {{7, "HIAI_F", DeviceType::kAccelerator}};
  EXPECT_EQ(DeviceSelector::Choose(npuOnly, DevicePolicy::kCpu, ModelKind::kHostOnnx).status().message(),
            "policy cpu: no device of type cpu; devices seen: HIAI_F (accelerator)");
}

// On a phone every model is an .om, and only HIAI_F's backend builds offline models: no policy may hand one to
// another device (the open NNRt backend refuses offline models at Build).
TEST(DeviceSelectorTest, AnOfflineModelGoesOnlyToHiai) {
  for (DevicePolicy p : {DevicePolicy::kNpu, DevicePolicy::kAuto}) {
    Result<DeviceDecision> d = DeviceSelector::Choose(kPhone, p, ModelKind::kCannOffline);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->device.name, "HIAI_F");
  }
  const std::vector<DeviceInfo> noHiai = {{3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", DeviceType::kAccelerator},
                                          {9, "cpu_device", DeviceType::kCpu}};
  const std::string noNpu =
      "this phone exposes no NPU for this model: a CANN offline model (.om) builds only on HIAI_F (other NNRt "
      "devices refuse offline models); devices seen: NPU_ohos.boot.hardware.Kirin9030S_v2_0 (accelerator), cpu_device "
      "(cpu)";
  Result<DeviceDecision> autoPick = DeviceSelector::Choose(noHiai, DevicePolicy::kAuto, ModelKind::kCannOffline);
  ASSERT_FALSE(autoPick.ok());
  EXPECT_EQ(autoPick.status().ToString(), "device.select: NPULENS_DEVICE_NOT_FOUND (1007): policy auto: " + noNpu);
  EXPECT_EQ(DeviceSelector::Choose(noHiai, DevicePolicy::kNpu, ModelKind::kCannOffline).status().message(),
            "policy npu needs the device named HIAI_F; " + noNpu);
  EXPECT_EQ(DeviceSelector::Choose(kPhone, DevicePolicy::kCpu, ModelKind::kCannOffline).status().message(),
            "policy cpu cannot run a CANN offline model (.om): only HIAI_F builds offline models; devices seen: "
            "NPU_ohos.boot.hardware.Kirin9030S_v2_0 (accelerator), HIAI_F (accelerator), cpu_device (cpu)");
}

TEST(DeviceSelectorTest, PoliciesChoosingADeviceDependOnTheModelKind) {
  auto names = [](const std::vector<DevicePolicy>& policies) {
    std::string text;
    for (DevicePolicy p : policies) text += std::string(text.empty() ? "" : ",") + DevicePolicyName(p);
    return text;
  };
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(kPhone, 1, ModelKind::kCannOffline)), "auto,npu");
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(kPhone, 2, ModelKind::kCannOffline)), "");
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(kPhone, 2, ModelKind::kHostOnnx)), "cpu");
  const std::vector<DeviceInfo> host = {{1, "hostnn_cpu", DeviceType::kCpu}};
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(host, 0, ModelKind::kHostOnnx)), "auto,cpu");
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(host, 0, ModelKind::kCannOffline)), "");
  EXPECT_EQ(names(DeviceSelector::PoliciesChoosing(host, 5, ModelKind::kHostOnnx)), "");
}

TEST(DeviceSelectorTest, DetectsCannOfflineModelsByTheirHeaderMagic) {
  const uint8_t om[8] = {'I', 'M', 'O', 'D', 0, 0, 0, 0};
  const uint8_t onnx[4] = {0x08, 0x07, 0x12, 0x05};
  EXPECT_EQ(DetectModelKind(om, sizeof(om)), ModelKind::kCannOffline);
  EXPECT_EQ(DetectModelKind(om, 3), ModelKind::kHostOnnx);
  EXPECT_EQ(DetectModelKind(onnx, sizeof(onnx)), ModelKind::kHostOnnx);
  EXPECT_EQ(DetectModelKind(nullptr, 0), ModelKind::kHostOnnx);
}

TEST(DeviceSelectorTest, ParsesPolicies) {
  EXPECT_EQ(ParseDevicePolicy("npu").value(), DevicePolicy::kNpu);
  EXPECT_EQ(ParseDevicePolicy("auto").value(), DevicePolicy::kAuto);
  EXPECT_EQ(ParseDevicePolicy("cpu").value(), DevicePolicy::kCpu);
  EXPECT_EQ(ParseDevicePolicy("NPU").status().code(), code::kInvalidArgument);
}

TEST(DeviceSelectorTest, EnumeratesThroughNnrt) {
  fake_nnrt::Reset();
  fake_nnrt::SetDevices(
      {{3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR}, {7, "HIAI_F", OH_NN_ACCELERATOR}});
  Result<DeviceDecision> d = DeviceSelector::Select(DevicePolicy::kNpu, ModelKind::kHostOnnx);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->device.id, 7u);
  EXPECT_EQ(d->seen[0].name, "NPU_ohos.boot.hardware.Kirin9030S_v2_0");
  EXPECT_EQ(d->seen[0].type, DeviceType::kAccelerator);
  EXPECT_EQ(fake_nnrt::IndexOf("OH_NNDevice_GetAllDevicesID"), 0);
  EXPECT_TRUE(fake_nnrt::Violations().empty());

  fake_nnrt::Fail("OH_NNDevice_GetAllDevicesID", OH_NN_CONNECTION_EXCEPTION, "service died");
  EXPECT_EQ(DeviceSelector::Select(DevicePolicy::kAuto, ModelKind::kHostOnnx).status().ToString(),
            "device.enumerate: OH_NN_CONNECTION_EXCEPTION (11): OH_NNDevice_GetAllDevicesID failed: service died");
}

}  // namespace
}  // namespace npulens
