// DevEco's JSDoc checks (ets2bundle api_check_utils) on the app's uses of SDK declarations:
// - `@since` above the product's compatibleSdkVersion. A declaration in the real SDK carries one JSDoc block per
//   revision (e.g. TextAttribute.fontWeight: @since 7, 9, 10, 11, 20); it exists from its FIRST @since (ts.getJSDocTags
//   returns only the last block's tags). A value use of a newer declaration must sit under the documented guard
//   (HarmonyOS API compatibility guide):
//     if (deviceInfo.distributionOSApiVersion >= M*10000+S*100+F) { ... }   for `@since M.S.F(N)` (HarmonyOS APIs)
//     if (deviceInfo.sdkApiVersion >= N) { ... }                             for `@since N` (OpenHarmony APIs)
//   as an `if` condition or one of its `&&` conjuncts, or the condition of a `?:`. Type-only uses are fine.
// - `@deprecated` (the current revision, i.e. the last block, as DevEco reads it): any use.
// A call is judged by the overload it resolves to (overloads of one name differ in @since).
import { ts } from './program.mjs';

/** "6.0.0(20)" → { api: 20, dist: 60000 }; "12" → { api: 12, dist: 0 }. */
export function parseVersion(text) {
  const full = /^(\d+)\.(\d+)\.(\d+)\((\d+)\)$/.exec(text.trim());
  if (full) return { api: +full[4], dist: +full[1] * 10000 + +full[2] * 100 + +full[3], text: text.trim() };
  const plain = /^(\d+)$/.exec(text.trim());
  return plain ? { api: +plain[1], dist: 0, text: text.trim() } : undefined;
}

/** Every JSDoc block of a declaration, oldest first (a variable's sit on its statement). */
function jsDocBlocks(decl) {
  if (decl.jsDoc?.length) return decl.jsDoc;
  if (ts.isVariableDeclaration(decl) && decl.parent?.parent?.jsDoc) return decl.parent.parent.jsDoc;
  return [];
}

function tagText(tag) {
  return typeof tag.comment === 'string' ? tag.comment : (tag.comment ?? []).map((c) => c.text).join('');
}

/** The first @since of the declaration, else of its container (a class or namespace tagged as a whole). */
export function sinceOf(decl) {
  for (let d = decl; d && !ts.isSourceFile(d); d = d.parent) {
    for (const block of jsDocBlocks(d)) {
      for (const tag of block.tags ?? []) {
        if (tag.tagName.text !== 'since') continue;
        const v = parseVersion(tagText(tag));
        if (v) return v;
      }
    }
  }
  return undefined;
}

function deprecatedOf(decl) {
  const tag = ts.getJSDocTags(decl).find((t) => t.tagName.text === 'deprecated');
  return tag ? tagText(tag).trim() || 'deprecated' : undefined;
}

function conjuncts(expr) {
  const e = ts.isParenthesizedExpression(expr) ? expr.expression : expr;
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) {
    return [...conjuncts(e.left), ...conjuncts(e.right)];
  }
  return [e];
}

function guards(cond, since) {
  return conjuncts(cond).some((c) => {
    if (!ts.isBinaryExpression(c) || c.operatorToken.kind !== ts.SyntaxKind.GreaterThanEqualsToken
      || !ts.isNumericLiteral(c.right)) return false;
    const left = c.left.getText();
    const n = Number(c.right.text);
    if (/\bdistributionOSApiVersion$/.test(left)) return since.dist > 0 ? n >= since.dist : false;
    if (/\bsdkApiVersion$/.test(left)) return n >= since.api;
    return false;
  });
}

function isGuarded(node, since) {
  let child = node;
  for (let p = node.parent; p && !ts.isSourceFile(p); child = p, p = p.parent) {
    if (ts.isIfStatement(p) && p.thenStatement === child && guards(p.expression, since)) return true;
    if (ts.isConditionalExpression(p) && p.whenTrue === child && guards(p.condition, since)) return true;
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && p.right === child
      && guards(p.left, since)) return true;
  }
  return false;
}

function isImport(node) {
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) return true;
  }
  return false;
}

function isTypeOnlyUse(node) {
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isTypeNode(p) || ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) return true;
    if (ts.isHeritageClause(p) && p.token === ts.SyntaxKind.ImplementsKeyword) return true;
    if (ts.isStatement(p) || ts.isClassElement(p)) return false;
  }
  return false;
}

/** The call or `new` whose callee is this identifier (`f(…)`, `a.b.f(…)`), if any. */
function callOf(node) {
  const callee = ts.isPropertyAccessExpression(node.parent) && node.parent.name === node ? node.parent : node;
  const p = callee.parent;
  return p && (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === callee ? p : undefined;
}

function declarationOf(checker, node) {
  const call = callOf(node);
  if (call) {
    const decl = checker.getResolvedSignature(call)?.declaration;
    if (decl && !ts.isJSDocSignature(decl)) return decl;
  }
  let sym = checker.getSymbolAtLocation(node);
  if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  return sym?.valueDeclaration ?? sym?.declarations?.[0];
}

/**
 * Problems with the app's uses of SDK declarations in `files`: unguarded `@since` above `compatible` (a parseVersion
 * result) and `@deprecated` uses. `isSdkFile(fileName)` says which declaration files are the SDK's.
 * Returns [{ kind: 'since' | 'deprecated', message }] with messages "file(line,col): …".
 */
export function apiLevelCheck(program, files, compatible, isSdkFile) {
  const checker = program.getTypeChecker();
  const wanted = new Set(files);
  const problems = [];
  for (const sf of program.getSourceFiles()) {
    if (!wanted.has(sf.fileName)) continue;
    const at = (node) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart());
      return `${sf.fileName}(${line + 1},${character + 1})`;
    };
    const visit = (node) => {
      if (ts.isIdentifier(node) && !isImport(node)) {
        const decl = declarationOf(checker, node);
        if (decl && isSdkFile(decl.getSourceFile().fileName)) {
          const since = isTypeOnlyUse(node) ? undefined : sinceOf(decl);
          if (since && since.api > compatible.api && !isGuarded(node, since)) {
            const guard = since.dist > 0 ? `deviceInfo.distributionOSApiVersion >= ${since.dist}`
              : `deviceInfo.sdkApiVersion >= ${since.api}`;
            problems.push({ kind: 'since', message: `${at(node)}: '${node.text}' is since ${since.text}, above `
              + `compatibleSdkVersion ${compatible.text}: guard it with ${guard}` });
          }
          const deprecated = deprecatedOf(decl);
          if (deprecated) {
            problems.push({ kind: 'deprecated', message: `${at(node)}: '${node.text}' is deprecated: ${deprecated}` });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return problems;
}
