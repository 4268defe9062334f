import { readlink } from "node:fs/promises";
import { setPriority } from "node:os";

/**
 * The nice value the thread pool runs at: CFS then gives the event loop's thread ~9 slices for
 * each of a pool thread's when both want one core, and an idle machine still gives the pool all
 * it asks for.
 */
export const THREAD_POOL_NICE = 10;

/** Readlinks sent at once per round: more than the pool's threads, so every one takes some. */
const ROUND = 32;
const MAX_ROUNDS = 16;

/** libuv's pool size: UV_THREADPOOL_SIZE, 4 when unset, within libuv's bounds of 1 to 1024. */
export function threadPoolSize(env: Record<string, string | undefined>): number {
  const size = Number.parseInt(env.UV_THREADPOOL_SIZE ?? "", 10);
  return Number.isFinite(size) ? Math.min(1024, Math.max(1, size)) : 4;
}

export interface ThreadPoolPriority {
  /** The pool's threads found and lowered (Linux thread ids). */
  threads: number[];
  /** Why nothing was lowered (not Linux, or the system refused); absent when it worked. */
  skipped?: string;
}

/**
 * Puts libuv's thread pool below the event loop. argon2id runs there (~30 ms of a core per
 * login), and so do fs writes and WebCrypto; at the event loop's nice value a login storm takes
 * cores that every other request's latency needs (packages/bench, "login storm"). Lowered, the
 * hashes take only what the event loop leaves: the argon2id parameters, and so what a stolen
 * hash costs to crack, stay the same; a login waits longer only on a machine that is busy
 * serving.
 *
 * Linux keeps a nice value per thread, and `setpriority(PRIO_PROCESS, tid)` sets one thread's.
 * A pool thread is found by asking it: an asynchronous `readlink("/proc/thread-self")` runs on
 * one and answers with that thread's own id; rounds of them go out until every thread of the
 * pool has answered. Elsewhere (no /proc/thread-self) nothing changes.
 */
export async function lowerThreadPoolPriority({
  poolSize,
  nice = THREAD_POOL_NICE,
}: {
  poolSize: number;
  nice?: number;
}): Promise<ThreadPoolPriority> {
  const seen = new Set<number>();
  try {
    for (let round = 0; round < MAX_ROUNDS && seen.size < poolSize; round++) {
      const links = await Promise.all(
        Array.from({ length: ROUND }, () => readlink("/proc/thread-self")),
      );
      for (const link of links) seen.add(Number(link.slice(link.lastIndexOf("/") + 1)));
    }
    // The main thread's id is the process id; it runs the event loop and is never lowered.
    const threads = [...seen].filter((tid) => tid !== process.pid);
    for (const tid of threads) setPriority(tid, nice);
    return { threads };
  } catch (error) {
    return { threads: [], skipped: (error as Error).message };
  }
}
