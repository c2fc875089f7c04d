/* Container components (SDK: ets/component/column.d.ts, row.d.ts, stack.d.ts, flex.d.ts, scroll.d.ts, list.d.ts,
 * list_item.d.ts, grid.d.ts, grid_item.d.ts, tabs.d.ts, tab_content.d.ts). */

interface ColumnOptions { space?: string | number; }
interface ColumnInterface { (options?: ColumnOptions): ColumnAttribute; }
declare class ColumnAttribute extends CommonMethod<ColumnAttribute> {
  alignItems(value: HorizontalAlign): ColumnAttribute;
  justifyContent(value: FlexAlign): ColumnAttribute;
}
declare const Column: ColumnInterface;
declare const ColumnInstance: ColumnAttribute;

interface RowOptions { space?: string | number; }
interface RowInterface { (options?: RowOptions): RowAttribute; }
declare class RowAttribute extends CommonMethod<RowAttribute> {
  alignItems(value: VerticalAlign): RowAttribute;
  justifyContent(value: FlexAlign): RowAttribute;
}
declare const Row: RowInterface;
declare const RowInstance: RowAttribute;

interface StackOptions { alignContent?: Alignment; }
interface StackInterface { (options?: StackOptions): StackAttribute; }
declare class StackAttribute extends CommonMethod<StackAttribute> {
  alignContent(value: Alignment): StackAttribute;
}
declare const Stack: StackInterface;
declare const StackInstance: StackAttribute;

interface FlexOptions {
  direction?: FlexDirection;
  wrap?: FlexWrap;
  justifyContent?: FlexAlign;
  alignItems?: ItemAlign;
}
interface FlexInterface { (value?: FlexOptions): FlexAttribute; }
declare class FlexAttribute extends CommonMethod<FlexAttribute> {}
declare const Flex: FlexInterface;
declare const FlexInstance: FlexAttribute;

declare class Scroller {
  constructor();
  scrollEdge(value: Edge): void;
}
declare enum Edge { Top, Center, Bottom, Baseline, Start, Middle, End }
interface ScrollInterface { (scroller?: Scroller): ScrollAttribute; }
declare class ScrollAttribute extends CommonMethod<ScrollAttribute> {
  scrollable(value: ScrollDirection): ScrollAttribute;
  scrollBar(barState: BarState): ScrollAttribute;
  edgeEffect(edgeEffect: EdgeEffect): ScrollAttribute;
}
declare enum ScrollDirection { Vertical, Horizontal, None }
declare enum EdgeEffect { Spring, Fade, None }
declare const Scroll: ScrollInterface;
declare const ScrollInstance: ScrollAttribute;

interface ListOptions { space?: number | string; initialIndex?: number; }
interface ListInterface { (options?: ListOptions): ListAttribute; }
declare class ListAttribute extends CommonMethod<ListAttribute> {
  listDirection(value: Axis): ListAttribute;
  divider(value: { strokeWidth: Length; color?: ResourceColor; startMargin?: Length; endMargin?: Length } | null): ListAttribute;
  scrollBar(value: BarState): ListAttribute;
}
declare const List: ListInterface;
declare const ListInstance: ListAttribute;

interface ListItemInterface { (value?: string): ListItemAttribute; }
declare class ListItemAttribute extends CommonMethod<ListItemAttribute> {}
declare const ListItem: ListItemInterface;
declare const ListItemInstance: ListItemAttribute;

interface GridInterface { (scroller?: Scroller): GridAttribute; }
declare class GridAttribute extends CommonMethod<GridAttribute> {
  columnsTemplate(value: string): GridAttribute;
  columnsGap(value: Length): GridAttribute;
  rowsGap(value: Length): GridAttribute;
}
declare const Grid: GridInterface;
declare const GridInstance: GridAttribute;

interface GridItemInterface { (): GridItemAttribute; }
declare class GridItemAttribute extends CommonMethod<GridItemAttribute> {}
declare const GridItem: GridItemInterface;
declare const GridItemInstance: GridItemAttribute;

declare class TabsController {
  constructor();
  changeIndex(value: number): void;
}
interface TabsOptions { barPosition?: BarPosition; index?: number; controller?: TabsController; }
interface TabsInterface { (options?: TabsOptions): TabsAttribute; }
declare class TabsAttribute extends CommonMethod<TabsAttribute> {
  vertical(value: boolean): TabsAttribute;
  scrollable(value: boolean): TabsAttribute;
  barMode(value: BarMode): TabsAttribute;
  barHeight(value: Length): TabsAttribute;
  animationDuration(value: number): TabsAttribute;
  onChange(event: (index: number) => void): TabsAttribute;
}
declare const Tabs: TabsInterface;
declare const TabsInstance: TabsAttribute;

interface TabBarOptions { icon?: string | Resource; text?: string | Resource; }
interface TabContentInterface { (): TabContentAttribute; }
declare class TabContentAttribute extends CommonMethod<TabContentAttribute> {
  tabBar(value: string | Resource | CustomBuilder | TabBarOptions): TabContentAttribute;
}
declare const TabContent: TabContentInterface;
declare const TabContentInstance: TabContentAttribute;

// ForEach is a syntax component (ets options: syntaxComponents.paramsUICallback), not a component.
interface ForEachInterface {
  <T>(arr: Array<T>, itemGenerator: (item: T, index: number) => void,
    keyGenerator?: (item: T, index: number) => string): ForEachAttribute;
}
declare class ForEachAttribute {}
declare const ForEach: ForEachInterface;
