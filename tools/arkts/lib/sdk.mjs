// The HarmonyOS SDK the ArkTS check runs against: found from OHOS_SDK_HOME, else ../shared/ohos-sdk beside the
// repository; nothing from it is copied here. Its root holds DevEco's layout (default/openharmony/ets/{api,kits,arkts,
// component,build-tools/ets-loader}). The HMS kits (Agent Framework Kit) are not in the public SDK: their
// declarations are ours, in tools/arkts/sdk/default/hms/ets, the place DevEco's SDK has them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ARKTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(ARKTS_DIR, '..', '..');
/** Our own HMS declarations (api/@hms.*, kits/@kit.*), laid out as in DevEco's SDK. */
export const HMS_ETS = path.join(ARKTS_DIR, 'sdk', 'default', 'hms', 'ets');

const LOADER = path.join('default', 'openharmony', 'ets', 'build-tools', 'ets-loader');

/**
 * { root } for a usable SDK, { skipped: reason } when there is none. An SDK that is named (OHOS_SDK_HOME) or present
 * (../shared/ohos-sdk) but not in DevEco's layout is an error, never a silent skip.
 */
export function locateSdk(env = process.env, defaultRoot = path.resolve(REPO, '..', 'shared', 'ohos-sdk')) {
  let root;
  let from;
  if (env.OHOS_SDK_HOME) {
    root = path.resolve(env.OHOS_SDK_HOME);
    from = 'OHOS_SDK_HOME';
  } else {
    root = defaultRoot;
    from = 'the default ../shared/ohos-sdk';
    if (!fs.existsSync(root)) {
      return { skipped: `OHOS_SDK_HOME is not set and ${root} does not exist` };
    }
  }
  const tsconfig = path.join(root, LOADER, 'tsconfig.json');
  if (!fs.existsSync(tsconfig)) {
    throw new Error(`${from} (${root}) is not an SDK root in DevEco's layout: ${path.join(LOADER, 'tsconfig.json')} `
      + 'is missing');
  }
  return { root: fs.realpathSync(root), from };
}

/**
 * ohos-typescript decides by path whether a declaration is the SDK's (`/sdk/default/(openharmony|hms)/ets/`: its
 * `@throws … 401` tags are not reported). An SDK root whose own path does not end in `/sdk` is seen through a virtual
 * `<root>/sdk` so the checker sees DevEco's paths; toReal() maps them back to the files.
 */
export class SdkView {
  constructor(root) {
    this.real = root;
    this.base = path.basename(root) === 'sdk' ? root : path.join(root, 'sdk');
    this.ets = path.join(this.base, 'default', 'openharmony', 'ets');
    this.loader = path.join(this.base, LOADER);
  }

  /** Whether a path (as the checker sees it) is inside the SDK. */
  contains(p) {
    return p === this.base || p.startsWith(this.base + path.sep);
  }

  isVirtual(p) {
    return this.base !== this.real && this.contains(p);
  }

  /** The file on disk behind a path the checker sees. */
  toReal(p) {
    return this.isVirtual(p) ? this.real + p.slice(this.base.length) : p;
  }

  /** A ts.System that serves the SDK under its virtual path (realpath keeps virtual paths virtual). */
  system(ts) {
    const sys = ts.sys;
    const r = (p) => this.toReal(p);
    return {
      ...sys,
      fileExists: (p) => sys.fileExists(r(p)),
      readFile: (p, enc) => sys.readFile(r(p), enc),
      directoryExists: (p) => sys.directoryExists(r(p)),
      getDirectories: (p) => sys.getDirectories(r(p)),
      readDirectory: (p, ...rest) => sys.readDirectory(r(p), ...rest).map((f) => (this.isVirtual(p)
        ? this.base + f.slice(this.real.length) : f)),
      getModifiedTime: sys.getModifiedTime && ((p) => sys.getModifiedTime(r(p))),
      realpath: (p) => (this.isVirtual(p) ? p : sys.realpath ? sys.realpath(p) : p),
    };
  }
}
