import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

import { IN_CI, TEST_REDIS_URL } from "./env";

/**
 * Sends PING over the Redis protocol; true when `+PONG` comes back within `timeoutMs`. A
 * `rediss://` URL is reached over TLS, trusting `ca` (a PEM file).
 */
export function redisAnswers(url: string, timeoutMs = 2000, ca?: string): Promise<boolean> {
  const { protocol, hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket: Socket =
      protocol === "rediss:"
        ? connectTls({
            port: Number(port || 6379),
            host: hostname,
            ca: ca ? readFileSync(ca) : undefined,
          })
        : connect(Number(port || 6379), hostname);
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on(protocol === "rediss:" ? "secureConnect" : "connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => done(chunk.toString().startsWith("+PONG")));
  });
}

let redisReachable: Promise<boolean> | undefined;

/**
 * Whether the Redis suites can run: the shared server at TEST_REDIS_URL answers, and the
 * `redis-server` binary is there for the suites that start (and stop) one of their own. In CI a
 * missing one is a failure, never a skip.
 */
export function redisAvailable(): Promise<boolean> {
  redisReachable ??= (async () => {
    const shared = await redisAnswers(TEST_REDIS_URL);
    const binary = spawnSync("redis-server", ["--version"]).status === 0;
    if (shared && binary) return true;
    const hint = shared
      ? "redis-server is not on PATH (apt-get install redis-server)."
      : `Redis is not reachable at ${TEST_REDIS_URL} (set TEST_REDIS_URL, or start redis-server).`;
    if (IN_CI) throw new Error(hint);
    console.warn(`${hint} Plain Redis tests are skipped outside CI.`);
    return false;
  })();
  return redisReachable;
}

/**
 * A redis-server of the test's own, on a free loopback port, without persistence: the test may
 * flush it, stop it (connections refused, data gone on `start`), or freeze it (SIGSTOP: it
 * accepts nothing and answers nothing, as a hung server does) without touching anyone else's.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, or `rediss://localhost:<port>` with TLS (append `/<db>` for a
   * database number). */
  url: string;
  port: number;
  /** Ends the process: connections are refused until `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** SIGSTOP: the server holds its connections and its data, and answers nothing. */
  freeze(): void;
  /** SIGCONT: it answers again, with its data. */
  thaw(): void;
}

/** PEM files for a TLS-only server: its certificate and key, and the CA that signed them. */
export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
}

/** Every redis-server this process started: a test process that dies leaves none behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startRedisServer({ tls }: { tls?: RedisTls } = {}): Promise<RedisServer> {
  // Another process may take the free port before redis-server binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = redisServerOn(port, tls);
    try {
      await server.start();
      return server;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

function redisServerOn(port: number, tls: RedisTls | undefined): RedisServer {
  const url = tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`;
  const args = [
    ...(tls
      ? ["--port", "0", "--tls-port", String(port), "--tls-auth-clients", "no"]
      : ["--port", String(port)]),
    ...(tls
      ? ["--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca]
      : []),
    ...["--bind", "127.0.0.1", "-::1", "--save", "", "--appendonly", "no"],
  ];
  let child: ChildProcess | undefined;
  return {
    url,
    port,
    start: async () => {
      const started = spawn("redis-server", args, { stdio: "ignore" });
      child = started;
      running.add(started);
      const failed = new Promise<never>((_, reject) => {
        started.once("error", reject);
        started.once("exit", (code, signal) => {
          running.delete(started);
          reject(new Error(`redis-server on port ${port} exited (${signal ?? code})`));
        });
      });
      // Once it answered, a later exit is the test's own stop().
      failed.catch(() => undefined);
      while (!(await Promise.race([redisAnswers(url, 500, tls?.ca), failed]))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await exited;
    },
    freeze: () => void child?.kill("SIGSTOP"),
    thaw: () => void child?.kill("SIGCONT"),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}
