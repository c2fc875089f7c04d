/* SDK: api/@ohos.app.ability.AbilityConstant.d.ts */
declare namespace AbilityConstant {
  enum LaunchReason { UNKNOWN = 0, START_ABILITY = 1, CALL = 2, CONTINUATION = 3, APP_RECOVERY = 4 }
  interface LaunchParam {
    launchReason: LaunchReason;
  }
}
export default AbilityConstant;
