/**
 * A heap snapshot of a running server without code in it: the server runs with
 * `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`, and SIGUSR2 makes its main thread run a
 * full GC and write Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot into <dir>, synchronously.
 * The file is complete once it exists and the server answers an HTTP request again (the main
 * thread was busy writing it until then), and its size no longer changes.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { ServerProcess } from "./proc";

const SUFFIX = ".heapsnapshot";

function snapshotsIn(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir).filter((f) => f.endsWith(SUFFIX)));
  } catch {
    return new Set();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Sends SIGUSR2 and resolves with the path of the complete snapshot it wrote. */
export async function captureHeapSnapshot(
  server: ServerProcess,
  dir: string,
  { readyPath = "/api/trpc/health", timeoutMs = 180_000 } = {},
): Promise<string> {
  const known = snapshotsIn(dir);
  const deadline = Date.now() + timeoutMs;
  process.kill(server.pid, "SIGUSR2");
  let file: string | undefined;
  while (!file) {
    if (Date.now() > deadline)
      throw new Error(`${server.name}: no heap snapshot in ${dir} within ${timeoutMs} ms`);
    await sleep(100);
    file = [...snapshotsIn(dir)].find((f) => !known.has(f));
  }
  const path = join(dir, file);
  let size = -1;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`${server.name}: heap snapshot ${path} not complete within ${timeoutMs} ms`);
    const ok = await answers(server.url + readyPath);
    const now = statSync(path).size;
    if (ok && now === size && now > 0) return path;
    size = now;
    await sleep(200);
  }
}
