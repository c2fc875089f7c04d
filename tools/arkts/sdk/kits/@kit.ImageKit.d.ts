/* SDK: kits/@kit.ImageKit.d.ts */
import image from '../api/@ohos.multimedia.image';

export { image };
