/**
 * Run before `next build` (apps/web's `build`): refuses while a production server started from
 * this checkout is serving `.next` (it marks itself in `.serving/<pid>`, see ../serving.ts),
 * since the build would wipe what it serves. Marks of processes that no longer exist are removed.
 * Build elsewhere and switch (docs/deployment.md), or stop the servers first.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../.serving", import.meta.url));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

const serving = [];
for (const name of existsSync(dir) ? readdirSync(dir) : []) {
  const pid = Number(name);
  if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) serving.push(pid);
  else rmSync(join(dir, name), { force: true });
}
if (serving.length > 0) {
  console.error(
    `Not building: the server${serving.length > 1 ? "s" : ""} with PID ${serving.join(", ")} ${serving.length > 1 ? "are" : "is"} serving this build (apps/web/.next), and a build would replace it under ${serving.length > 1 ? "them" : "it"}. Stop ${serving.length > 1 ? "them" : "it"} first, or build in another checkout (docs/deployment.md).`,
  );
  process.exit(1);
}
