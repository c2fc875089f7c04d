/* SDK: kits/@kit.BasicServicesKit.d.ts */
import { AsyncCallback, BusinessError, Callback, ErrorCallback } from '../api/@ohos.base';
import deviceInfo from '../api/@ohos.deviceInfo';

export { AsyncCallback, BusinessError, Callback, deviceInfo, ErrorCallback };
