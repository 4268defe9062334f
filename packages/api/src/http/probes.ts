/**
 * What load balancers, orchestrators and Prometheus ask a server: `GET /api/health` (liveness:
 * the process answers; cheap, touches nothing), `GET /api/ready` (readiness: every dependency a
 * request needs answers, and the server is not draining) and `GET /api/metrics` (Prometheus,
 * only with `METRICS_TOKEN`).
 */
import { timingSafeEqual, createHash } from "node:crypto";

import type { App } from "../app";
import { pendingMigrations } from "@authkit/db/migrations";

export const HEALTH_PATH = "/api/health";
export const READY_PATH = "/api/ready";
export const METRICS_PATH = "/api/metrics";

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** How long one readiness check may take before its dependency counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

type Check = () => Promise<string | null>;

function withTimeout(check: Check): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("timeout"), CHECK_TIMEOUT_MS);
  });
  return Promise.race([
    // What failed, as a fixed word: never the error's message (it may name a host or a user).
    check().catch(() => "unreachable"),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/**
 * Each dependency's state: null when it answers, else a fixed word (`unreachable`, `timeout`,
 * `migrations_pending`, `draining`). The names are what docs/deployment.md lists.
 */
export async function readiness(
  app: Pick<App, "db" | "auth" | "inFlight">,
): Promise<Record<string, string | null>> {
  const checks: Record<string, Check> = {
    database: async () => {
      const pending = await pendingMigrations(app.db);
      return pending.length > 0 ? "migrations_pending" : null;
    },
    revocation_store: async () => {
      await app.auth.store.ping();
      return null;
    },
    rate_limiter: async () => {
      await app.auth.rateLimiter.ping();
      return null;
    },
    keys: () => Promise.resolve(app.auth.keys.verification.length > 0 ? null : "not_loaded"),
  };
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => withTimeout(checks[name]!)));
  const state: Record<string, string | null> = Object.fromEntries(
    names.map((name, index) => [name, results[index] ?? null]),
  );
  state.server = app.inFlight.draining ? "draining" : null;
  return state;
}

export function createProbeHandlers(
  app: Pick<App, "db" | "auth" | "inFlight" | "metrics" | "config">,
) {
  const token = app.config.metricsToken;
  const expected = token ? createHash("sha256").update(`Bearer ${token}`).digest() : undefined;
  return {
    health(): Response {
      return new Response('{"ok":true}', { status: 200, headers: JSON_HEADERS });
    },
    async ready(): Promise<Response> {
      const state = await readiness(app);
      const failing = Object.entries(state).filter(([, problem]) => problem !== null);
      const ok = failing.length === 0;
      const body = ok ? { ready: true } : { ready: false, failing: Object.fromEntries(failing) };
      return new Response(JSON.stringify(body), { status: ok ? 200 : 503, headers: JSON_HEADERS });
    },
    async metrics(request: Request): Promise<Response | null> {
      // Off unless configured: without METRICS_TOKEN the path does not exist.
      if (!expected) return null;
      const given = createHash("sha256")
        .update(request.headers.get("authorization") ?? "")
        .digest();
      if (!timingSafeEqual(given, expected))
        return new Response('{"error":"unauthorized"}', {
          status: 401,
          headers: { ...JSON_HEADERS, "www-authenticate": 'Bearer realm="metrics"' },
        });
      return new Response(await app.metrics.registry.metrics(), {
        status: 200,
        headers: { "content-type": app.metrics.registry.contentType, "cache-control": "no-store" },
      });
    },
  };
}
