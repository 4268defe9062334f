// `prisma generate` never uses the schema engine, but the CLI insists on locating one and would
// try to download it (impossible offline). Pointing it at any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const prisma = fileURLToPath(new URL("../node_modules/.bin/prisma", import.meta.url));
const result = spawnSync(prisma, ["generate", "--config", `${root}prisma.config.ts`], {
  cwd: root,
  env,
  stdio: "inherit",
  shell: process.platform === "win32",
});
process.exit(result.status ?? 1);
