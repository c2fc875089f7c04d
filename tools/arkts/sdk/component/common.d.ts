/*
 * Minimal ArkUI declarations in the shape of the HarmonyOS SDK's ets/component/*.d.ts (global scope), written
 * from the documented API for exactly what NpuLens uses. A member missing here is a type error in the check, so
 * add members only as documented. Only `tools/arkts/lib/program.mjs` feeds these files to ohos-typescript.
 */

// ---- decorators (SDK: ets/component/common.d.ts)
declare const Entry: ClassDecorator & ((options?: { routeName?: string }) => ClassDecorator);
declare const Component: ClassDecorator;
declare const Observed: ClassDecorator;
declare const State: PropertyDecorator;
declare const Prop: PropertyDecorator;
declare const Link: PropertyDecorator;
declare const ObjectLink: PropertyDecorator;
declare const Provide: PropertyDecorator & ((value: string) => PropertyDecorator);
declare const Consume: PropertyDecorator & ((value: string) => PropertyDecorator);
declare const Watch: (value: string) => PropertyDecorator;
declare const Builder: MethodDecorator;
declare const BuilderParam: PropertyDecorator;
declare const Styles: MethodDecorator;
declare const Extend: (value: Function) => MethodDecorator;
declare const Require: PropertyDecorator;
declare const Concurrent: MethodDecorator;

// ---- resources (SDK: global/resource.d.ts + ets/component/common.d.ts)
interface Resource {
  readonly bundleName: string;
  readonly moduleName: string;
  readonly id: number;
  readonly params?: any[];
  readonly type?: number;
}
declare function $r(value: string, ...params: any[]): Resource;
declare function $rawfile(value: string): Resource;

declare type ResourceStr = string | Resource;
declare type Length = string | number | Resource;
declare type ResourceColor = Color | number | string | Resource;
declare type Dimension = string | number | Resource;

declare type CustomBuilder = (() => any) | void;

interface Padding {
  top?: Length;
  right?: Length;
  bottom?: Length;
  left?: Length;
}
declare type Margin = Padding;

interface SizeOptions {
  width?: Length;
  height?: Length;
}

interface ConstraintSizeOptions {
  minWidth?: Length;
  maxWidth?: Length;
  minHeight?: Length;
  maxHeight?: Length;
}

interface BorderOptions {
  width?: Length;
  color?: ResourceColor;
  radius?: Length;
  style?: BorderStyle;
}

interface ClickEvent {
  x: number;
  y: number;
  timestamp: number;
}

// ---- enums (SDK: ets/component/enums.d.ts)
declare enum Color { White, Black, Blue, Brown, Gray, Green, Grey, Orange, Pink, Red, Yellow, Transparent }
declare enum FontWeight { Lighter, Normal, Regular, Medium, Bold, Bolder }
declare enum HorizontalAlign { Start, Center, End }
declare enum VerticalAlign { Top, Center, Bottom }
declare enum FlexAlign { Start, Center, End, SpaceBetween, SpaceAround, SpaceEvenly }
declare enum ItemAlign { Auto, Start, Center, End, Baseline, Stretch }
declare enum FlexDirection { Row, Column, RowReverse, ColumnReverse }
declare enum FlexWrap { NoWrap, Wrap, WrapReverse }
declare enum Alignment { TopStart, Top, TopEnd, Start, Center, End, BottomStart, Bottom, BottomEnd }
declare enum Visibility { Visible, Hidden, None }
declare enum TextAlign { Center, Start, End, JUSTIFY }
declare enum TextOverflow { None, Clip, Ellipsis, MARQUEE }
declare enum BorderStyle { Dotted, Dashed, Solid }
declare enum ImageFit { Contain, Cover, Auto, Fill, ScaleDown, None }
declare enum BarPosition { Start, End }
declare enum BarMode { Fixed, Scrollable }
declare enum ButtonType { Capsule, Circle, Normal, ROUNDED_RECTANGLE }
declare enum ToggleType { Checkbox, Switch, Button }
declare enum ProgressType { Linear = 0, Ring = 1, Eclipse = 2, ScaleRing = 3, Capsule = 4 }
declare enum InputType { Normal, Number, PhoneNumber, Email, Password }
declare enum Axis { Vertical, Horizontal }
declare enum BarState { Off, Auto, On }
declare enum ControlSize { SMALL = 'small', NORMAL = 'normal' }
declare enum CopyOptions { None = 0, InApp = 1, LocalDevice = 2 }

// ---- the attribute base every component shares (SDK: CommonMethod<T>)
declare class CommonMethod<T> {
  width(value: Length): T;
  height(value: Length): T;
  size(value: SizeOptions): T;
  constraintSize(value: ConstraintSizeOptions): T;
  padding(value: Padding | Length): T;
  margin(value: Margin | Length): T;
  backgroundColor(value: ResourceColor): T;
  borderRadius(value: Length): T;
  border(value: BorderOptions): T;
  onClick(event: (event: ClickEvent) => void): T;
  layoutWeight(value: number | string): T;
  visibility(value: Visibility): T;
  enabled(value: boolean): T;
  opacity(value: number | Resource): T;
  align(value: Alignment): T;
  alignSelf(value: ItemAlign): T;
  flexGrow(value: number): T;
  flexShrink(value: number): T;
  id(value: string): T;
  clip(value: boolean): T;
}
declare class CommonAttribute extends CommonMethod<CommonAttribute> {}
declare const CommonInstance: CommonAttribute;

/** Base of every @Component struct (ets options: customComponent). */
declare class CustomComponent {
  build(): void;
  aboutToAppear?(): void;
  aboutToDisappear?(): void;
  onPageShow?(): void;
  onPageHide?(): void;
  onBackPress?(): void | boolean;
  getUIContext(): import('../api/@ohos.arkui.UIContext').UIContext;
}
