import { describe, expect, it } from "vitest";

import { createBatcher } from "../src/batch";

describe("revocation check batching", () => {
  it("answers concurrent checks from one round trip, each with its own result", async () => {
    const calls: number[][] = [];
    const check = createBatcher<number, number>((items) => {
      calls.push(items);
      return Promise.resolve(items.map((n) => n * 10));
    });
    await expect(Promise.all([check(1), check(2), check(3)])).resolves.toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
    await expect(check(4)).resolves.toBe(40);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it("fails every check of a batch when the store fails (fail closed upstream)", async () => {
    const check = createBatcher<number, boolean>(() => Promise.reject(new Error("store down")));
    const results = await Promise.allSettled([check(1), check(2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("rejects rather than guesses when the store answers fewer rows than asked", async () => {
    const check = createBatcher<number, boolean>(() => Promise.resolve([false]));
    const [first, second] = await Promise.allSettled([check(1), check(2)]);
    expect(first?.status).toBe("fulfilled");
    expect(second?.status).toBe("rejected");
  });

  it("splits very large bursts into bounded batches", async () => {
    const sizes: number[] = [];
    const check = createBatcher<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items);
    });
    const all = await Promise.all(Array.from({ length: 600 }, (_, i) => check(i)));
    expect(all[599]).toBe(599);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
  });
});
