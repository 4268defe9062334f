import { builtinModules } from "node:module";

import base from "@authkit/eslint-config/base";

const API_VALUES = "Only `import type` from @authkit/api: its values run on the server.";
const SERVER_ONLY =
  "@authkit/db, auth and config run on the server only. Declare the shape you need in src/types.ts.";
const NODE_ONLY = "Node's built-in modules do not exist in browsers.";

/**
 * `src` ships to browsers: no server package, no Node module, and from `@authkit/api` nothing
 * but types. Tests run in Node and may import anything (the contract test starts the real API).
 * Even a type import of `@authkit/api` pulls the server's files into the program; see
 * test/browser-program.test.ts, which catches what this rule lets through.
 */
export default [
  ...base,
  {
    files: ["src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@authkit/api",
              allowTypeImports: true,
              message: API_VALUES,
            },
            // Exact names ("crypto", "fs/promises"): as patterns they would also match any
            // package's subpath of the same name.
            ...builtinModules.map((name) => ({ name, message: NODE_ONLY })),
          ],
          patterns: [
            {
              group: ["@authkit/api/*"],
              allowTypeImports: true,
              message: API_VALUES,
            },
            {
              group: [
                "@authkit/db",
                "@authkit/db/*",
                "@authkit/auth",
                "@authkit/auth/*",
                "@authkit/config",
                "@authkit/config/*",
              ],
              message: SERVER_ONLY,
            },
            { group: ["node:*"], message: NODE_ONLY },
          ],
        },
      ],
    },
  },
];
