import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";

import { moduleReferences, specifierText } from "../module-references.js";
import { isInside, isPath, namesPackage, packageOf } from "../package-root.js";

const NODE_BUILTINS = new Set(builtinModules);

const isNodeBuiltin = (specifier) => specifier.startsWith("node:") || NODE_BUILTINS.has(specifier);

/** Whether the file opens with the `"use client"` directive (a React client module). */
const isClientModule = (program) =>
  program.body
    .filter((statement) => statement.type === "ExpressionStatement" && statement.directive)
    .some((statement) => statement.directive === "use client");

/**
 * The listener, run only in a file that opens with `"use client"`. Directives open a file: the
 * Program node says whether this one is a client module before any import in it is visited.
 */
function inClientModulesOnly(listener) {
  let client = false;
  const guarded = Object.entries(listener).map(([type, visit]) => [
    type,
    (node) => {
      if (client) visit(node);
    },
  ]);
  return {
    ...Object.fromEntries(guarded),
    Program(program) {
      client = isClientModule(program);
    },
  };
}

/**
 * Code that runs in the browser imports nothing that runs on the server only: the packages
 * named in `serverOnly` (their types excepted where `types: true`: they are erased), Node's
 * built-in modules, and the app's own server folders (`serverDirs`, by path or by an alias in
 * `aliases`). `allow` names the exact subpaths that are browser-safe on purpose.
 *
 * `scope: "use-client"` checks only files that open with `"use client"`; `"all"` every file the
 * config object gives the rule to (a folder that only browser code, or code shared with it, uses).
 */
export const browserBoundary = {
  meta: {
    type: "problem",
    docs: { description: "Browser code imports no server-only module." },
    schema: [
      {
        type: "object",
        properties: {
          scope: { enum: ["use-client", "all"] },
          serverOnly: {
            type: "array",
            items: {
              type: "object",
              properties: {
                name: { type: "string" },
                types: { type: "boolean" },
                message: { type: "string" },
              },
              required: ["name", "message"],
              additionalProperties: false,
            },
          },
          allow: { type: "array", items: { type: "string" } },
          serverDirs: { type: "array", items: { type: "string" } },
          aliases: { type: "object", additionalProperties: { type: "string" } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      serverOnly: '"{{specifier}}" runs on the server only: {{message}}.',
      builtin: '"{{specifier}}" is a Node built-in module: browsers have none.',
      serverDir:
        '"{{specifier}}" is the app\'s server code ({{dir}}): browser code may not import it.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const { scope = "all", serverOnly = [], allow = [], serverDirs = [], aliases = {} } = options;
    const fileDir = dirname(context.physicalFilename);
    const own = packageOf(fileDir);
    const inPackage = (path) => (own ? join(own.dir, path) : path);
    const aliased = Object.entries(aliases).map(([prefix, dir]) => [prefix, inPackage(dir)]);
    const server = serverDirs.map((dir) => ({ dir, path: inPackage(dir) }));

    /** Where a path or alias specifier points on disk; null for a package name. */
    const pathOf = (specifier) => {
      if (isPath(specifier)) return resolve(fileDir, specifier);
      const alias = aliased.find(([prefix]) => specifier.startsWith(prefix));
      return alias ? join(alias[1], specifier.slice(alias[0].length)) : null;
    };

    const check = (source, typeOnly) => {
      const specifier = specifierText(source);
      if (specifier === null || allow.includes(specifier)) return;
      const path = pathOf(specifier);
      if (path !== null) {
        const hit = server.find(({ path: dir }) => isInside(path, dir));
        if (hit && !typeOnly)
          context.report({
            node: source,
            messageId: "serverDir",
            data: { specifier, dir: hit.dir },
          });
        return;
      }
      if (isNodeBuiltin(specifier)) {
        if (!typeOnly) context.report({ node: source, messageId: "builtin", data: { specifier } });
        return;
      }
      const rule = serverOnly.find((s) => namesPackage(specifier, s.name));
      if (rule && !(typeOnly && rule.types))
        context.report({
          node: source,
          messageId: "serverOnly",
          data: { specifier, message: rule.message },
        });
    };

    const listener = moduleReferences(check);
    return scope === "all" ? listener : inClientModulesOnly(listener);
  },
};
