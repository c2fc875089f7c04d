/* SDK: api/@ohos.multimedia.image.d.ts (decode to a PixelMap and read its pixels). */
import resourceManager from './@ohos.resourceManager';

declare namespace image {
  enum PixelMapFormat {
    UNKNOWN = 0, ARGB_8888 = 1, RGB_565 = 2, RGBA_8888 = 3, BGRA_8888 = 4, RGB_888 = 5, ALPHA_8 = 6,
    RGBA_F16 = 7, NV21 = 8, NV12 = 9
  }
  enum AlphaType { UNKNOWN = 0, OPAQUE = 1, PREMUL = 2, UNPREMUL = 3 }
  interface Size {
    height: number;
    width: number;
  }
  interface Region {
    size: Size;
    x: number;
    y: number;
  }
  interface ImageInfo {
    size: Size;
    density: number;
    stride: number;
    pixelFormat: PixelMapFormat;
    alphaType: AlphaType;
    mimeType: string;
    isHdr: boolean;
  }
  interface DecodingOptions {
    index?: number;
    sampleSize?: number;
    rotate?: number;
    editable?: boolean;
    desiredSize?: Size;
    desiredRegion?: Region;
    desiredPixelFormat?: PixelMapFormat;
    fitDensity?: number;
  }
  interface PixelMap {
    readonly isEditable: boolean;
    readPixelsToBuffer(dst: ArrayBuffer): Promise<void>;
    readPixelsToBufferSync(dst: ArrayBuffer): void;
    getImageInfo(): Promise<ImageInfo>;
    getImageInfoSync(): ImageInfo;
    getBytesNumberPerRow(): number;
    getPixelBytesNumber(): number;
    release(): Promise<void>;
  }
  interface ImageSource {
    getImageInfo(index?: number): Promise<ImageInfo>;
    createPixelMap(options?: DecodingOptions): Promise<PixelMap>;
    release(): Promise<void>;
    readonly supportedFormats: Array<string>;
  }
  function createImageSource(uri: string): ImageSource;
  function createImageSource(fd: number): ImageSource;
  function createImageSource(buf: ArrayBuffer): ImageSource;
  function createImageSource(rawfile: resourceManager.RawFileDescriptor): ImageSource;
}
export default image;
