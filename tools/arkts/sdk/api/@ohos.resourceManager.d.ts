/* SDK: api/@ohos.resourceManager.d.ts (the members NpuLens uses). */
declare namespace resourceManager {
  interface RawFileDescriptor {
    fd: number;
    offset: number;
    length: number;
  }
  interface ResourceManager {
    getRawFileContent(path: string): Promise<Uint8Array>;
    getRawFileContentSync(path: string): Uint8Array;
    getRawFd(path: string): Promise<RawFileDescriptor>;
    getRawFdSync(path: string): RawFileDescriptor;
    closeRawFd(path: string): Promise<void>;
    closeRawFdSync(path: string): void;
    getStringSync(resId: number): string;
    getStringSync(resId: number, ...args: Array<string | number>): string;
    getStringSync(resource: Resource): string;
    getStringSync(resource: Resource, ...args: Array<string | number>): string;
    getStringByNameSync(resName: string, ...args: Array<string | number>): string;
    getMediaContent(resId: number): Promise<Uint8Array>;
  }
}
export default resourceManager;
