/* SDK: api/@ohos.file.photoAccessHelper.d.ts (the system photo picker; no permission needed). */
declare namespace photoAccessHelper {
  enum PhotoViewMIMETypes {
    IMAGE_TYPE = 'image/*',
    VIDEO_TYPE = 'video/*',
    IMAGE_VIDEO_TYPE = '*/*'
  }
  class BaseSelectOptions {
    MIMEType?: PhotoViewMIMETypes;
    maxSelectNumber?: number;
  }
  class PhotoSelectOptions extends BaseSelectOptions {
    isEditSupported?: boolean;
  }
  class PhotoSelectResult {
    photoUris: Array<string>;
    isOriginalPhoto: boolean;
  }
  class PhotoViewPicker {
    select(option?: PhotoSelectOptions): Promise<PhotoSelectResult>;
  }
}
export default photoAccessHelper;
