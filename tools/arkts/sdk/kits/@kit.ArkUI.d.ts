/* SDK: kits/@kit.ArkUI.d.ts */
import window from '../api/@ohos.window';
import { PromptAction, UIContext } from '../api/@ohos.arkui.UIContext';

export { PromptAction, UIContext, window };
