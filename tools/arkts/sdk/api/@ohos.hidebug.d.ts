/* SDK: api/@ohos.hidebug.d.ts: process memory figures, in kB. */
declare namespace hidebug {
  function getPss(): bigint;
  function getNativeHeapAllocatedSize(): bigint;
}
export default hidebug;
