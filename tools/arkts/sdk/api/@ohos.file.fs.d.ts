/* SDK: api/@ohos.file.fs.d.ts (the synchronous calls NpuLens uses). */
declare namespace fileIo {
  namespace OpenMode {
    const READ_ONLY = 0o0;
    const WRITE_ONLY = 0o1;
    const READ_WRITE = 0o2;
    const CREATE = 0o100;
    const TRUNC = 0o1000;
  }
  interface File {
    readonly fd: number;
    readonly path: string;
    readonly name: string;
  }
  interface WriteOptions {
    offset?: number;
    length?: number;
    encoding?: string;
  }
  function openSync(path: string, mode?: number): File;
  function closeSync(file: number | File): void;
  function writeSync(fd: number, buffer: ArrayBuffer | string, options?: WriteOptions): number;
  function accessSync(path: string): boolean;
  function mkdirSync(path: string, recursion?: boolean): void;
  function rmdirSync(path: string): void;
}
export default fileIo;
