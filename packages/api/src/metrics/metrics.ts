/**
 * The Prometheus metrics of one server (prom-client): a registry per App, so tests that run
 * several Apps in one process keep them apart. What is counted, and why these labels: every
 * label has a small, fixed set of values (procedure names, event reasons, status codes), never
 * anything a client chooses, so a flood of odd paths cannot blow up the series count.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import type { SecurityEvent } from "@authkit/auth";

export interface Metrics {
  registry: Registry;
  /** One answered HTTP request (`route` from `routeLabel`). */
  request(route: string, method: string, status: number, seconds: number): void;
  /** A security event: logins, reuse, revocations, refusals and mails are counted from them. */
  event(event: SecurityEvent): void;
  /** A failure of the database or Redis seen by a request (its error code). */
  backendError(backend: "database" | "redis"): void;
  /** Gauges read at scrape time (queue depth, live connections). */
  observe(gauges: GaugeSources): void;
}

export interface GaugeSources {
  /** argon2 hashes waiting for a slot, and refusals so far (OVERLOADED). */
  passwordQueue?: () => { queued: number; refused: number };
  /** Open live connections by transport. */
  liveConnections?: () => { sse: number; ws: number };
  /** Requests being answered. */
  inFlight?: () => number;
  /** Statements sent to the database since start (a counter: only rises). */
  databaseStatements?: () => number;
}

const REVOCATION_EVENTS: Partial<Record<SecurityEvent["event"], string>> = {
  "session.revoked": "session",
  "sessions.revoked_all": "all_sessions",
  "sessions.revoked_by_admin": "admin",
  "token.revoked": "token",
  "refresh.reuse": "refresh_reuse",
  "user.disabled": "user_disabled",
};

const label = (value: string | undefined) =>
  value && /^[a-z0-9_.:-]{1,48}$/i.test(value) ? value : "unknown";

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: "authkit_http_requests_total",
    help: "HTTP requests answered, by route (tRPC procedure or API path), method and status",
    labelNames: ["route", "method", "status"],
    registers,
  });
  const durations = new Histogram({
    name: "authkit_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route and status",
    labelNames: ["route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const counters = eventCounters(registry);
  const backendErrors = counter(
    registry,
    "authkit_backend_errors_total",
    "Requests that failed on the database or Redis",
    ["backend"],
  );
  let sources: GaugeSources = {};
  sampledMetrics(registry, () => sources);
  return {
    registry,
    request(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      durations.observe({ route, status: String(status) }, seconds);
      // tRPC's refresh (the OAuth token endpoint mixes grants: its requests are by route only).
      if (route === "auth.refresh")
        counters.refreshes.inc({ outcome: status === 200 ? "ok" : "refused" });
      // Login refusals are counted per rule from their events; the other limits by route.
      if (status === 429 && route !== "auth.login") counters.refusals.inc({ rule: route });
    },
    event(event) {
      countEvent(counters, event);
    },
    backendError(backend) {
      backendErrors.inc({ backend });
    },
    observe(next) {
      sources = { ...sources, ...next };
    },
  };
}

type EventCounters = Record<"logins" | "refreshes" | "revocations" | "refusals" | "mails", Counter>;

/** The counters security events feed (./countEvent). */
function eventCounters(registry: Registry): EventCounters {
  return {
    logins: counter(registry, "authkit_logins_total", "Password logins by outcome", [
      "outcome",
      "reason",
    ]),
    refreshes: counter(
      registry,
      "authkit_refreshes_total",
      "Refresh-token rotations by outcome (ok, refused, reuse)",
      ["outcome"],
    ),
    revocations: counter(registry, "authkit_revocations_total", "Revocations by cause", [
      "cause",
      "reason",
    ]),
    refusals: counter(
      registry,
      "authkit_rate_limit_refusals_total",
      "Requests refused by a rate limit, by rule",
      ["rule"],
    ),
    mails: counter(registry, "authkit_mails_total", "Account mails by outcome", [
      "mail",
      "outcome",
    ]),
  };
}

/** What is read from the server at scrape time: queues, connections, database statements. */
function sampledMetrics(registry: Registry, read: () => GaugeSources): void {
  gauge(
    registry,
    "authkit_password_hash_queue",
    "argon2 hashes waiting for a slot",
    () => read().passwordQueue?.().queued ?? 0,
  );
  gauge(
    registry,
    "authkit_password_hash_refusals",
    "argon2 hashes refused since start (queue full: 503 OVERLOADED)",
    () => read().passwordQueue?.().refused ?? 0,
  );
  gauge(
    registry,
    "authkit_http_requests_in_flight",
    "Requests being answered",
    () => read().inFlight?.() ?? 0,
  );
  let statementsSeen = 0;
  new Counter({
    name: "authkit_db_statements_total",
    help: "Statements sent to the database (on PostgreSQL, one round trip each)",
    registers: [registry],
    collect() {
      const total = read().databaseStatements?.() ?? statementsSeen;
      this.inc(Math.max(0, total - statementsSeen));
      statementsSeen = Math.max(statementsSeen, total);
    },
  });
  new Gauge({
    name: "authkit_live_connections",
    help: "Open live connections (session events) by transport",
    labelNames: ["transport"],
    registers: [registry],
    collect() {
      const live = read().liveConnections?.() ?? { sse: 0, ws: 0 };
      this.set({ transport: "sse" }, live.sse);
      this.set({ transport: "ws" }, live.ws);
    },
  });
}

function countEvent(counters: EventCounters, event: SecurityEvent): void {
  const reason = label(event.reason);
  if (event.event === "login.succeeded") counters.logins.inc({ outcome: "succeeded", reason: "" });
  if (event.event === "login.failed") counters.logins.inc({ outcome: "failed", reason });
  if (event.event === "login.rate_limited") {
    counters.logins.inc({ outcome: "rate_limited", reason });
    counters.refusals.inc({ rule: event.reason ? `login:${reason}` : "auth.login" });
  }
  if (event.event === "refresh.reuse") counters.refreshes.inc({ outcome: "reuse" });
  const cause = REVOCATION_EVENTS[event.event];
  if (cause) counters.revocations.inc({ cause, reason: event.reason ? reason : "" });
  if (event.event === "mail.failed")
    counters.mails.inc({ mail: label(event.mail), outcome: "failed" });
  if (event.event === "email.verification_sent" || event.event === "password.reset_requested")
    counters.mails.inc({ mail: label(event.mail), outcome: "queued" });
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
