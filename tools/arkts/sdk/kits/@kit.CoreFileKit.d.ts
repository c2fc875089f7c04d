/* SDK: kits/@kit.CoreFileKit.d.ts */
import fileIo from '../api/@ohos.file.fs';
import picker from '../api/@ohos.file.picker';

export { fileIo, picker };
