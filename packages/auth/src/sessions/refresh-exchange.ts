import { retryOnWriteConflict } from "@authkit/db";

import type { AuthenticationMethod, Role } from "../access-token";
import { createBatcher } from "../batch";
import { now, type Core } from "../core";
import { refreshExpiry } from "./issue-tokens";

/** One presented refresh token and the successor to insert if it may rotate. */
export interface ExchangeRequest {
  /** SHA-256 of the presented token. */
  hash: string;
  next: { id: string; hash: string };
}

/** What the database said about one presented token (absent: no such token). */
export interface Exchange {
  session_id: string;
  user_id: string;
  /** Whether the successor was inserted: the token rotated. */
  issued: boolean;
  /** The presented token's state before this statement, for telling theft from the rest. */
  token_live: boolean;
  session_live: boolean;
  email: string;
  name: string | null;
  role: Role;
  token_version: number;
  /** Carried from the session: a refresh is not a new proof of who the person is. */
  auth_time: Date;
  amr: AuthenticationMethod[];
}

export type RefreshExchange = (request: ExchangeRequest) => Promise<Exchange | undefined>;

export type ExchangeDeps = Pick<Core, "db" | "clock"> & {
  settings: Pick<Core["settings"], "refreshTokenTtlSeconds" | "refreshReuseGraceSeconds">;
};

/**
 * The exchanges of every refresh presented in one event-loop turn, as one statement: a
 * statement's planning and driver overhead (1.7 ms of CPU on the embedded PGlite, a round trip
 * on PostgreSQL) is shared, and each token still gets its own answer. A token presented twice in
 * one turn (two tabs racing) goes in a second statement after the first, so the second sees the
 * first's consumption exactly as two separate requests would.
 */
export function createRefreshExchange(deps: ExchangeDeps): RefreshExchange {
  return createBatcher<ExchangeRequest, Exchange | undefined>(async (requests) => {
    const answers = new Map<ExchangeRequest, Exchange | undefined>();
    for (const round of distinctRounds(requests)) {
      // Statements that lock several sessions can deadlock with one another on PostgreSQL; the
      // one aborted changed nothing and simply goes again.
      const rows = await retryOnWriteConflict(() => exchangeStatement(deps, round));
      const byHash = new Map(rows.map((row) => [row.hash, row]));
      for (const request of round) answers.set(request, byHash.get(request.hash));
    }
    return requests.map((request) => answers.get(request));
  });
}

/** Splits requests so that no token appears twice in one statement, keeping arrival order. */
export function distinctRounds(requests: readonly ExchangeRequest[]): ExchangeRequest[][] {
  const rounds: ExchangeRequest[][] = [];
  const seen = new Map<string, number>();
  for (const request of requests) {
    const index = seen.get(request.hash) ?? 0;
    seen.set(request.hash, index + 1);
    (rounds[index] ??= []).push(request);
  }
  return rounds;
}

/**
 * Consumes each presented token, touches its session and inserts its successor, in one statement.
 * A token rotates if it is unexpired and either unused or used within the reuse grace, and its
 * session and user are live. Row locks make concurrent exchanges of one token take turns: the
 * second re-reads the row the first consumed. `presented` is driven by the token-hash index (a
 * plan from the unique index whatever the statistics say) and reads the session and user once:
 * every part of the statement sees the same snapshot, so the answer takes them from there.
 */
async function exchangeStatement(
  deps: ExchangeDeps,
  requests: readonly ExchangeRequest[],
): Promise<(Exchange & { hash: string })[]> {
  const at = now(deps);
  const grace = deps.settings.refreshReuseGraceSeconds;
  // Without a grace, only an unused token rotates: comparing timestamps would let a request
  // that read the clock a moment earlier through after another consumed the token.
  const graceStart = grace > 0 ? new Date(at.getTime() - grace * 1000) : null;
  const expiresAt = refreshExpiry(deps, at);
  const hashes = requests.map((request) => request.hash);
  const nextIds = requests.map((request) => request.next.id);
  const nextHashes = requests.map((request) => request.next.hash);
  return deps.db.prisma.$queryRaw<(Exchange & { hash: string })[]>`
    WITH req AS (
      SELECT * FROM unnest(${hashes}::text[], ${nextIds}::uuid[], ${nextHashes}::text[])
        AS r(hash, next_id, next_hash)
    ), presented AS (
      SELECT rt.token_hash AS hash, rt.session_id, rt.expires_at > ${at} AS token_live,
        s.revoked_at IS NULL AND s.expires_at > ${at} AND u.disabled_at IS NULL AS session_live,
        u.id AS user_id, u.email, u.name, u.role, u.token_version, s.auth_time, s.amr
      FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id
      WHERE rt.token_hash = ANY(${hashes}::text[])
    ), consumed AS (
      UPDATE refresh_tokens rt SET consumed_at = COALESCE(rt.consumed_at, ${at})
      FROM presented p
      WHERE rt.token_hash = p.hash AND p.session_live AND rt.expires_at > ${at}
        AND (rt.consumed_at IS NULL OR rt.consumed_at > ${graceStart}::timestamptz)
      RETURNING rt.token_hash, rt.session_id
    ), touched AS (
      UPDATE sessions SET last_used_at = ${at}, expires_at = ${expiresAt}
      WHERE id IN (SELECT session_id FROM consumed)
    ), issued AS (
      INSERT INTO refresh_tokens (id, token_hash, session_id, expires_at, created_at)
      SELECT r.next_id, r.next_hash, c.session_id, ${expiresAt}, ${at}
      FROM consumed c JOIN req r ON r.hash = c.token_hash
      RETURNING token_hash
    )
    SELECT p.hash, p.session_id::text AS session_id, p.user_id::text AS user_id,
      EXISTS (SELECT 1 FROM issued i WHERE i.token_hash = r.next_hash) AS issued,
      p.token_live, p.session_live, p.email, p.name, p.role::text AS role, p.token_version,
      p.auth_time, p.amr
    FROM req r JOIN presented p ON p.hash = r.hash`;
}
