/* SDK: api/@ohos.arkui.UIContext.d.ts (getHostContext since 12; getPromptAction). */
import common from './@ohos.app.ability.common';

export interface ShowToastOptions {
  message: string | Resource;
  duration?: number;
}

export declare class PromptAction {
  showToast(options: ShowToastOptions): void;
}

export declare class UIContext {
  getHostContext(): common.Context | undefined;
  getPromptAction(): PromptAction;
}
