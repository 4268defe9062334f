import base from "@authkit/eslint-config/base";
import { boundaries } from "@authkit/eslint-config/boundaries";

/**
 * `src` ships to browsers: no server package, no Node module, and from `@authkit/api` nothing
 * but types (tooling/eslint/boundaries.js). Tests run in Node and may import anything (the
 * contract test starts the real API). Even a type import of `@authkit/api` pulls the server's
 * files into the program; see test/browser-program.test.ts, which catches what this rule lets
 * through.
 */
export default [...base, ...boundaries("client")];
