/* SDK: api/@ohos.file.picker.d.ts (DocumentViewPicker save; its PhotoViewPicker is deprecated since 12). */
import common from './@ohos.app.ability.common';

declare namespace picker {
  class DocumentSaveOptions {
    newFileNames?: Array<string>;
    fileSuffixChoices?: Array<string>;
  }
  class DocumentViewPicker {
    /** Since 12; only a UIAbilityContext is supported. */
    constructor(context: common.Context);
    save(option?: DocumentSaveOptions): Promise<Array<string>>;
  }
}
export default picker;
