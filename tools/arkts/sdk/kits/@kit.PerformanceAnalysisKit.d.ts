/* SDK: kits/@kit.PerformanceAnalysisKit.d.ts */
import hidebug from '../api/@ohos.hidebug';
import hilog from '../api/@ohos.hilog';

export { hidebug, hilog };
