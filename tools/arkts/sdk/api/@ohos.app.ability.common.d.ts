/* SDK: api/@ohos.app.ability.common.d.ts + application/Context.d.ts + application/UIAbilityContext.d.ts */
import resourceManager from './@ohos.resourceManager';

declare namespace common {
  class Context {
    resourceManager: resourceManager.ResourceManager;
    filesDir: string;
    cacheDir: string;
    tempDir: string;
  }
  class UIAbilityContext extends Context {
    terminateSelf(): Promise<void>;
  }
}
export default common;
