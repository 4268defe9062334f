import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A production server marks the build it serves: `apps/web/.serving/<pid>`. `next build` wipes
 * `.next` before it writes the new one, and a server whose `.next` is replaced under it serves
 * errors (its pages load chunks lazily), so `pnpm build` (scripts/refuse-if-serving.mjs) refuses
 * while a live process holds a mark. A mark left by a killed process names a PID that no longer
 * exists, and is ignored. Returns the function that removes the mark (also run at exit).
 */
export function markServing(appDir: string): () => void {
  const dir = join(appDir, ".serving");
  const file = join(dir, String(process.pid));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${process.pid}\n`);
  } catch {
    // A read-only installation (a container image, ProtectSystem=strict) is never rebuilt in
    // place: nothing to guard.
    return () => undefined;
  }
  const unmark = () => rmSync(file, { force: true });
  process.once("exit", unmark);
  return unmark;
}
