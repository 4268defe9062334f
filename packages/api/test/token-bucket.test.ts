import { describe, expect, it } from "vitest";

import { createTokenBucket } from "../src/http/token-bucket";

/** The per-socket message bucket (LIVE_SOCKET_MESSAGE_RATE), on a clock that moves when told. */
describe("createTokenBucket", () => {
  it("lets a burst of `limit` through, then refills evenly over the window", () => {
    let now = 1_000;
    const bucket = createTokenBucket({ limit: 60, windowSeconds: 60 }, () => now);
    for (let i = 0; i < 60; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 999;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    // A quiet hour fills it up to `limit`, never past it.
    now += 3_600_000;
    for (let i = 0; i < 60; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it("keeps a refused take from costing anything, and ignores a clock that steps back", () => {
    let now = 0;
    const bucket = createTokenBucket({ limit: 1, windowSeconds: 1 }, () => now);
    expect(bucket.take()).toBe(true);
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBe(false);
    now -= 10_000;
    expect(bucket.take()).toBe(false);
    now += 1_000;
    expect(bucket.take()).toBe(true);
  });
});
