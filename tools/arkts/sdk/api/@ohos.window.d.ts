/* SDK: api/@ohos.window.d.ts (loadContent only). */
import { AsyncCallback } from './@ohos.base';

declare namespace window {
  interface WindowStage {
    loadContent(path: string, callback: AsyncCallback<void>): void;
    loadContent(path: string): Promise<void>;
  }
}
export default window;
