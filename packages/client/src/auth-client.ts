import { browserChannel, type ChannelLike } from "./channel";
import { isUnauthorized } from "./errors";
import { browserLocks, withLock, type LockManagerLike } from "./lock";
import { RefreshTimer } from "./refresh-timer";
import { isUsable } from "./schedule";
import { TabSession } from "./tab-session";
import { createTrpcTransport } from "./transport";
import type { AuthState, AuthTransport, Session, SessionEndCause } from "./types";
import { documentVisibility, type VisibilitySource } from "./visibility";

export type { VisibilitySource } from "./visibility";

export interface AuthClientOptions {
  /** Where the tRPC API is mounted. Default `/api/trpc`. */
  url?: string;
  /** Replaces the HTTP calls (tests, other mounts). */
  transport?: AuthTransport;
  /** Cross-tab lock; default `navigator.locks`, `null` for none. */
  locks?: LockManagerLike | null;
  /** Cross-tab channel; default a `BroadcastChannel`, `null` for none. */
  channel?: ChannelLike | null;
  /** Name of the lock and the channel. */
  name?: string;
  /** Longest wait for another tab's refresh before its lock is presumed stuck and stolen. */
  lockTimeoutMs?: number;
  /** How long a new tab waits for another tab to hand over its token before refreshing. */
  helloTimeoutMs?: number;
  /** The device clock, used only for durations. */
  now?: () => number;
  /** Page visibility; hidden tabs refresh when needed rather than on their timer. */
  visibility?: VisibilitySource;
}

/** How long a tab keeps the lock after publishing a token (a BroadcastChannel hop takes ~1 ms). */
const SHARE_GRACE_MS = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The browser side of a session: holds the access token in memory only, refreshes it shortly
 * before it expires and after a 401, one refresh at a time across tabs, and keeps every tab of
 * the origin signed in or out together. It never polls: one refresh per token lifetime in the
 * whole browser, plus one per 401. What the tab holds and tells the other tabs is ./tab-session;
 * the scheduled refresh is ./refresh-timer; this class decides when to ask the server.
 */
export class AuthClient {
  private readonly transport: AuthTransport;
  private readonly locks: LockManagerLike | null;
  private readonly lockName: string;
  private readonly lockTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly now: () => number;
  private readonly timer: RefreshTimer;
  private readonly tab: TabSession;
  private readonly hasChannel: boolean;

  private refreshing: Promise<string | null> | null = null;
  private started: Promise<void> | null = null;

  constructor(options: AuthClientOptions = {}) {
    const name = options.name ?? "authkit-auth";
    this.transport = options.transport ?? createTrpcTransport(options.url ?? "/api/trpc");
    this.locks = options.locks === undefined ? browserLocks() : options.locks;
    const channel = options.channel === undefined ? browserChannel(name) : options.channel;
    this.hasChannel = channel !== null;
    this.lockName = `${name}:refresh`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 20_000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 100;
    this.now = options.now ?? Date.now;
    this.timer = new RefreshTimer({
      now: this.now,
      visibility: options.visibility ?? documentVisibility(),
      token: () => this.tab.token,
      refresh: () => this.refresh(),
    });
    this.tab = new TabSession({ channel, now: this.now, timer: this.timer });
  }

  // ---- For UIs ---------------------------------------------------------------------------------

  /** The current state; the same object until something changes (fits `useSyncExternalStore`). */
  getState = (): AuthState => this.tab.state;

  subscribe = (listener: () => void): (() => void) => this.tab.subscribe(listener);

  /**
   * Restores the session on page load: takes a fresh token from another open tab if one answers
   * quickly, else refreshes from the cookie. Idempotent (React Strict Mode calls effects twice).
   */
  start(): Promise<void> {
    this.started ??= this.restore();
    return this.started;
  }

  /** After `auth.login`: keep the token and hand it to every other tab. */
  signedIn(session: Session): void {
    this.tab.adopt(session.accessToken, session.expiresIn * 1000, session.user);
    this.tab.publishToken();
  }

  /** Logs out this browser's session on the server, then signs every tab out. */
  async logout(): Promise<void> {
    await withLock(this.locks, this.lockName, this.lockTimeoutMs, () =>
      this.transport.logout(this.tab.token?.accessToken ?? null),
    );
    this.tab.end("logout", true);
  }

  /**
   * Signs every tab out without asking the server, which already knows (after `auth.logoutAll`,
   * or when `session.events` says the session was revoked: then `cause` says why, and every tab's
   * state carries it for the login page to explain).
   */
  forget(reason: "logout" | "ended" = "logout", cause?: SessionEndCause): void {
    this.tab.end(reason, true, cause);
  }

  // ---- For the tRPC link -----------------------------------------------------------------------

  /** The token to send now: waits for the start-up restore, refreshes first if it is about to expire. */
  async getAccessToken(): Promise<string | null> {
    if (this.tab.state.status === "loading") await this.start();
    const token = this.tab.token;
    if (!token) return null;
    if (isUsable(token.expiresAt, this.now())) return token.accessToken;
    // Expired while the tab slept or was hidden: refresh instead of collecting a certain 401.
    return this.refresh().catch(() => this.tab.token?.accessToken ?? null);
  }

  /**
   * A call sent with `sentToken` came back 401. Returns the token to retry with, or null when
   * the session is over. If another tab or call already replaced that token, no new refresh.
   */
  async afterUnauthorized(sentToken: string): Promise<string | null> {
    if (this.tab.state.status === "signedOut") return null;
    const current = this.tab.token;
    if (current && current.accessToken !== sentToken && isUsable(current.expiresAt, this.now())) {
      return current.accessToken;
    }
    return this.refresh(sentToken);
  }

  /**
   * One refresh at a time: in this tab (callers share the promise) and across tabs (Web Lock).
   * Once the lock is ours, a token another tab published while we waited is used as it is: a
   * second rotation would be wasted work. Resolves to null when the server ended the session;
   * rejects on network trouble (the session may still be fine).
   */
  refresh(staleToken?: string): Promise<string | null> {
    this.refreshing ??= this.refreshUnderLock(staleToken).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  dispose(): void {
    this.timer.dispose();
    this.tab.close();
  }

  // ---- Internals -------------------------------------------------------------------------------

  private refreshUnderLock(staleToken: string | undefined): Promise<string | null> {
    const generation = this.tab.generation;
    return new Promise((resolve, reject) => {
      withLock(this.locks, this.lockName, this.lockTimeoutMs, async () => {
        const { token, rotated } = await this.refreshInLock(generation, staleToken);
        resolve(token);
        // Callers already have the token; the lock is held a moment longer so that the tabs
        // queued behind it receive the published token before they decide whether to rotate.
        if (rotated) await sleep(SHARE_GRACE_MS);
      }).catch(reject);
    });
  }

  private async refreshInLock(
    generation: number,
    staleToken: string | undefined,
  ): Promise<{ token: string | null; rotated: boolean }> {
    const { tab } = this;
    const moved =
      tab.generation !== generation ||
      (staleToken !== undefined && tab.token?.accessToken !== staleToken);
    if (moved) {
      // Another tab refreshed (or signed out) while we waited for the lock: use its result.
      if (tab.state.status === "signedOut") return { token: null, rotated: false };
      if (tab.token && isUsable(tab.token.expiresAt, this.now()))
        return { token: tab.token.accessToken, rotated: false };
    }
    const wasSignedIn = tab.state.status === "signedIn";
    const before = tab.generation;
    let session: Session;
    try {
      session = await this.transport.refresh();
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      // A page that never had a session keeps quiet: another tab may be logging in right now.
      if (tab.generation === before) tab.end(wasSignedIn ? "ended" : null, wasSignedIn);
      return { token: null, rotated: false };
    }
    // Signed out (logout everywhere, another tab) while this refresh was on the wire: stay out.
    if (tab.generation !== before && tab.state.status === "signedOut")
      return { token: null, rotated: false };
    tab.adopt(session.accessToken, session.expiresIn * 1000, session.user);
    tab.publishToken();
    return { token: session.accessToken, rotated: true };
  }

  private async restore(): Promise<void> {
    if (this.hasChannel) {
      await this.tab.askOtherTabs(this.helloTimeoutMs);
      // Another tab handed over its token, or signed everyone out meanwhile.
      if (this.tab.state.status !== "loading") return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.refresh();
        return;
      } catch {
        if (this.tab.state.status !== "loading") return;
        if (attempt === 3) return this.tab.unreachable();
        await sleep(500 * 2 ** attempt);
      }
    }
  }
}

export function createAuthClient(options?: AuthClientOptions): AuthClient {
  return new AuthClient(options);
}
