// Parses and validates every JSON5 config of the HarmonyOS project, including cross-references between them
// ($string:/$media:/$color:/$profile: resources, page paths, srcEntry files, native type packages, translations).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { check } from './schema.mjs';
import * as S from './config-specs.mjs';

const require = createRequire(import.meta.url);
const JSON5 = require('json5');

/** Strings that are configuration, not text: kept in base only (docs/app.md). */
export const NON_TRANSLATABLE = new Set(['agent_id']);
const LOCALES = ['en_US', 'zh_CN'];

class Report {
  constructor(root) {
    this.root = root;
    this.results = []; // { name, errors[] }
  }
  add(name, errors) {
    this.results.push({ name, errors });
  }
}

function readJson5(root, rel, errors) {
  const p = path.join(root, rel);
  if (!fs.existsSync(p)) {
    errors.push(`${rel}: missing`);
    return undefined;
  }
  try {
    return JSON5.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    errors.push(`${rel}: ${e.message}`);
    return undefined;
  }
}

function validateFile(report, rel, spec, extra) {
  const errors = [];
  const doc = readJson5(report.root, rel, errors);
  if (doc !== undefined) {
    check(doc, spec, rel, errors);
    if (errors.length === 0 && extra) extra(doc, errors);
  }
  report.add(rel, errors);
  return errors.length === 0 ? doc : undefined;
}

/** Resource tables of one resources/ folder: names per type and per qualifier directory. */
function loadResources(root, resDir, report) {
  const table = {}; // qualifier -> { string: Map(name->value), color: Map, media: Set, profile: Set }
  const abs = path.join(root, resDir);
  if (!fs.existsSync(abs)) return table;
  for (const q of fs.readdirSync(abs)) {
    if (q === 'rawfile' || !fs.statSync(path.join(abs, q)).isDirectory()) continue;
    const t = { string: new Map(), color: new Map(), media: new Set(), profile: new Set() };
    table[q] = t;
    const el = path.join(abs, q, 'element');
    if (fs.existsSync(el)) {
      for (const f of fs.readdirSync(el).filter((n) => n.endsWith('.json')).sort()) {
        const rel = path.join(resDir, q, 'element', f);
        const errors = [];
        const doc = readJson5(root, rel, errors);
        if (doc && 'string' in doc) check(doc, S.stringElement, rel, errors);
        else if (doc && 'color' in doc) check(doc, S.colorElement, rel, errors);
        else if (doc) errors.push(`${rel}: neither a "string" nor a "color" element file`);
        if (doc && errors.length === 0) {
          for (const kind of ['string', 'color']) {
            for (const e of doc[kind] ?? []) {
              if (t[kind].has(e.name)) errors.push(`${rel}: ${kind} "${e.name}" defined twice`);
              t[kind].set(e.name, e.value);
            }
          }
        }
        report.add(rel, errors);
      }
    }
    const media = path.join(abs, q, 'media');
    if (fs.existsSync(media)) {
      for (const f of fs.readdirSync(media)) t.media.add(f.replace(/\.[^.]+$/, ''));
    }
    const prof = path.join(abs, q, 'profile');
    if (fs.existsSync(prof)) {
      for (const f of fs.readdirSync(prof)) t.profile.add(f.replace(/\.json$/, ''));
    }
  }
  return table;
}

/** Every $type:name in a document must exist in resources/base. */
function checkRefs(doc, where, base, errors) {
  const walk = (v, at) => {
    if (typeof v === 'string') {
      const m = /^\$(string|media|color|profile):([A-Za-z0-9_]+)$/.exec(v);
      if (m) {
        const set = base?.[m[1]];
        if (!set || !set.has(m[2])) errors.push(`${at}: ${v} not found in resources/base`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  walk(doc, where);
}

function placeholders(s) {
  return (s.match(/%(\d+\$)?[sd]/g) ?? []).map((p) => p.replace(/\d+\$/, '')).sort().join(',');
}

/** base strings exist in every locale (and nothing extra), with the same placeholders; dark colours exist in base. */
function checkTranslations(report, resDir, table) {
  const errors = [];
  const base = table.base;
  if (!base) {
    report.add(`${resDir}: translations`, [`${resDir}/base missing`]);
    return;
  }
  for (const loc of LOCALES) {
    const t = table[loc];
    if (!t) {
      errors.push(`${resDir}/${loc}: missing`);
      continue;
    }
    for (const [name, value] of base.string) {
      if (NON_TRANSLATABLE.has(name)) {
        if (t.string.has(name)) errors.push(`${resDir}/${loc}: "${name}" is configuration; keep it in base only`);
        continue;
      }
      if (!t.string.has(name)) errors.push(`${resDir}/${loc}: string "${name}" missing`);
      else if (placeholders(t.string.get(name)) !== placeholders(value)) {
        errors.push(`${resDir}/${loc}: string "${name}" placeholders differ from base`);
      }
    }
    for (const name of t.string.keys()) {
      if (!base.string.has(name)) errors.push(`${resDir}/${loc}: string "${name}" is not in base`);
    }
  }
  if (table.dark) {
    for (const name of table.dark.color.keys()) {
      if (!base.color.has(name)) errors.push(`${resDir}/dark: color "${name}" is not in base`);
    }
  }
  report.add(`${resDir}: translations`, errors);
}

/** $r('app.string.x') / $r('app.color.x') / $r('app.media.x') literals in .ets sources must exist in base. */
function checkEtsResourceRefs(report, etsFiles, base) {
  const errors = [];
  for (const f of etsFiles) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\$r\(\s*'app\.(string|color|media)\.([A-Za-z0-9_]+)'/g)) {
      if (!base?.[m[1]]?.has(m[2])) {
        const line = text.slice(0, m.index).split('\n').length;
        errors.push(`${path.relative(report.root, f)}:${line}: $r('app.${m[1]}.${m[2]}') not in resources/base`);
      }
    }
  }
  report.add('$r() references in .ets', errors);
}

function listEts(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listEts(p));
    else if (e.name.endsWith('.ets')) out.push(p);
  }
  return out;
}

function compareSdk(a, b) {
  const n = (v) => Number(/\((\d+)\)/.exec(v)[1]);
  return n(a) - n(b);
}

export function validateProject(root) {
  const report = new Report(root);
  const exists = (rel) => fs.existsSync(path.join(root, rel));

  const appRes = loadResources(root, 'AppScope/resources', report);
  validateFile(report, 'AppScope/app.json5', S.appJson, (doc, errors) => checkRefs(doc, 'AppScope/app.json5', appRes.base, errors));
  checkTranslations(report, 'AppScope/resources', appRes);

  const rootProfile = validateFile(report, 'build-profile.json5', S.rootBuildProfile, (doc, errors) => {
    for (const p of doc.app.products) {
      if (p.targetSdkVersion && compareSdk(p.targetSdkVersion, p.compatibleSdkVersion) < 0) {
        errors.push(`build-profile.json5: product ${p.name}: targetSdkVersion < compatibleSdkVersion`);
      }
    }
    for (const m of doc.modules) {
      if (!exists(m.srcPath)) errors.push(`build-profile.json5: module ${m.name}: srcPath ${m.srcPath} missing`);
      const products = new Set(doc.app.products.map((p) => p.name));
      for (const t of m.targets ?? []) {
        for (const p of t.applyToProducts ?? []) {
          if (!products.has(p)) errors.push(`build-profile.json5: module ${m.name}: target ${t.name}: unknown product ${p}`);
        }
      }
    }
  });
  validateFile(report, 'hvigor/hvigor-config.json5', S.hvigorConfig);
  validateFile(report, 'oh-package.json5', S.rootOhPackage, (doc, errors) => {
    if (!doc.devDependencies?.['@ohos/hypium']) errors.push('oh-package.json5: devDependencies needs @ohos/hypium');
  });
  validateFile(report, 'code-linter.json5', S.codeLinter);
  for (const f of ['hvigorfile.ts', 'entry/hvigorfile.ts']) {
    report.add(f, exists(f) ? [] : [`${f}: missing`]);
  }

  for (const m of rootProfile?.modules ?? [{ srcPath: './entry' }]) {
    const mod = path.normalize(m.srcPath);
    const res = loadResources(root, `${mod}/src/main/resources`, report);
    const base = res.base;
    checkTranslations(report, `${mod}/src/main/resources`, res);

    validateFile(report, `${mod}/build-profile.json5`, S.moduleBuildProfile, (doc, errors) => {
      const native = doc.buildOption?.externalNativeOptions;
      if (native && !exists(path.join(mod, native.path))) errors.push(`${mod}/build-profile.json5: externalNativeOptions.path ${native.path} missing`);
      for (const set of doc.buildOptionSet ?? []) {
        for (const f of set.arkOptions?.obfuscation?.ruleOptions?.files ?? []) {
          if (!exists(path.join(mod, f))) errors.push(`${mod}/build-profile.json5: obfuscation file ${f} missing`);
        }
      }
      const targets = doc.targets.map((t) => t.name);
      if (!targets.includes('default')) errors.push(`${mod}/build-profile.json5: targets needs "default"`);
      if (targets.includes('ohosTest') && !exists(`${mod}/src/ohosTest/module.json5`)) {
        errors.push(`${mod}/build-profile.json5: target ohosTest but ${mod}/src/ohosTest/module.json5 is missing`);
      }
    });

    validateFile(report, `${mod}/oh-package.json5`, S.moduleOhPackage, (doc, errors) => {
      for (const [name, spec] of Object.entries(doc.dependencies ?? {})) {
        if (!spec.startsWith('file:')) continue;
        const dir = path.join(mod, spec.slice(5));
        const pkgErrors = [];
        const pkg = readJson5(root, path.join(dir, 'oh-package.json5'), pkgErrors);
        if (pkg === undefined) {
          errors.push(`${mod}/oh-package.json5: ${name}: ${pkgErrors.join('; ')}`);
          continue;
        }
        check(pkg, S.libOhPackage, path.join(dir, 'oh-package.json5'), errors);
        if (pkg.name !== name) errors.push(`${mod}/oh-package.json5: ${name}: package name is ${pkg.name}`);
        if (pkg.types && !exists(path.join(dir, pkg.types))) errors.push(`${dir}/oh-package.json5: types ${pkg.types} missing`);
      }
    });

    let pagesProfile = 'main_pages';
    validateFile(report, `${mod}/src/main/module.json5`, S.moduleJson, (doc, errors) => {
      const where = `${mod}/src/main/module.json5`;
      checkRefs(doc, where, base, errors);
      const abilities = doc.module.abilities ?? [];
      if (doc.module.mainElement && !abilities.some((a) => a.name === doc.module.mainElement)) {
        errors.push(`${where}: mainElement ${doc.module.mainElement} is not an ability`);
      }
      for (const a of abilities) {
        if (!exists(path.join(mod, 'src/main', a.srcEntry))) errors.push(`${where}: ability ${a.name}: srcEntry ${a.srcEntry} missing`);
      }
      if (doc.module.pages) pagesProfile = doc.module.pages.slice('$profile:'.length);
    });

    validateFile(report, `${mod}/src/main/resources/base/profile/${pagesProfile}.json`, S.mainPages, (doc, errors) => {
      for (const p of doc.src) {
        const f = path.join(root, mod, 'src/main/ets', `${p}.ets`);
        if (!fs.existsSync(f)) errors.push(`${pagesProfile}.json: page ${p} has no ets/${p}.ets`);
        else if (!/@Entry\b/.test(fs.readFileSync(f, 'utf8'))) errors.push(`${pagesProfile}.json: ets/${p}.ets has no @Entry`);
      }
    });

    for (const kind of ['layered_image']) {
      for (const [resDir, table] of [[`${mod}/src/main/resources`, res], ['AppScope/resources', appRes]]) {
        const rel = `${resDir}/base/media/${kind}.json`;
        if (!exists(rel)) continue;
        validateFile(report, rel, S.layeredImage, (doc, errors) => checkRefs(doc, rel, table.base, errors));
      }
    }

    if (exists(`${mod}/src/ohosTest/module.json5`)) {
      const testRes = loadResources(root, `${mod}/src/ohosTest/resources`, report);
      checkTranslations(report, `${mod}/src/ohosTest/resources`, testRes);
      validateFile(report, `${mod}/src/ohosTest/module.json5`, S.moduleJson, (doc, errors) => {
        const where = `${mod}/src/ohosTest/module.json5`;
        if (doc.module.type !== 'feature') errors.push(`${where}: the instrument-test module must have type "feature"`);
        checkRefs(doc, where, testRes.base, errors);
        for (const a of doc.module.abilities ?? []) {
          if (!exists(path.join(mod, 'src/ohosTest', a.srcEntry))) errors.push(`${where}: ability ${a.name}: srcEntry ${a.srcEntry} missing`);
        }
      });
    }

    if (exists(`${mod}/src/mock/mock-config.json5`)) {
      validateFile(report, `${mod}/src/mock/mock-config.json5`, S.mockConfig, (doc, errors) => {
        for (const [k, v] of Object.entries(doc)) {
          if (!exists(path.join(mod, v.source))) errors.push(`mock-config.json5: ${k}: source ${v.source} missing`);
        }
      });
    }

    checkEtsResourceRefs(report, listEts(path.join(root, mod, 'src/main/ets')), base);
  }
  return report.results;
}
