/* SDK: api/@ohos.app.ability.abilityDelegatorRegistry.d.ts (what a hypium suite needs). */
import common from './@ohos.app.ability.common';

declare namespace abilityDelegatorRegistry {
  interface AbilityDelegator {
    getAppContext(): common.Context;
  }
  interface AbilityDelegatorArgs {
    bundleName: string;
    parameters: Record<string, string>;
    testCaseNames: string;
    testRunnerClassName: string;
  }
  function getAbilityDelegator(): AbilityDelegator;
  function getArguments(): AbilityDelegatorArgs;
}
export default abilityDelegatorRegistry;
