#!/usr/bin/env node
/**
 * `node tooling/build/require-built.mjs <web|db>`: exits 1 with one line naming `pnpm build`
 * when what the command is about to run has not been built. `pnpm serve` and `pnpm db:migrate`
 * run the build as it is and never build (build once, run many: a production host may not even
 * have the build tools); Node's own "Cannot find module" would not say what to do.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const packages = ["config", "db", "password-strength", "auth", "mail", "api"].map(
  (name) => `packages/${name}/dist`,
);
const required = {
  web: ["apps/web/.next/BUILD_ID", "apps/web/dist/server.js", ...packages],
  db: ["packages/config/dist/index.js", "packages/db/dist/cli.js"],
};

const what = process.argv[2];
const files = required[what];
if (!files) {
  console.error(`require-built: expected one of ${Object.keys(required).join(", ")}`);
  process.exit(2);
}
const missing = files.filter((file) => !existsSync(join(root, file)));
if (missing.length > 0) {
  console.error(`No build to run (missing ${missing.join(", ")}): run \`pnpm build\` first.`);
  process.exit(1);
}
