import { browserBoundary } from "./rules/browser-boundary.js";
import { packageBoundary } from "./rules/package-boundary.js";

/**
 * The dependency arrows of the monorepo, enforced: an import against them fails `pnpm lint`.
 * apps → packages; api → auth → db → config; api → mail; client → api (types only);
 * testing → api (types only), mail (its SMTP receiver).
 *
 *   export default [...base, ...boundaries("auth")];
 *
 * Two local rules (./rules), because no stock rule sees what they must:
 * - `authkit/package-boundary`: a package names another only by its package name, never by a
 *   path that leaves its folder (`../../api/src/root`: only the file's location tells), and never
 *   a package above it. Core `no-restricted-imports` sees neither `import()` nor `require()`,
 *   and nothing stock knows where a package's folder ends without resolving every import.
 * - `authkit/browser-boundary`: code that runs in the browser (the client package; in the web
 *   app every `"use client"` module, which only its first statement says, and the folders client
 *   modules import from) imports nothing server-only.
 * Both see every kind of import (static, type-only, re-export, `import()`, `require()`,
 * `import x = require()`), in every kind of source file (.ts .tsx .js .mjs .cjs …).
 * tooling/eslint/test/boundaries.test.ts lints probes through each package's own config.
 */
const plugin = {
  meta: { name: "authkit" },
  rules: { "package-boundary": packageBoundary, "browser-boundary": browserBoundary },
};

const SOURCES = "{ts,tsx,mts,cts,js,jsx,mjs,cjs}";
const EVERY_FILE = [`**/*.${SOURCES}`];

const WHY = {
  config: "config is the bottom of the graph: it imports no other package",
  db: "db sits below auth and api: they import it, never the reverse",
  auth: "auth is the core: api and the apps import it, never the reverse; it hands mail to a sender it is given",
  api: "api never imports the apps or the browser client",
  mail: "mail renders and sends mail: it takes its settings as arguments and imports no other package",
  bench: "bench measures the server packages, not the apps",
  client: "client is imported by the apps, never the reverse",
  "password-strength":
    "password-strength judges passwords for the server and the browser alike: it imports no other package",
  testing:
    "testing drives a running Authkit server from outside (HTTP, SMTP, a browser): it imports the API's types and mail's receiver, never the server's insides or the apps",
  web: "",
};

/** What each package may not import by name (its subpaths included). */
const FORBIDDEN = {
  config: ["@authkit/db", "@authkit/auth", "@authkit/api", "@authkit/client", "@authkit/web"],
  db: ["@authkit/auth", "@authkit/api", "@authkit/client", "@authkit/web"],
  auth: ["@authkit/api", "@authkit/client", "@authkit/web", "@authkit/mail"],
  mail: [
    "@authkit/config",
    "@authkit/db",
    "@authkit/auth",
    "@authkit/api",
    "@authkit/client",
    "@authkit/web",
  ],
  api: ["@authkit/client", "@authkit/web"],
  bench: ["@authkit/client", "@authkit/web"],
  client: ["@authkit/web"],
  "password-strength": [
    "@authkit/config",
    "@authkit/db",
    "@authkit/auth",
    "@authkit/api",
    "@authkit/mail",
    "@authkit/client",
    "@authkit/web",
  ],
  testing: [
    "@authkit/config",
    "@authkit/db",
    "@authkit/auth",
    "@authkit/client",
    "@authkit/password-strength",
    "@authkit/web",
  ],
  // An app imports any package, by name; nothing imports an app.
  web: [],
};

/** Modules a browser must never load: they run on the server only. */
const SERVER_ONLY = [
  {
    name: "@authkit/config",
    message:
      "the configuration is parsed on the server; the browser learns what it needs from the API",
  },
  { name: "@authkit/db", message: "the database is the server's" },
  {
    name: "@authkit/auth",
    message: "the auth core (secrets, hashing, the database) is the server's",
  },
  { name: "@authkit/mail", message: "mail is sent by the server" },
  {
    name: "@authkit/api",
    types: true,
    message: "only `import type` from @authkit/api: its values run on the server",
  },
];

const packageRules = (name) => ({
  files: EVERY_FILE,
  plugins: { authkit: plugin },
  rules: {
    "authkit/package-boundary": [
      "error",
      { forbidden: FORBIDDEN[name].map((pkg) => ({ name: pkg, message: WHY[name] })) },
    ],
  },
});

const browserRules = (files, options) => ({
  files,
  plugins: { authkit: plugin },
  rules: { "authkit/browser-boundary": ["error", { serverOnly: SERVER_ONLY, ...options }] },
});

/** The web app's browser code: its server folder is off limits, by path or by `~/`. */
const WEB_BROWSER = {
  // Importable from the browser on purpose: a pure function, no Node APIs (see the file).
  allow: ["@authkit/api/next-path"],
  serverDirs: ["src/server"],
  aliases: { "~/": "src/" },
};

/**
 * Rules for `packages/<name>` or `apps/<name>`.
 * @param {keyof typeof FORBIDDEN} name
 * @returns {import("eslint").Linter.Config[]}
 */
export function boundaries(name) {
  if (!(name in FORBIDDEN)) throw new Error(`boundaries: unknown package ${name}`);
  const configs = [packageRules(name)];
  // `src` ships to browsers; the tests run in Node and may start the real API.
  if (name === "client") configs.push(browserRules([`src/**/*.${SOURCES}`], { scope: "all" }));
  if (name === "web")
    configs.push(
      // Client modules anywhere in the app…
      browserRules([`src/**/*.${SOURCES}`], { ...WEB_BROWSER, scope: "use-client" }),
      // …and what they import from: shared helpers and components run in the browser too.
      browserRules([`src/lib/**/*.${SOURCES}`, `src/components/**/*.${SOURCES}`], {
        ...WEB_BROWSER,
        scope: "all",
      }),
    );
  return configs;
}
