// Schemas of the HarmonyOS project files we ship, written from the fields the DevEco templates and the HarmonyOS
// project configuration guides document. Unknown fields are errors where the set is closed.
import { arr, bool, int, obj, str } from './schema.mjs';

const SDK_VERSION = str({ pattern: '^\\d+\\.\\d+\\.\\d+\\(\\d+\\)$' });
const RES_STRING = str({ pattern: '^\\$string:[A-Za-z0-9_]+$' });
const RES_MEDIA = str({ pattern: '^\\$media:[A-Za-z0-9_]+$' });
const RES_COLOR = str({ pattern: '^\\$color:[A-Za-z0-9_]+$' });
const RES_PROFILE = str({ pattern: '^\\$profile:[A-Za-z0-9_]+$' });
const DEVICE_TYPES = ['phone', 'tablet', '2in1', 'tv', 'wearable', 'car', 'default'];

export const appJson = obj({
  app: obj({
    bundleName: str({ pattern: '^[a-zA-Z][0-9a-zA-Z_]*(\\.[0-9a-zA-Z_]+){2,}$', minLength: 7, maxLength: 128 }),
    vendor: str({ maxLength: 255 }),
    versionCode: int({ min: 0, max: 2147483647 }),
    versionName: str({ pattern: '^\\d+(\\.\\d+){1,3}$' }),
    icon: RES_MEDIA,
    label: RES_STRING,
  }, ['bundleName', 'vendor', 'versionCode', 'versionName', 'icon', 'label'], false),
}, ['app'], false);

export const rootBuildProfile = obj({
  app: obj({
    signingConfigs: arr(obj({ name: str(), type: str(), material: obj({}) }, ['name', 'material'])),
    products: arr(obj({
      name: str({ minLength: 1 }),
      signingConfig: str(),
      compatibleSdkVersion: SDK_VERSION,
      targetSdkVersion: SDK_VERSION,
      runtimeOS: str({ enum: ['HarmonyOS', 'OpenHarmony'] }),
      buildOption: obj({ strictMode: obj({ caseSensitiveCheck: bool(), useNormalizedOHMUrl: bool() }, [], false) }),
    }, ['name', 'compatibleSdkVersion', 'runtimeOS'], false), { minItems: 1 }),
    buildModeSet: arr(obj({ name: str() }, ['name'], false)),
  }, ['products'], false),
  modules: arr(obj({
    name: str({ pattern: '^[a-zA-Z][0-9a-zA-Z_]*$' }),
    srcPath: str(),
    targets: arr(obj({ name: str(), applyToProducts: arr(str()) }, ['name'], false)),
  }, ['name', 'srcPath'], false), { minItems: 1 }),
}, ['app', 'modules'], false);

export const moduleBuildProfile = obj({
  apiType: str({ enum: ['stageMode', 'faMode'] }),
  buildOption: obj({
    externalNativeOptions: obj({
      path: str(),
      arguments: str(),
      cppFlags: str(),
      abiFilters: arr(str({ enum: ['arm64-v8a', 'armeabi-v7a', 'x86_64'] }), { minItems: 1, unique: true }),
    }, ['path'], false),
  }),
  buildOptionSet: arr(obj({
    name: str(),
    arkOptions: obj({ obfuscation: obj({ ruleOptions: obj({ enable: bool(), files: arr(str()) }, [], false) }) }),
    nativeLib: obj({ debugSymbol: obj({ strip: bool(), exclude: arr(str()) }, [], false) }),
  }, ['name'])),
  targets: arr(obj({ name: str() }, ['name']), { minItems: 1 }),
}, ['apiType'], false);

export const hvigorConfig = obj({
  modelVersion: str({ pattern: '^\\d+\\.\\d+\\.\\d+$' }),
  dependencies: obj({}, [], str()),
  execution: obj({}),
  logging: obj({}),
  debugging: obj({}),
  nodeOptions: obj({}),
}, ['modelVersion'], false);

export const rootOhPackage = obj({
  modelVersion: str({ pattern: '^\\d+\\.\\d+\\.\\d+$' }),
  description: str(),
  dependencies: obj({}, [], str()),
  devDependencies: obj({}, [], str()),
}, ['modelVersion'], false);

export const moduleOhPackage = obj({
  name: str({ minLength: 1 }),
  version: str({ pattern: '^\\d+\\.\\d+\\.\\d+' }),
  description: str(),
  main: str(),
  author: str(),
  license: str(),
  dependencies: obj({}, [], str()),
  devDependencies: obj({}, [], str()),
}, ['name', 'version'], false);

export const libOhPackage = obj({
  name: str({ pattern: '\\.so$' }),
  types: str({ pattern: '\\.d\\.ts$' }),
  version: str(),
  description: str(),
}, ['name', 'types'], false);

const skill = obj({ entities: arr(str()), actions: arr(str()), uris: arr(obj({})) }, [], false);

const ability = obj({
  name: str({ pattern: '^[A-Za-z][0-9A-Za-z_.]*$' }),
  srcEntry: str({ pattern: '^\\./ets/.+\\.ets$' }),
  description: RES_STRING,
  icon: RES_MEDIA,
  label: RES_STRING,
  startWindowIcon: RES_MEDIA,
  startWindowBackground: RES_COLOR,
  exported: bool(),
  skills: arr(skill),
}, ['name', 'srcEntry'], false);

export const moduleJson = obj({
  module: obj({
    name: str({ pattern: '^[a-zA-Z][0-9a-zA-Z_]*$' }),
    type: str({ enum: ['entry', 'feature', 'har', 'shared'] }),
    description: RES_STRING,
    mainElement: str(),
    deviceTypes: arr(str({ enum: DEVICE_TYPES }), { minItems: 1, unique: true }),
    deliveryWithInstall: bool(),
    installationFree: bool(),
    pages: RES_PROFILE,
    abilities: arr(ability),
    requestPermissions: arr(obj({ name: str({ pattern: '^ohos\\.permission\\.[A-Z_]+$' }), reason: RES_STRING,
      usedScene: obj({}) }, ['name'], false)),
  }, ['name', 'type', 'deviceTypes'], false),
}, ['module'], false);

export const mainPages = obj({ src: arr(str({ pattern: '^pages/[A-Za-z0-9_/]+$' }), { minItems: 1, unique: true }) },
  ['src'], false);

export const codeLinter = obj({
  files: arr(str(), { minItems: 1 }),
  ignore: arr(str()),
  ruleSet: arr(str()),
  rules: obj({}),
}, ['files'], false);

export const mockConfig = obj({}, [], obj({ source: str({ pattern: '\\.ets$' }) }, ['source'], false));

export const stringElement = obj({
  string: arr(obj({ name: str({ pattern: '^[A-Za-z0-9_]+$' }), value: str() }, ['name', 'value'], false)),
}, ['string'], false);

export const colorElement = obj({
  color: arr(obj({
    name: str({ pattern: '^[A-Za-z0-9_]+$' }),
    value: str({ pattern: '^(#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})|\\$color:[A-Za-z0-9_]+)$' }),
  }, ['name', 'value'], false)),
}, ['color'], false);

export const layeredImage = obj({
  'layered-image': obj({ background: RES_MEDIA, foreground: RES_MEDIA }, ['background', 'foreground'], false),
}, ['layered-image'], false);
