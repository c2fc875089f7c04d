/* Basic components (SDK: ets/component/text.d.ts, button.d.ts, image.d.ts, progress.d.ts, toggle.d.ts,
 * select.d.ts, text_input.d.ts, divider.d.ts, blank.d.ts, loading_progress.d.ts, polyline.d.ts, slider.d.ts). */

interface TextOverflowOptions { overflow: TextOverflow; }
interface TextInterface { (content?: string | Resource): TextAttribute; }
declare class TextAttribute extends CommonMethod<TextAttribute> {
  fontSize(value: number | string | Resource): TextAttribute;
  fontColor(value: ResourceColor): TextAttribute;
  fontWeight(value: number | FontWeight | string): TextAttribute;
  fontFamily(value: string | Resource): TextAttribute;
  textAlign(value: TextAlign): TextAttribute;
  lineHeight(value: number | string | Resource): TextAttribute;
  maxLines(value: number): TextAttribute;
  textOverflow(options: TextOverflowOptions): TextAttribute;
  copyOption(value: CopyOptions): TextAttribute;
}
declare const Text: TextInterface;
declare const TextInstance: TextAttribute;

interface ButtonOptions { type?: ButtonType; stateEffect?: boolean; controlSize?: ControlSize; }
interface ButtonInterface {
  (): ButtonAttribute;
  (options: ButtonOptions): ButtonAttribute;
  (label: ResourceStr, options?: ButtonOptions): ButtonAttribute;
}
declare class ButtonAttribute extends CommonMethod<ButtonAttribute> {
  type(value: ButtonType): ButtonAttribute;
  fontSize(value: Length): ButtonAttribute;
  fontColor(value: ResourceColor): ButtonAttribute;
  fontWeight(value: number | FontWeight | string): ButtonAttribute;
  controlSize(value: ControlSize): ButtonAttribute;
}
declare const Button: ButtonInterface;
declare const ButtonInstance: ButtonAttribute;

interface ImageInterface { (src: ResourceStr): ImageAttribute; }
declare class ImageAttribute extends CommonMethod<ImageAttribute> {
  objectFit(value: ImageFit): ImageAttribute;
  alt(value: string | Resource): ImageAttribute;
  onError(callback: (event: { componentWidth: number; componentHeight: number; message: string }) => void): ImageAttribute;
}
declare const Image: ImageInterface;
declare const ImageInstance: ImageAttribute;

interface ProgressOptions { value: number; total?: number; type?: ProgressType; }
interface ProgressInterface { (options: ProgressOptions): ProgressAttribute; }
declare class ProgressAttribute extends CommonMethod<ProgressAttribute> {
  value(value: number): ProgressAttribute;
  color(value: ResourceColor): ProgressAttribute;
}
declare const Progress: ProgressInterface;
declare const ProgressInstance: ProgressAttribute;

interface LoadingProgressInterface { (): LoadingProgressAttribute; }
declare class LoadingProgressAttribute extends CommonMethod<LoadingProgressAttribute> {
  color(value: ResourceColor): LoadingProgressAttribute;
}
declare const LoadingProgress: LoadingProgressInterface;
declare const LoadingProgressInstance: LoadingProgressAttribute;

interface ToggleOptions { type: ToggleType; isOn?: boolean; }
interface ToggleInterface { (options: ToggleOptions): ToggleAttribute; }
declare class ToggleAttribute extends CommonMethod<ToggleAttribute> {
  onChange(callback: (isOn: boolean) => void): ToggleAttribute;
  selectedColor(value: ResourceColor): ToggleAttribute;
}
declare const Toggle: ToggleInterface;
declare const ToggleInstance: ToggleAttribute;

interface SelectOption { value: ResourceStr; icon?: ResourceStr; }
interface SelectInterface { (options: Array<SelectOption>): SelectAttribute; }
declare class SelectAttribute extends CommonMethod<SelectAttribute> {
  selected(value: number | Resource): SelectAttribute;
  value(value: ResourceStr): SelectAttribute;
  font(value: { size?: Length; weight?: FontWeight | number | string }): SelectAttribute;
  onSelect(callback: (index: number, value: string) => void): SelectAttribute;
}
declare const Select: SelectInterface;
declare const SelectInstance: SelectAttribute;

interface TextInputOptions { placeholder?: ResourceStr; text?: ResourceStr; }
interface TextInputInterface { (value?: TextInputOptions): TextInputAttribute; }
declare class TextInputAttribute extends CommonMethod<TextInputAttribute> {
  type(value: InputType): TextInputAttribute;
  maxLength(value: number): TextInputAttribute;
  onChange(callback: (value: string) => void): TextInputAttribute;
}
declare const TextInput: TextInputInterface;
declare const TextInputInstance: TextInputAttribute;

interface DividerInterface { (): DividerAttribute; }
declare class DividerAttribute extends CommonMethod<DividerAttribute> {
  vertical(value: boolean): DividerAttribute;
  color(value: ResourceColor): DividerAttribute;
  strokeWidth(value: number | string): DividerAttribute;
}
declare const Divider: DividerInterface;
declare const DividerInstance: DividerAttribute;

interface BlankInterface { (min?: number | string): BlankAttribute; }
declare class BlankAttribute extends CommonMethod<BlankAttribute> {}
declare const Blank: BlankInterface;
declare const BlankInstance: BlankAttribute;

interface SliderOptions { value?: number; min?: number; max?: number; step?: number; }
interface SliderInterface { (options?: SliderOptions): SliderAttribute; }
declare class SliderAttribute extends CommonMethod<SliderAttribute> {
  onChange(callback: (value: number, mode: SliderChangeMode) => void): SliderAttribute;
}
declare enum SliderChangeMode { Begin = 0, Moving = 1, End = 2, Click = 3 }
declare const Slider: SliderInterface;
declare const SliderInstance: SliderAttribute;

/** [x, y] (SDK: Polyline points are Array<any>; we use the point tuple the docs describe). */
declare type Point = [number, number];
interface PolylineOptions { width?: string | number; height?: string | number; }
interface PolylineInterface { (options?: PolylineOptions): PolylineAttribute; }
declare class PolylineAttribute extends CommonMethod<PolylineAttribute> {
  points(value: Array<Point>): PolylineAttribute;
  stroke(value: ResourceColor): PolylineAttribute;
  strokeWidth(value: Length): PolylineAttribute;
  fill(value: ResourceColor): PolylineAttribute;
  fillOpacity(value: number | string | Resource): PolylineAttribute;
  antiAlias(value: boolean): PolylineAttribute;
}
declare const Polyline: PolylineInterface;
declare const PolylineInstance: PolylineAttribute;
