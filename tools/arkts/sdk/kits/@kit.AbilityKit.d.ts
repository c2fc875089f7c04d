/* SDK: kits/@kit.AbilityKit.d.ts */
import AbilityConstant from '../api/@ohos.app.ability.AbilityConstant';
import application from '../api/@ohos.app.ability.application';
import common from '../api/@ohos.app.ability.common';
import UIAbility from '../api/@ohos.app.ability.UIAbility';
import Want from '../api/@ohos.app.ability.Want';

export { AbilityConstant, application, common, UIAbility, Want };
