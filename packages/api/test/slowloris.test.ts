/**
 * Issue 23, finding 5: about 19,900 half-sent requests from one host exhausted the process's
 * file descriptors (slowloris). The server (`createHttpServer`, which `serveApi` and the web
 * app's custom server both use) now closes requests whose headers or body do not arrive in time,
 * idle keep-alive connections, sockets past `HTTP_MAX_CONNECTIONS`, and sockets past
 * `HTTP_MAX_CONNECTIONS_PER_IP` from one address (trusted proxies excepted), and keeps answering
 * everyone else. Real sockets, real half-sent requests; other clients come from other loopback
 * addresses (127.0.0.2, …), which Linux routes like 127.0.0.1.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { loadConfig } from "@authkit/config";
import { createTestDatabase, type TestDatabase } from "@authkit/db/testing";

import { createApp } from "../src";
import { addressKey } from "../src/http/http-server";
import { serveApi, type ApiServer } from "../src/server";
import { quickDatabase, TEST_RATE_LIMITS, TEST_SECRET } from "./harness";

interface Attacker {
  socket: Socket;
  closed: Promise<void>;
  isClosed(): boolean;
  received(): string;
}

/** A connection from `from` that sends `text` and then nothing more. */
function halfSent(port: number, from: string, text: string): Attacker {
  const socket = connect({ port, host: "127.0.0.1", localAddress: from });
  let data = "";
  let done = false;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (data += chunk));
  socket.on("error", () => undefined);
  socket.on("connect", () => socket.write(text));
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      done = true;
      resolve();
    }),
  );
  return { socket, closed, isClosed: () => done, received: () => data };
}

const HALF_HEADERS = "GET /api/trpc/health HTTP/1.1\r\nHost: app.test\r\nX-Slow: ";
const HALF_BODY =
  "POST /api/trpc/auth.login HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/json\r\n" +
  "Content-Length: 200\r\n\r\n{";

/** A complete request from `from` on a connection of its own: its status, or 0 when refused. */
function health(port: number, from: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/api/trpc/health", localAddress: from, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.end();
  });
}

let api: ApiServer | undefined;
let db: TestDatabase | undefined;
const attackers: Attacker[] = [];

async function serve(env: Record<string, string>): Promise<number> {
  db = await createTestDatabase(await quickDatabase());
  const config = loadConfig(
    {
      NODE_ENV: "test",
      AUTH_SECRET: TEST_SECRET,
      APP_URL: "http://app.test",
      LOG_LEVEL: "silent",
      PORT: "0",
      ...TEST_RATE_LIMITS,
      ...env,
    },
    { warn: () => undefined },
  );
  api = await serveApi(await createApp(config, { db }));
  return Number(new URL(api.url).port);
}

afterEach(async () => {
  for (const attacker of attackers.splice(0)) attacker.socket.destroy();
  await api?.close();
  await db?.destroy();
  api = undefined;
  db = undefined;
});

const poll = { timeout: 20_000, interval: 50 };
const closedCount = (list: Attacker[]) => list.filter((a) => a.isClosed()).length;

describe("the HTTP server under half-sent requests", () => {
  it("caps the connections of one address and keeps answering the others", async () => {
    const port = await serve({
      HTTP_MAX_CONNECTIONS_PER_IP: "20",
      // Long enough that only the cap can close anything during this test.
      HTTP_HEADERS_TIMEOUT: "5m",
      HTTP_REQUEST_TIMEOUT: "5m",
    });
    const flood = Array.from({ length: 50 }, () => halfSent(port, "127.0.0.1", HALF_HEADERS));
    attackers.push(...flood);
    // Past the cap, each new socket of 127.0.0.1 is closed as it arrives.
    await expect.poll(() => closedCount(flood), poll).toBe(30);
    expect(await health(port, "127.0.0.1")).toBe(0);
    // Everyone else is answered.
    for (const other of ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
      expect(await health(port, other)).toBe(200);
    expect(closedCount(flood)).toBe(30);
    // The host's own sockets gone, it is served again.
    for (const attacker of flood) attacker.socket.destroy();
    await expect.poll(() => health(port, "127.0.0.1"), poll).toBe(200);
  });

  it("closes requests whose headers or body do not arrive in time, and idle keep-alives", async () => {
    const port = await serve({
      HTTP_HEADERS_TIMEOUT: "1s",
      HTTP_REQUEST_TIMEOUT: "2s",
      HTTP_KEEP_ALIVE_TIMEOUT: "1s",
    });
    const slowHeaders = Array.from({ length: 10 }, () => halfSent(port, "127.0.0.1", HALF_HEADERS));
    const slowBodies = Array.from({ length: 5 }, () => halfSent(port, "127.0.0.1", HALF_BODY));
    // A complete request on a kept-alive connection, then silence.
    const idle = halfSent(
      port,
      "127.0.0.1",
      "GET /api/trpc/health HTTP/1.1\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n",
    );
    attackers.push(...slowHeaders, ...slowBodies, idle);
    expect(await health(port, "127.0.0.2")).toBe(200);
    await Promise.all([...slowHeaders, ...slowBodies, idle].map((a) => a.closed));
    for (const attacker of slowHeaders) expect(attacker.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(await health(port, "127.0.0.2")).toBe(200);
    // A bound for the old defaults only (60 s for headers, checked every 30 s, 300 s for a
    // request, 5 s keep-alive): with 1-2 s configured, the closes come long before it.
  }, 60_000);

  it("holds at most HTTP_MAX_CONNECTIONS sockets, whoever opens them", async () => {
    const port = await serve({
      HTTP_MAX_CONNECTIONS: "30",
      HTTP_HEADERS_TIMEOUT: "5m",
      HTTP_REQUEST_TIMEOUT: "5m",
    });
    // One socket each from 40 addresses: no per-address cap applies, the total one does.
    const flood = Array.from({ length: 40 }, (_, i) =>
      halfSent(port, `127.0.1.${i + 1}`, HALF_HEADERS),
    );
    attackers.push(...flood);
    await expect.poll(() => closedCount(flood), poll).toBe(10);
    for (const attacker of flood) attacker.socket.destroy();
    await expect.poll(() => health(port, "127.0.0.2"), poll).toBe(200);
  });

  it("leaves a proxy TRUST_PROXY names out of the per-address cap", async () => {
    const port = await serve({
      TRUST_PROXY: "127.0.0.1",
      HTTP_MAX_CONNECTIONS_PER_IP: "5",
      HTTP_HEADERS_TIMEOUT: "5m",
      HTTP_REQUEST_TIMEOUT: "5m",
    });
    const proxied = Array.from({ length: 12 }, () => halfSent(port, "127.0.0.1", HALF_HEADERS));
    const direct = Array.from({ length: 8 }, () => halfSent(port, "127.0.0.2", HALF_HEADERS));
    attackers.push(...proxied, ...direct);
    await expect.poll(() => closedCount(direct), poll).toBe(3);
    expect(await health(port, "127.0.0.1")).toBe(200);
    expect(closedCount(proxied)).toBe(0);
  });
});

describe("addressKey", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:10.1.2.3", "10.1.2.3"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["1::2:3:4:5:6.7.8.9", "1:0:2:3::/64"],
  ])("counts %s as %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
