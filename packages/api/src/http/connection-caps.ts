import type { LiveIdentity } from "@authkit/auth";

/**
 * Open WebSockets per session and per user on this instance (LIVE_MAX_CONNECTIONS_PER_*). The
 * browser client holds one stream per browser, so a session past its cap is a misbehaving or
 * hostile client; the caps bound what one stolen session can hold open.
 */
export class ConnectionCaps {
  private readonly bySession = new Map<string, number>();
  private readonly byUser = new Map<string, number>();

  constructor(private readonly limits: { perSession: number; perUser: number }) {}

  /** Counts one connection, or answers null when a cap is reached. Returns its release. */
  take(live: LiveIdentity): (() => void) | null {
    const session = this.bySession.get(live.session.id) ?? 0;
    const user = this.byUser.get(live.user.id) ?? 0;
    if (session >= this.limits.perSession || user >= this.limits.perUser) return null;
    this.bySession.set(live.session.id, session + 1);
    this.byUser.set(live.user.id, user + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.bySession, live.session.id);
      decrement(this.byUser, live.user.id);
    };
  }

  /** Sessions and users with an open connection (tests: nothing is left behind). */
  get size(): number {
    return this.bySession.size + this.byUser.size;
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}
