/**
 * Every place a file names another module, whatever the syntax: static imports (type-only ones
 * included), re-exports, `import()`, `require()` and `require.resolve()`, TypeScript's
 * `import x = require()` and `import("x").T` types. Each is handed to `check` with its specifier
 * node and whether it brings in types only (erased from the JavaScript that runs).
 */

/** The string a specifier node spells, or null when it is computed at run time. */
export function specifierText(node) {
  if (!node) return null;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0)
    return node.quasis[0].value.cooked;
  return null;
}

/** `import { type A, type B } from "x"`: only types, elided like `import type`. */
const onlyTypeSpecifiers = (specifiers, kind) =>
  specifiers.length > 0 && specifiers.every((s) => s[kind] === "type");

const isRequire = (callee) =>
  (callee.type === "Identifier" && callee.name === "require") ||
  (callee.type === "MemberExpression" &&
    callee.object.type === "Identifier" &&
    callee.object.name === "require" &&
    callee.property.type === "Identifier" &&
    callee.property.name === "resolve");

/**
 * @param {(source: import("estree").Node, typeOnly: boolean) => void} check
 * @returns {import("eslint").Rule.RuleListener}
 */
export function moduleReferences(check) {
  return {
    ImportDeclaration(node) {
      const typeOnly =
        node.importKind === "type" || onlyTypeSpecifiers(node.specifiers, "importKind");
      check(node.source, typeOnly);
    },
    ExportNamedDeclaration(node) {
      if (!node.source) return;
      const typeOnly =
        node.exportKind === "type" || onlyTypeSpecifiers(node.specifiers, "exportKind");
      check(node.source, typeOnly);
    },
    ExportAllDeclaration(node) {
      check(node.source, node.exportKind === "type");
    },
    ImportExpression(node) {
      check(node.source, false);
    },
    CallExpression(node) {
      if (isRequire(node.callee) && node.arguments[0]) check(node.arguments[0], false);
    },
    TSImportEqualsDeclaration(node) {
      if (node.moduleReference.type === "TSExternalModuleReference")
        check(node.moduleReference.expression, node.importKind === "type");
    },
    TSImportType(node) {
      // `typeof import("x")` and `import("x").T`: types only.
      check(node.source ?? node.argument?.literal, true);
    },
  };
}
