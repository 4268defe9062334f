/* eslint-disable no-restricted-properties -- a build script reads its environment */
/**
 * The e2e suite serves the production build: Next's (.next) and the compiled server
 * (dist/server.js and the workspace packages' dist/). Build each when it is missing or older
 * than the sources it is made of (so `pnpm test` after an edit never tests a stale app), and
 * skip it when it is fresh (turbo's `build` may have just made it).
 *
 * Run by the Playwright global setup (e2e/global-setup.ts), so every way of starting the run
 * builds first when needed; `node e2e/ensure-build.mjs` does the same alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ensureBuilt } from "@authkit/build/ensure";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const buildId = join(web, ".next", "BUILD_ID");
const sources = [
  join(web, "src"),
  join(web, "next.config.ts"),
  join(web, "package.json"),
  join(web, "..", "..", "packages", "client", "src"),
  // The password strength meter bundles @authkit/password-strength into the pages.
  join(web, "..", "..", "packages", "password-strength", "src"),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const isFresh = () => {
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  return builtAt > Math.max(...sources.map(newest));
};

/**
 * Builds what is stale; throws when the build fails (with its output). Returns what it did.
 * @returns {"fresh" | "built"}
 */
export function ensureWebBuild() {
  // The server and the packages it imports (esbuild: well under a second each).
  const packages = join(web, "..", "..", "packages");
  ensureBuilt([
    ...["config", "db", "password-strength", "auth", "mail", "api"].map((name) =>
      join(packages, name),
    ),
    web,
  ]);
  for (let attempt = 1; ; attempt++) {
    if (isFresh()) return attempt === 1 ? "fresh" : "built";
    console.log("ensure-build: building the app (missing or older than its sources).");
    // A server of this checkout serving .next would have it replaced under it: refuse, saying so.
    const guard = spawnSync(process.execPath, [join(web, "scripts", "refuse-if-serving.mjs")], {
      encoding: "utf8",
    });
    if (guard.status !== 0) throw new Error(`ensure-build: ${guard.stderr}`);
    const result = spawnSync("pnpm", ["exec", "next", "build"], {
      cwd: web,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status === 0) return "built";
    if (!output.includes("Another next build process is already running") || attempt === 30)
      throw new Error(`ensure-build: next build failed:\n${output}`);
    // Another build of this app (a `pnpm start` in the same tree) holds Next's build lock (an
    // advisory lock on .next/lock): flock(1) returns as soon as it lets go (util-linux; where it
    // is missing, the next attempt relies on Next's own short retry), then that build's output
    // is used if it is fresh enough.
    spawnSync("flock", ["--timeout", "900", join(web, ".next", "lock"), "true"], {
      stdio: "ignore",
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const hasBrowser = [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ].some((p) => p && existsSync(p));
  const ci = process.env.CI === "true" || process.env.CI === "1";
  if (!hasBrowser && !ci) {
    console.warn("ensure-build: no Chromium, the e2e tests will be skipped; not building.");
  } else {
    const done = ensureWebBuild();
    console.log(
      done === "fresh"
        ? "ensure-build: the production build is up to date."
        : "ensure-build: built.",
    );
  }
}
