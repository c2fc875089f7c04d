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
    Result<DeviceDecision> d = DeviceSelector::Choose(kPhone, p);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->device.id, 7u);
    EXPECT_EQ(d->device.name, "HIAI_F");
    EXPECT_EQ(d->reason, std::string("HIAI_F found by name (policy ") + DevicePolicyName(p) + ")");
    EXPECT_EQ(d->seen.size(), 3u);
  }
}

TEST(DeviceSelectorTest, NpuPolicyFailsListingTheDevicesSeen) {
  const std::vector<DeviceInfo> host = {{0, "hostnn_cpu", DeviceType::kCpu}, {4, "NPU_x", DeviceType::kAccelerator}};
  Result<DeviceDecision> d = DeviceSelector::Choose(host, DevicePolicy::kNpu);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().ToString(),
            "device.select: NPULENS_DEVICE_NOT_FOUND (1007): policy npu needs the device named HIAI_F; "
            "devices seen: hostnn_cpu (cpu), NPU_x (accelerator)");
  EXPECT_EQ(DeviceSelector::Choose({}, DevicePolicy::kNpu).status().message(),
            "policy npu needs the device named HIAI_F; no NN devices");
}

TEST(DeviceSelectorTest, AutoFallsBackToTheFirstDeviceAndSaysWhy) {
  const std::vector<DeviceInfo> host = {{5, "gpu0", DeviceType::kGpu}, {6, "hostnn_cpu", DeviceType::kCpu}};
  Result<DeviceDecision> d = DeviceSelector::Choose(host, DevicePolicy::kAuto);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->device.id, 5u);
  EXPECT_EQ(d->reason, "no HIAI_F device; policy auto picked the first device, gpu0 (gpu)");
  EXPECT_EQ(DeviceSelector::Choose({}, DevicePolicy::kAuto).status().code(), code::kDeviceNotFound);
}

TEST(DeviceSelectorTest, CpuPolicyTakesTheFirstCpuDevice) {
  Result<DeviceDecision> d = DeviceSelector::Choose(kPhone, DevicePolicy::kCpu);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->device.id, 9u);
  EXPECT_EQ(d->reason, "first device of type cpu, cpu_device (policy cpu)");
  const std::vector<DeviceInfo> npuOnly = {{7, "HIAI_F", DeviceType::kAccelerator}};
  EXPECT_EQ(DeviceSelector::Choose(npuOnly, DevicePolicy::kCpu).status().message(),
            "policy cpu: no device of type cpu; devices seen: HIAI_F (accelerator)");
}

TEST(DeviceSelectorTest, ParsesPolicies) {
  EXPECT_EQ(ParseDevicePolicy("npu").value(), DevicePolicy::kNpu);
  EXPECT_EQ(ParseDevicePolicy("auto").value(), DevicePolicy::kAuto);
  EXPECT_EQ(ParseDevicePolicy("cpu").value(), DevicePolicy::kCpu);
  EXPECT_EQ(ParseDevicePolicy("NPU").status().code(), code::kInvalidArgument);
}

TEST(DeviceSelectorTest, EnumeratesThroughNnrt) {
  fake_nnrt::Reset();
  fake_nnrt::SetDevices({{3, "NPU_ohos.boot.hardware.Kirin9030S_v2_0", OH_NN_ACCELERATOR},
                         {7, "HIAI_F", OH_NN_ACCELERATOR}});
  Result<DeviceDecision> d = DeviceSelector::Select(DevicePolicy::kNpu);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->device.id, 7u);
  EXPECT_EQ(d->seen[0].name, "NPU_ohos.boot.hardware.Kirin9030S_v2_0");
  EXPECT_EQ(d->seen[0].type, DeviceType::kAccelerator);
  EXPECT_EQ(fake_nnrt::IndexOf("OH_NNDevice_GetAllDevicesID"), 0);
  EXPECT_TRUE(fake_nnrt::Violations().empty());

  fake_nnrt::Fail("OH_NNDevice_GetAllDevicesID", OH_NN_CONNECTION_EXCEPTION, "service died");
  EXPECT_EQ(DeviceSelector::Select(DevicePolicy::kAuto).status().ToString(),
            "device.enumerate: OH_NN_CONNECTION_EXCEPTION (11): OH_NNDevice_GetAllDevicesID failed: service died");
}

}  // namespace
}  // namespace npulens
