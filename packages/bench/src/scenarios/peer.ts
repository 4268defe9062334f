/** The peer: better-auth getSession on plain node:http, Postgres sessions and cookie cache. */
import { randomBytes } from "node:crypto";

import { cookiePairs, inBatches, status } from "../http";
import type { Request } from "../load";
import { runCommand } from "../proc";
import { BENCH } from "../processes";
import { PASSWORD, USERS } from "../workload";

import type { Scenario } from "./context";

const SCRIPT = "src/peers/better-auth.ts";

export async function peer({ bench, procs }: Scenario): Promise<void> {
  bench.log("\n[peer] better-auth 1.7.25 getSession on plain node:http, PostgreSQL sessions");
  const url = await procs.createDatabase(`authkit_bench_ba_${process.pid}`);
  const secret = randomBytes(32).toString("hex");
  const peerArgs = ["--database-url", url, "--secret", secret];
  await runCommand(process.execPath, ["--import", "tsx", SCRIPT, ...peerArgs, "--migrate"], {
    cwd: BENCH,
    env: procs.inheritedEnv,
  });
  const emails = Array.from({ length: USERS }, (_, i) => `ba-${i}@bench.example`);
  for (const cookieCache of [false, true]) {
    const name = cookieCache ? "better-auth, cookie cache" : "better-auth, postgres sessions";
    const server = await procs.startBenchServer(
      name,
      SCRIPT,
      [...peerArgs, ...(cookieCache ? ["--cookie-cache"] : [])],
      { readyPath: "/health", env: { NODE_ENV: "production" } },
    );
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/auth/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: server.url },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`better-auth ${path}: ${res.status}`);
      return res;
    };
    if (!cookieCache)
      await inBatches(emails, 4, (email) =>
        post("sign-up/email", { email, password: PASSWORD, name: "Bench" }),
      );
    const cookies = await inBatches(emails, 4, async (email) => {
      const res = await post("sign-in/email", { email, password: PASSWORD });
      return cookiePairs(res.headers.getSetCookie()).join("; ");
    });
    // Set-up check: 200 with a valid session cookie, 401 without; the cache cookie when on.
    const withCookie = await status(`${server.url}/session`, { cookie: cookies[0]! });
    const without = await status(`${server.url}/session`);
    if (withCookie !== 200 || without !== 401)
      throw new Error(`${name}: getSession gave ${withCookie} with a cookie, ${without} without`);
    if (cookieCache !== cookies[0]!.includes("session_data="))
      throw new Error(`${name}: cookie cache cookie ${cookieCache ? "missing" : "unexpected"}`);
    const requests: Request[] = cookies.map((cookie) => ({
      method: "GET",
      path: "/session",
      headers: { cookie },
    }));
    const load = { url: server.url, connections: bench.options.connections, requests };
    await bench.prewarm(load);
    await bench.measure(cookieCache ? "ba.cache" : "ba.pg", `${name}: getSession`, server, load, {
      baseline: "pg.me",
    });
    await procs.stop(server);
  }
}
