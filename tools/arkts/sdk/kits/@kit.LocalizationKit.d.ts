/* SDK: kits/@kit.LocalizationKit.d.ts */
import resourceManager from '../api/@ohos.resourceManager';

export { resourceManager };
