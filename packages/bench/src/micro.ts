/**
 * In-process micro-benchmark of the auth middleware: `bearerToken(headers)` + `authenticate(token)`
 * (verify from the warm claims cache + one revocation check), run back to back, CPU measured with
 * `process.cpuUsage()`. Different stores isolate our own CPU from the store client's:
 *   memory   an in-memory fake store: only our code (the goal's figure)
 *   pglite   DatabaseRevocationStore on embedded PGlite: includes the database engine itself,
 *            which runs in this process
 *   postgres DatabaseRevocationStore on PostgreSQL: our code + Prisma + the pg driver
 *   upstash  RedisRevocationStore over the Upstash REST protocol: our code + @upstash/redis + fetch
 * plus references: jose `jwtVerify` without the cache, the whole `user.me` through `createCaller`,
 * and argon2id verifies per second (2 in flight, as the hasher allows).
 *
 * Prints one JSON line. Run by src/run.ts as a child process; usable alone:
 *   node --import tsx src/micro.ts [--database-url postgresql://…] [--upstash-url … --upstash-token …]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { createCaller, createInnerContext } from "@authkit/api";
import { bearerToken, createAuth, PasswordHasher } from "@authkit/auth";
import {
  AccessTokens,
  loadKeySet,
  type AccessTokenClaims,
  type RevocationStore,
  type RevocationVerdict,
} from "@authkit/auth/internal";
import { loadConfig } from "@authkit/config";
import { openDatabase, type Database } from "@authkit/db";
import { migrate } from "@authkit/db/migrate";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    "upstash-url": { type: "string" },
    "upstash-token": { type: "string" },
    seconds: { type: "string", default: "1.5" },
  },
});
const SECONDS = Number(values.seconds);

/** A store that answers from memory: the CPU left is ours. */
class MemoryStore implements RevocationStore {
  readonly name = "memory";
  private readonly denied = new Set<string>();
  private readonly deadSessions = new Set<string>();
  private readonly minVersion = new Map<string, number>();
  private readonly roles = new Map<string, string>();
  isRevoked({
    jti,
    sid,
    sub,
    ver,
    role,
  }: Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "ver" | "role">): Promise<RevocationVerdict> {
    if (this.denied.has(jti) || this.deadSessions.has(sid) || (this.minVersion.get(sub) ?? 0) > ver)
      return Promise.resolve("revoked");
    const held = this.roles.get(sub);
    return Promise.resolve(held !== undefined && held !== role ? "role" : "live");
  }
  mirror({
    tokens = [],
    sessions = [],
    versions = [],
  }: Parameters<RevocationStore["mirror"]>[0]): Promise<void> {
    for (const { jti } of tokens) this.denied.add(jti);
    for (const id of sessions) this.deadSessions.add(id);
    for (const { userId, version, role } of versions) {
      this.minVersion.set(userId, version);
      this.roles.set(userId, role);
    }
    return Promise.resolve();
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
}

export interface MicroResult {
  name: string;
  ops: number;
  cpuMicrosPerOp: number;
  wallMicrosPerOp: number;
}

/**
 * Runs `op` back to back in `concurrency` loops: a warm-up, then for `SECONDS`; CPU and wall
 * time per op. With concurrency > 1, checks in flight together share a store round trip.
 */
async function measure(
  name: string,
  op: () => Promise<unknown>,
  concurrency = 1,
): Promise<MicroResult> {
  const loop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 20; i++) await op();
      n += 20;
    }
    return n;
  };
  const loops = async (ms: number) =>
    (
      await Promise.all(Array.from({ length: concurrency }, () => loop(performance.now() + ms)))
    ).reduce((a, b) => a + b, 0);
  await loops(300);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ops = await loops(SECONDS * 1000);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const label = concurrency > 1 ? `${name}, ${concurrency} concurrent` : name;
  return {
    name: label,
    ops,
    cpuMicrosPerOp: (cpu.user + cpu.system) / ops,
    wallMicrosPerOp: (wall * 1000) / ops,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), "authkit-micro-"));
// An explicit environment object, not process.env: the bench controls every setting.
const baseEnv = {
  NODE_ENV: "production",
  AUTH_SECRET: "5f1c9b2e8d7a4630b1e2c3d4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e",
  DATA_DIR: dataDir,
  LOG_LEVEL: "silent",
};

async function setUp(
  db: Database,
  store?: RevocationStore,
  upstash?: { url: string; token: string },
) {
  const config = loadConfig({
    ...baseEnv,
    ...(upstash
      ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token }
      : {}),
  });
  const auth = await createAuth({ config, db, ...(store ? { store } : {}) });
  const email = `micro-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  await auth.accounts.register({ email, password: "correct horse battery" });
  const outcome = await auth.sessions.login({ email, password: "correct horse battery" });
  if (outcome.status !== "signed_in") throw new Error("a fresh account signs in in one step");
  const pair = outcome.session;
  const headers = new Headers({ authorization: `Bearer ${pair.accessToken}` });
  return { config, auth, headers, token: pair.accessToken };
}

const results: MicroResult[] = [];
const notes: string[] = [];

// Embedded PGlite in memory: the default deployment's database, in this process.
const pglite = await openDatabase({ memory: true });
await migrate(pglite);

{
  const { auth, headers } = await setUp(pglite, new MemoryStore());
  results.push(
    await measure("authenticate, in-memory store (our code only)", () =>
      auth.authenticate(bearerToken(headers)),
    ),
  );
}
{
  const { config, auth, headers, token } = await setUp(pglite);
  for (const concurrency of [1, 64]) {
    results.push(
      await measure(
        "authenticate, database store on PGlite (incl. the in-process database)",
        () => auth.authenticate(bearerToken(headers)),
        concurrency,
      ),
    );
  }
  const settings = {
    secureCookies: true,
    allowedOrigins: [],
    liveTransport: "sse" as const,
    deviceCookieMaxAge: config.auth.deviceCookieMaxAge,
  };
  results.push(
    await measure("user.me via createCaller (tRPC + middleware + resolver), PGlite", () =>
      createCaller(createInnerContext({ auth, settings, headers })).user.me(),
    ),
  );
  // Reference: the signature check the cache saves, on every call.
  const keys = await loadKeySet(config.auth);
  const uncached = new AccessTokens({
    keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtl,
    clockToleranceSeconds: config.auth.clockTolerance,
    clock: { now: () => Date.now() },
    cacheSize: 0,
  });
  results.push(
    await measure("reference: jose jwtVerify + claims parse, no cache", () =>
      uncached.verify(token),
    ),
  );
}

if (values["database-url"]) {
  const postgres = await openDatabase({ url: values["database-url"] });
  const { auth, headers } = await setUp(postgres);
  for (const concurrency of [1, 64]) {
    results.push(
      await measure(
        "authenticate, database store on PostgreSQL (client side: Prisma + pg)",
        () => auth.authenticate(bearerToken(headers)),
        concurrency,
      ),
    );
  }
  if (values["upstash-url"] && values["upstash-token"]) {
    const { auth: redisAuth, headers: redisHeaders } = await setUp(postgres, undefined, {
      url: values["upstash-url"],
      token: values["upstash-token"],
    });
    for (const concurrency of [1, 64]) {
      results.push(
        await measure(
          "authenticate, Upstash store over REST (client side: @upstash/redis + fetch)",
          () => redisAuth.authenticate(bearerToken(redisHeaders)),
          concurrency,
        ),
      );
    }
  }
  await postgres.close();
} else {
  notes.push("no --database-url: PostgreSQL and Upstash rows skipped");
}

// argon2id ceiling: verifies per second with the hasher's own concurrency cap (2 in flight).
const hasher = new PasswordHasher();
const hash = await hasher.hash("correct horse battery");
let verifies = 0;
const argonStart = performance.now();
const argonUntil = argonStart + 3000;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (performance.now() < argonUntil) {
      await hasher.verify(hash, "correct horse battery");
      verifies++;
    }
  }),
);
const argon2VerifiesPerSecond = verifies / ((performance.now() - argonStart) / 1000);

await pglite.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ results, argon2VerifiesPerSecond, notes }));
process.exit(0);
