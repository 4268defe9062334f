import { dirname, relative, resolve } from "node:path";

import { moduleReferences, specifierText } from "../module-references.js";
import { isInside, isPath, namesPackage, packageOf } from "../package-root.js";

/**
 * The arrows between the workspace's packages: a package names another only by its package name
 * (so its manifest declares it and its `exports` decide what is public), never by a path that
 * leaves its own folder, and never a package above it in the graph. Every kind of import counts
 * (see ../module-references.js), type-only ones too: a type import is still an arrow.
 *
 * Options: `{ forbidden: [{ name: "@authkit/api", message: "why" }] }`.
 */
export const packageBoundary = {
  meta: {
    type: "problem",
    docs: { description: "Packages import each other by name, along the allowed arrows only." },
    schema: [
      {
        type: "object",
        properties: {
          forbidden: {
            type: "array",
            items: {
              type: "object",
              properties: { name: { type: "string" }, message: { type: "string" } },
              required: ["name", "message"],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      leaves:
        '"{{specifier}}" leaves {{from}} by path{{into}}. Import another package by its name, from its index or an exported subpath.',
      forbidden: '"{{specifier}}" is not allowed here: {{message}}.',
    },
  },
  create(context) {
    const { forbidden = [] } = context.options[0] ?? {};
    const fileDir = dirname(context.physicalFilename);
    const own = packageOf(fileDir);
    return moduleReferences((source) => {
      const specifier = specifierText(source);
      if (specifier === null) return;
      if (isPath(specifier)) {
        const target = resolve(fileDir, specifier);
        if (!own || isInside(target, own.dir)) return;
        const reached = packageOf(dirname(target));
        const into = reached && reached.dir !== own.dir ? ` into ${reached.name}` : "";
        context.report({
          node: source,
          messageId: "leaves",
          data: { specifier, from: own.name, into: into || ` (to ${relative(own.dir, target)})` },
        });
        return;
      }
      const rule = forbidden.find((f) => namesPackage(specifier, f.name));
      if (rule)
        context.report({
          node: source,
          messageId: "forbidden",
          data: { specifier, message: rule.message },
        });
    });
  },
};
