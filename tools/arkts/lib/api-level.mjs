// API-level check: a value use of an SDK declaration tagged `@since` above the product's compatibleSdkVersion must
// sit under the documented compatibility guard (HarmonyOS API compatibility guide):
//   if (deviceInfo.distributionOSApiVersion >= M*10000+S*100+F) { ... }   for `@since M.S.F(N)` (HarmonyOS APIs)
//   if (deviceInfo.sdkApiVersion >= N) { ... }                             for `@since N` (OpenHarmony APIs)
// as an `if` condition or one of its `&&` conjuncts, or the condition of a `?:`. Type-only uses are fine.
import { ts } from './program.mjs';

/** "6.0.0(20)" → { api: 20, dist: 60000 }; "12" → { api: 12, dist: 0 }. */
export function parseVersion(text) {
  const full = /^(\d+)\.(\d+)\.(\d+)\((\d+)\)$/.exec(text.trim());
  if (full) return { api: +full[4], dist: +full[1] * 10000 + +full[2] * 100 + +full[3], text: text.trim() };
  const plain = /^(\d+)$/.exec(text.trim());
  return plain ? { api: +plain[1], dist: 0, text: text.trim() } : undefined;
}

function sinceOf(decl) {
  // The member's own tag, else its container's (a class or namespace tagged as a whole).
  for (let d = decl; d && !ts.isSourceFile(d); d = d.parent) {
    for (const tag of ts.getJSDocTags(d)) {
      if (tag.tagName.text === 'since' && typeof tag.comment === 'string') {
        const v = parseVersion(tag.comment);
        if (v) return v;
      }
    }
  }
  return undefined;
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

function isTypeOnlyUse(node) {
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isTypeNode(p) || ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) return true;
    if (ts.isHeritageClause(p) && p.token === ts.SyntaxKind.ImplementsKeyword) return true;
    if (ts.isStatement(p) || ts.isClassElement(p)) return false;
  }
  return false;
}

/** Unguarded uses of APIs newer than `compatible` (a parseVersion result) in the given source files. */
export function apiLevelCheck(program, files, compatible) {
  const checker = program.getTypeChecker();
  const wanted = new Set(files);
  const problems = [];
  for (const sf of program.getSourceFiles()) {
    if (!wanted.has(sf.fileName)) continue;
    const visit = (node) => {
      if (ts.isIdentifier(node) && !isTypeOnlyUse(node)) {
        let sym = checker.getSymbolAtLocation(node);
        if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
        const decl = sym?.declarations?.[0];
        const since = decl && decl.getSourceFile().isDeclarationFile ? sinceOf(decl) : undefined;
        if (since && since.api > compatible.api && !isGuarded(node, since)) {
          const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart());
          const guard = since.dist > 0 ? `deviceInfo.distributionOSApiVersion >= ${since.dist}`
            : `deviceInfo.sdkApiVersion >= ${since.api}`;
          problems.push(`${sf.fileName}(${line + 1},${character + 1}): '${node.text}' is since ${since.text}, above `
            + `compatibleSdkVersion ${compatible.text}: guard it with ${guard}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return problems;
}
