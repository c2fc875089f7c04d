/* SDK: api/@ohos.app.ability.application.d.ts (createModuleContext since 12). */
import common from './@ohos.app.ability.common';

declare namespace application {
  function createModuleContext(context: common.Context, moduleName: string): Promise<common.Context>;
}
export default application;
