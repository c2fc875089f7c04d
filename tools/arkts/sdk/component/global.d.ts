/* SDK: api/@internal/ets/global.d.ts (timers and console, available in every ArkTS file). */
declare function setTimeout(handler: Function | string, delay?: number, ...arguments: any[]): number;
declare function clearTimeout(timeoutID?: number): void;
declare function setInterval(handler: Function | string, delay: number, ...arguments: any[]): number;
declare function clearInterval(intervalID?: number): void;
declare namespace console {
  function debug(message: string, ...arguments: any[]): void;
  function log(message: string, ...arguments: any[]): void;
  function info(message: string, ...arguments: any[]): void;
  function warn(message: string, ...arguments: any[]): void;
  function error(message: string, ...arguments: any[]): void;
}
