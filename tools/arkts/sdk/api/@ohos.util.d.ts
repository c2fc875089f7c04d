/* SDK: api/@ohos.util.d.ts (TextDecoder.create since 9, decodeToString since 12). */
declare namespace util {
  interface TextDecoderOptions {
    fatal?: boolean;
    ignoreBOM?: boolean;
  }
  interface DecodeToStringOptions {
    stream?: boolean;
  }
  class TextDecoder {
    static create(encoding?: string, options?: TextDecoderOptions): TextDecoder;
    decodeToString(input: Uint8Array, options?: DecodeToStringOptions): string;
  }
}
export default util;
