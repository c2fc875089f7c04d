/* SDK: api/@ohos.app.ability.Want.d.ts */
export default class Want {
  bundleName?: string;
  abilityName?: string;
  moduleName?: string;
  uri?: string;
  parameters?: Record<string, Object>;
}
