/* SDK: kits/@kit.TestKit.d.ts */
import abilityDelegatorRegistry from '../api/@ohos.app.ability.abilityDelegatorRegistry';

export { abilityDelegatorRegistry };
