/* SDK: kits/@kit.MediaLibraryKit.d.ts */
import photoAccessHelper from '../api/@ohos.file.photoAccessHelper';

export { photoAccessHelper };
