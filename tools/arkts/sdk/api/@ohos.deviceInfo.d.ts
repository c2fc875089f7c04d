/* SDK: api/@ohos.deviceInfo.d.ts */
declare namespace deviceInfo {
  const marketName: string;
  const productModel: string;
  const osFullName: string;
  const displayVersion: string;
  const sdkApiVersion: number;
  /** HarmonyOS version as M*10000 + S*100 + F, e.g. 60000 for 6.0.0. */
  const distributionOSApiVersion: number;
}
export default deviceInfo;
