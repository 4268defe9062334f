/**
 * The dependency arrows of the monorepo, enforced: a package importing what it must not fails
 * `pnpm lint`. apps → packages; api → auth → db → config; api → mail; client → api (types only).
 *
 *   export default [...base, ...boundaries("auth")];
 */
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
};

const WHY = {
  config: "config is the bottom of the graph: it imports no other package",
  db: "db sits below auth and api: they import it, never the reverse",
  auth: "auth is the core: api and the apps import it, never the reverse; it hands mail to a sender it is given",
  api: "api never imports the apps or the browser client",
  mail: "mail renders and sends mail: it takes its settings as arguments and imports no other package",
  bench: "bench measures the server packages, not the apps",
};

/**
 * Rules for `packages/<name>`: no import of a package above it (including its subpaths).
 * @param {string} name
 * @returns {import("eslint").Linter.Config[]}
 */
export function boundaries(name) {
  const forbidden = FORBIDDEN[name];
  if (!forbidden) throw new Error(`boundaries: unknown package ${name}`);
  return [
    {
      files: ["**/*.ts", "**/*.tsx"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              {
                group: forbidden.flatMap((pkg) => [pkg, `${pkg}/*`]),
                message: WHY[name],
              },
            ],
          },
        ],
      },
    },
  ];
}
