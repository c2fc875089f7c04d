/* SDK: api/@ohos.hilog.d.ts */
declare namespace hilog {
  function debug(domain: number, tag: string, format: string, ...args: any[]): void;
  function info(domain: number, tag: string, format: string, ...args: any[]): void;
  function warn(domain: number, tag: string, format: string, ...args: any[]): void;
  function error(domain: number, tag: string, format: string, ...args: any[]): void;
}
export default hilog;
