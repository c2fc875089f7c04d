// The compiler options DevEco's ets-loader passes to ohos-typescript, reduced to what our sources need.
// `components` must list every built-in component used with a trailing `{ ... }` block or as a UI statement;
// ForEach/LazyForEach are "paramsUICallback" syntax components (not components) so their item callbacks are UI context.
export const COMPONENTS = [
  'Blank', 'Button', 'Column', 'Divider', 'Flex', 'Image', 'List', 'ListItem', 'LoadingProgress',
  'Polyline', 'Progress', 'Row', 'Scroll', 'Select', 'Slider', 'Stack', 'TabContent', 'Tabs', 'Text', 'TextInput',
  'Toggle', 'Grid', 'GridItem',
];

export function etsOptions() {
  return {
    render: { method: ['build', 'pageTransition'], decorator: ['Builder'] },
    components: COMPONENTS,
    libs: [],
    extend: {
      decorator: ['Extend', 'AnimatableExtend'],
      components: COMPONENTS.map((name) => ({ name, type: `${name}Attribute`, instance: `${name}Instance` })),
    },
    styles: {
      decorator: 'Styles',
      component: { name: 'Common', type: 'T', instance: 'CommonInstance' },
      property: 'stateStyles',
    },
    concurrent: { decorator: 'Concurrent' },
    customComponent: 'CustomComponent',
    propertyDecorators: [
      { name: 'State', needInitialization: true },
      { name: 'Prop', needInitialization: false },
      { name: 'Link', needInitialization: false },
      { name: 'Provide', needInitialization: true },
      { name: 'Consume', needInitialization: false },
      { name: 'ObjectLink', needInitialization: false },
      { name: 'StorageLink', needInitialization: true },
      { name: 'StorageProp', needInitialization: true },
    ],
    emitDecorators: [
      { name: 'Entry', emitParameters: true },
      { name: 'Component', emitParameters: false },
      { name: 'Watch', emitParameters: true },
    ],
    syntaxComponents: {
      paramsUICallback: ['ForEach', 'LazyForEach'],
      attrUICallback: [],
    },
  };
}
