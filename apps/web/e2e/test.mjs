/**
 * `pnpm --filter @authkit/web test [args]`: Playwright with these arguments (one spec, a
 * project, …). The whole run (no arguments) then runs e2e/rebuild.spec.ts under its own config,
 * after the other projects' servers have stopped: it replaces the build they serve.
 */
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const run = (extra) =>
  spawnSync("playwright", ["test", ...extra], { stdio: "inherit", shell: false }).status ?? 1;

let status = run(args);
if (status === 0 && args.length === 0) status = run(["-c", "playwright.rebuild.config.ts"]);
process.exit(status);
