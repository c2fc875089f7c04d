// Keeps the device contract (entry/src/main/cpp/types/libentry/Index.d.ts) and the Node API (src/api) from
// drifting apart: every exported type of Index.d.ts must exist in src/api/types.ts with the same members
// (name, optionality, readonly, type text), except the documented host differences; the compiled addon must
// export what the declarations promise. Index.d.ts must also stay consumable from ArkTS (no any/unknown, no
// index signatures).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { api, loadTiny, repoRoot, require } from './helpers.mjs';

const deviceFile = path.join(repoRoot, 'entry/src/main/cpp/types/libentry/Index.d.ts');
const nodeTypesFile = path.join(repoRoot, 'src/api/types.ts');
const nodeApiFile = path.join(repoRoot, 'src/api/index.ts');

// Host-only additions (documented in src/api/types.ts): loading from disk and the oracle/debug hook.
const NODE_ONLY_TYPES = new Set(['CompileOptions', 'InputSpecOptions', 'FileLoadOptions', 'Inspection']);
const NODE_ONLY_MEMBERS = { Classifier: ['inspect'], LoadOptions: ['rawfileDir'] };

function parse(file) {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

const norm = (text) => text.replace(/\s+/g, ' ').replace(/;\s*}/g, ' }').trim();

/** name -> {kind, members?: Map<name, signature text>, text?, heritage: string[]} for exported types. */
function exportedTypes(source) {
  const types = new Map();
  for (const st of source.statements) {
    const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isInterfaceDeclaration(st)) {
      const members = new Map();
      for (const m of st.members) {
        const name = m.name.getText(source);
        const readonly = m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
        let sig;
        if (ts.isMethodSignature(m)) {
          sig = `(${m.parameters.map((p) => norm(p.getText(source))).join(', ')}): ${norm(m.type.getText(source))}`;
        } else {
          sig = `${readonly}${m.questionToken ? '?' : ''}: ${norm(m.type.getText(source))}`;
        }
        members.set(name, sig);
      }
      const heritage = (st.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(source)));
      types.set(st.name.text, { kind: 'interface', members, heritage });
    } else if (ts.isTypeAliasDeclaration(st)) {
      types.set(st.name.text, { kind: 'alias', text: norm(st.type.getText(source)) });
    }
  }
  return types;
}

/** Members of an interface including those of the interfaces it extends (same file). */
function flatMembers(types, name) {
  const t = types.get(name);
  const all = new Map();
  for (const base of t.heritage) for (const [k, v] of flatMembers(types, base)) all.set(k, v);
  for (const [k, v] of t.members) all.set(k, v);
  return all;
}

const device = exportedTypes(parse(deviceFile));
const node = exportedTypes(parse(nodeTypesFile));

describe('Index.d.ts vs the Node API', () => {
  it('declares the same type aliases', () => {
    for (const [name, t] of device) {
      if (t.kind !== 'alias') continue;
      assert.ok(node.has(name), `src/api/types.ts lacks type ${name}`);
      assert.equal(node.get(name).text, t.text, `type ${name} differs`);
    }
  });

  it('declares the same interfaces member for member', () => {
    for (const [name, t] of device) {
      if (t.kind !== 'interface') continue;
      assert.ok(node.has(name), `src/api/types.ts lacks interface ${name}`);
      const deviceMembers = flatMembers(device, name);
      const nodeMembers = flatMembers(node, name);
      const extra = NODE_ONLY_MEMBERS[name] ?? [];
      for (const [member, sig] of deviceMembers) {
        assert.ok(nodeMembers.has(member), `${name}.${member} is missing in the Node API`);
        assert.equal(nodeMembers.get(member), sig, `${name}.${member} differs`);
      }
      for (const member of nodeMembers.keys()) {
        assert.ok(deviceMembers.has(member) || extra.includes(member),
          `${name}.${member} exists only in the Node API; add it to Index.d.ts or to NODE_ONLY_MEMBERS with a reason`);
      }
    }
  });

  it('adds only the documented host-only types', () => {
    for (const name of node.keys()) {
      assert.ok(device.has(name) || NODE_ONLY_TYPES.has(name), `${name} exists only in the Node API`);
    }
  });

  it('exports loadClassifier and listDevices with the same results', () => {
    const deviceSource = parse(deviceFile);
    const consts = new Map();
    for (const st of deviceSource.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) consts.set(d.name.getText(deviceSource), d.type);
    }
    assert.deepEqual([...consts.keys()].sort(), ['listDevices', 'loadClassifier']);
    const nodeSource = parse(nodeApiFile);
    const fns = new Map();
    for (const st of nodeSource.statements) {
      if (ts.isFunctionDeclaration(st) && st.name) fns.set(st.name.text, norm(st.type.getText(nodeSource)));
    }
    assert.equal(norm(consts.get('loadClassifier').type.getText(deviceSource)), 'Promise<Classifier>');
    assert.equal(fns.get('loadClassifier'), 'Promise<Classifier>');
    assert.equal(norm(consts.get('listDevices').type.getText(deviceSource)), 'DeviceInfo[]');
    assert.equal(fns.get('listDevices'), 'DeviceInfo[]');
  });
});

describe('Index.d.ts is consumable from ArkTS', () => {
  it('uses no any/unknown and no index signatures', () => {
    const source = parse(deviceFile);
    const offending = [];
    const visit = (n) => {
      if (n.kind === ts.SyntaxKind.AnyKeyword || n.kind === ts.SyntaxKind.UnknownKeyword || ts.isIndexSignatureDeclaration(n)) {
        offending.push(`${n.getText(source)} at line ${source.getLineAndCharacterOfPosition(n.pos).line + 1}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
    assert.deepEqual(offending, []);
  });
});

describe('the compiled addon provides what Index.d.ts declares', () => {
  it('exports the declared functions', () => {
    const addon = require(process.env.NPULENS_ADDON);
    for (const fn of ['loadClassifier', 'listDevices']) assert.equal(typeof addon[fn], 'function', fn);
  });

  it('gives Classifier objects every declared member and ModelInfo every declared field', async () => {
    const c = await loadTiny();
    try {
      for (const [member, sig] of flatMembers(device, 'Classifier')) {
        if (sig.startsWith('(')) assert.equal(typeof c[member], 'function', `Classifier.${member}`);
        else assert.ok(c[member] !== undefined, `Classifier.${member}`);
      }
      for (const field of flatMembers(device, 'ModelInfo').keys()) assert.ok(field in c.info, `ModelInfo.${field}`);
      const r = await c.classify(new ArrayBuffer(16 * 16 * 4), 16, 16, 'RGBA');
      for (const field of flatMembers(device, 'ClassifyResult').keys()) assert.ok(field in r, `ClassifyResult.${field}`);
      for (const field of flatMembers(device, 'Timings').keys()) assert.equal(typeof r.timings[field], 'number', `Timings.${field}`);
      const b = await c.benchmark({ iterations: 3, warmup: 0 });
      for (const field of flatMembers(device, 'BenchmarkResult').keys()) assert.ok(field in b, `BenchmarkResult.${field}`);
      for (const field of flatMembers(device, 'DeviceInfo').keys()) assert.ok(field in api.listDevices()[0], `DeviceInfo.${field}`);
    } finally {
      c.release();
    }
  });
});
