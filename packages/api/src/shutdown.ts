/**
 * Start and stop of a serving process (apps/web/server.ts, ./server.ts): listening with one clear
 * line when the port cannot be had, and a graceful shutdown on SIGTERM/SIGINT.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { App } from "./app";
import type { Logger } from "./http/log";

/**
 * Listens on `port` (and `host` when given) and resolves with the address actually bound. A
 * listen error (the port is taken, no permission) rejects with one sentence naming the port and
 * the cause, for the caller to print and exit 1 with.
 */
export function listen(server: Server, port: number, host?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const cause =
        error.code === "EADDRINUSE"
          ? "the address is already in use (another server is listening there)"
          : error.code === "EACCES"
            ? "permission denied (ports below 1024 need privileges)"
            : `${error.code ?? error.name}: ${error.message}`;
      reject(
        new ListenError(`Cannot listen on ${host ?? "port"}${host ? ":" : " "}${port}: ${cause}`),
      );
    };
    server.once("error", onError);
    server.listen(port, ...(host ? [host] : []), () => {
      server.off("error", onError);
      resolve(boundUrl(server.address() as AddressInfo));
    });
  });
}

export class ListenError extends Error {
  readonly code = "LISTEN_FAILED";
  constructor(message: string) {
    super(message);
    this.name = "ListenError";
  }
}

/** `http://127.0.0.1:4203`, `http://[::]:3000`: the address the socket is bound to. */
export function boundUrl({ address, family, port }: AddressInfo): string {
  return `http://${family === "IPv6" ? `[${address}]` : address}:${port}`;
}

export interface ShutdownDeps {
  server: Server;
  app: Pick<App, "inFlight" | "close">;
  logger: Logger;
  /** Seconds to wait for in-flight requests (SHUTDOWN_TIMEOUT). */
  timeoutSeconds: number;
  /** Closes the live WebSockets (1001, going away). */
  closeSockets: () => Promise<void>;
  /** Whatever else the process runs (Next), closed after the requests are done. */
  closeOthers?: () => Promise<void>;
}

/**
 * The graceful stop: stop accepting connections, turn readiness to 503, end live streams with a
 * reconnect signal (WebSocket 1001, server-sent events ended), let the requests in flight finish
 * (their responses complete, their connections then closed) up to the timeout, close the
 * database, Redis and SMTP, write one line, and resolve with the exit code (0).
 */
export async function drainAndClose(
  { server, app, logger, timeoutSeconds, closeSockets, closeOthers }: ShutdownDeps,
  signal: string,
): Promise<number> {
  const started = process.hrtime.bigint();
  app.inFlight.startDraining();
  const inFlight = app.inFlight.count;
  logger.info({ signal, inFlight }, `${signal}: shutting down, draining ${inFlight} requests`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  app.inFlight.endStreams();
  const sockets = closeSockets();
  // Done when every request is answered and every connection closed: keep-alive connections
  // whose last answer went out during the drain are closed once idle.
  const done = app.inFlight.settled().then(() => {
    server.closeIdleConnections();
    return Promise.all([closed, sockets]);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    done.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutSeconds * 1000);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    logger.warn(
      { unfinished: app.inFlight.count, timeoutSeconds },
      "SHUTDOWN_TIMEOUT reached: closing the connections of unfinished requests",
    );
    server.closeAllConnections();
    await Promise.all([closed, sockets]);
  }
  await closeOthers?.();
  await app.close();
  const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  logger.info({ signal, ms, timedOut }, "Shut down");
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return 0;
}

/** SIGTERM and SIGINT run `drainAndClose` once; the process exits with its code. */
export function exitOnSignals(deps: ShutdownDeps): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      drainAndClose(deps, signal).then(
        (code) => process.exit(code),
        (error: unknown) => {
          deps.logger.error({ err: error }, "shutdown failed");
          deps.logger.flush(() => process.exit(1));
        },
      );
    });
  }
}
