/* SDK: kits/@kit.ArkTS.d.ts */
import util from '../api/@ohos.util';

export { util };
