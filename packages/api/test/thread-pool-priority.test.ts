import { readFileSync } from "node:fs";
import { readlink } from "node:fs/promises";

import { describe, expect, it } from "vitest";

import { lowerThreadPoolPriority, threadPoolSize } from "../src/thread-pool-priority";

/** A thread's nice value: field 19 of /proc/<pid>/task/<tid>/stat (after the command's ")"). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

describe("lowerThreadPoolPriority", () => {
  it("lowers every thread that runs pool work, and not the main thread", async () => {
    const mainBefore = niceOf(process.pid);
    // The pool this process runs: 4 threads unless the environment says otherwise.
    // eslint-disable-next-line no-restricted-properties -- libuv reads it, so the test does too
    const poolSize = threadPoolSize(process.env);
    const { threads, skipped } = await lowerThreadPoolPriority({ poolSize, nice: 13 });
    expect(skipped).toBeUndefined();
    expect(threads).toHaveLength(poolSize);
    expect(threads).not.toContain(process.pid);
    for (const tid of threads) expect(niceOf(tid)).toBe(13);
    expect(niceOf(process.pid)).toBe(mainBefore);
    // Work sent to the pool afterwards runs on the lowered threads.
    const later = await Promise.all(
      Array.from({ length: 64 }, () => readlink("/proc/thread-self")),
    );
    for (const link of later) expect(niceOf(Number(link.split("/").pop()))).toBe(13);
  });

  it("reads libuv's pool size from UV_THREADPOOL_SIZE, within libuv's bounds", () => {
    expect(threadPoolSize({})).toBe(4);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: "8" })).toBe(8);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: "0" })).toBe(1);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: "5000" })).toBe(1024);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: "many" })).toBe(4);
  });
});
