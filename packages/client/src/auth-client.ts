import { browserChannel, parseTabMessage, type ChannelLike, type TabMessage } from "./channel";
import { isUnauthorized } from "./errors";
import { browserLocks, withLock, type LockManagerLike } from "./lock";
import { isUsable, refreshDelayMs } from "./schedule";
import { createTrpcTransport } from "./transport";
import type {
  AuthState,
  AuthTransport,
  AuthUser,
  Session,
  SessionEndCause,
  SignOutReason,
} from "./types";

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

export interface VisibilitySource {
  isVisible(): boolean;
  onVisible(callback: () => void): () => void;
}

const LOADING: AuthState = { status: "loading", user: null, reason: null };

function documentVisibility(): VisibilitySource {
  if (typeof document === "undefined")
    return { isVisible: () => true, onVisible: () => () => undefined };
  return {
    isVisible: () => document.visibilityState !== "hidden",
    onVisible(callback) {
      const listener = () => {
        if (document.visibilityState === "visible") callback();
      };
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
  };
}

const sameUser = (a: AuthUser | null, b: AuthUser | null) =>
  a === b ||
  (!!a && !!b && a.id === b.id && a.email === b.email && a.name === b.name && a.role === b.role);

/** How long a tab keeps the lock after publishing a token (a BroadcastChannel hop takes ~1 ms). */
const SHARE_GRACE_MS = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The browser side of a session: holds the access token in memory only, refreshes it shortly
 * before it expires and after a 401, one refresh at a time across tabs, and keeps every tab of
 * the origin signed in or out together. It never polls: one refresh per token lifetime in the
 * whole browser, plus one per 401.
 */
export class AuthClient {
  private readonly transport: AuthTransport;
  private readonly locks: LockManagerLike | null;
  private readonly channel: ChannelLike | null;
  private readonly lockName: string;
  private readonly lockTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly now: () => number;
  private readonly visibility: VisibilitySource;
  private readonly stopWatchingVisibility: () => void;

  private token: { accessToken: string; expiresAt: number; refreshAt: number } | null = null;
  private state: AuthState = LOADING;
  /** Bumped on every change of token, so a waiting refresh can see that another one won. */
  private generation = 0;
  private refreshing: Promise<string | null> | null = null;
  private started: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshWhenVisible = false;
  private helloAnswered: (() => void) | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(options: AuthClientOptions = {}) {
    const name = options.name ?? "authkit-auth";
    this.transport = options.transport ?? createTrpcTransport(options.url ?? "/api/trpc");
    this.locks = options.locks === undefined ? browserLocks() : options.locks;
    this.channel = options.channel === undefined ? browserChannel(name) : options.channel;
    this.lockName = `${name}:refresh`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 20_000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 100;
    this.now = options.now ?? Date.now;
    this.visibility = options.visibility ?? documentVisibility();
    this.channel?.addEventListener("message", (event) => this.receive(event.data));
    this.stopWatchingVisibility = this.visibility.onVisible(() => this.becameVisible());
  }

  // ---- For UIs ---------------------------------------------------------------------------------

  /** The current state; the same object until something changes (fits `useSyncExternalStore`). */
  getState = (): AuthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

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
    this.adopt(session.accessToken, session.expiresIn * 1000, session.user);
    this.publishToken();
  }

  /** Logs out this browser's session on the server, then signs every tab out. */
  async logout(): Promise<void> {
    await withLock(this.locks, this.lockName, this.lockTimeoutMs, () =>
      this.transport.logout(this.token?.accessToken ?? null),
    );
    this.end("logout", true);
  }

  /**
   * Signs every tab out without asking the server, which already knows (after `auth.logoutAll`,
   * or when `session.events` says the session was revoked: then `cause` says why, and every tab's
   * state carries it for the login page to explain).
   */
  forget(reason: "logout" | "ended" = "logout", cause?: SessionEndCause): void {
    this.end(reason, true, cause);
  }

  // ---- For the tRPC link -----------------------------------------------------------------------

  /** The token to send now: waits for the start-up restore, refreshes first if it is about to expire. */
  async getAccessToken(): Promise<string | null> {
    if (this.state.status === "loading") await this.start();
    if (!this.token) return null;
    if (isUsable(this.token.expiresAt, this.now())) return this.token.accessToken;
    // Expired while the tab slept or was hidden: refresh instead of collecting a certain 401.
    return this.refresh().catch(() => this.token?.accessToken ?? null);
  }

  /**
   * A call sent with `sentToken` came back 401. Returns the token to retry with, or null when
   * the session is over. If another tab or call already replaced that token, no new refresh.
   */
  async afterUnauthorized(sentToken: string): Promise<string | null> {
    if (this.state.status === "signedOut") return null;
    const current = this.token;
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
    clearTimeout(this.timer);
    this.stopWatchingVisibility();
    this.channel?.close();
    this.listeners.clear();
  }

  // ---- Internals -------------------------------------------------------------------------------

  private refreshUnderLock(staleToken: string | undefined): Promise<string | null> {
    const generation = this.generation;
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
    const moved =
      this.generation !== generation ||
      (staleToken !== undefined && this.token?.accessToken !== staleToken);
    if (moved) {
      // Another tab refreshed (or signed out) while we waited for the lock: use its result.
      if (this.state.status === "signedOut") return { token: null, rotated: false };
      if (this.token && isUsable(this.token.expiresAt, this.now()))
        return { token: this.token.accessToken, rotated: false };
    }
    const wasSignedIn = this.state.status === "signedIn";
    const before = this.generation;
    let session: Session;
    try {
      session = await this.transport.refresh();
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      // A page that never had a session keeps quiet: another tab may be logging in right now.
      if (this.generation === before) this.end(wasSignedIn ? "ended" : null, wasSignedIn);
      return { token: null, rotated: false };
    }
    // Signed out (logout everywhere, another tab) while this refresh was on the wire: stay out.
    if (this.generation !== before && this.state.status === "signedOut")
      return { token: null, rotated: false };
    this.adopt(session.accessToken, session.expiresIn * 1000, session.user);
    this.publishToken();
    return { token: session.accessToken, rotated: true };
  }

  private async restore(): Promise<void> {
    if (this.channel) {
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, this.helloTimeoutMs);
        this.helloAnswered = () => {
          clearTimeout(timeout);
          resolve();
        };
        this.post({ type: "hello" });
      });
      this.helloAnswered = null;
      // Another tab handed over its token, or signed everyone out meanwhile.
      if (this.state.status !== "loading") return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.refresh();
        return;
      } catch {
        if (this.state.status !== "loading") return;
        if (attempt === 3) {
          this.setState({ status: "signedOut", user: null, reason: "unreachable" });
          return;
        }
        await sleep(500 * 2 ** attempt);
      }
    }
  }

  private adopt(accessToken: string, remainingMs: number, user: AuthUser): void {
    const now = this.now();
    const delay = refreshDelayMs(remainingMs);
    this.token = { accessToken, expiresAt: now + remainingMs, refreshAt: now + delay };
    this.generation++;
    this.refreshWhenVisible = false;
    this.schedule(delay);
    this.setState({ status: "signedIn", user, reason: null });
    this.helloAnswered?.();
  }

  private end(reason: SignOutReason, broadcast: boolean, cause?: SessionEndCause): void {
    this.token = null;
    this.generation++;
    clearTimeout(this.timer);
    this.setState(
      cause
        ? { status: "signedOut", user: null, reason, cause }
        : { status: "signedOut", user: null, reason },
    );
    if (broadcast && (reason === "logout" || reason === "ended"))
      this.post(cause ? { type: "signedOut", reason, cause } : { type: "signedOut", reason });
    this.helloAnswered?.();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimer(), delayMs);
  }

  private onTimer(): void {
    if (!this.token) return;
    // A hidden tab needs no token until it is shown or makes a call; the visible tabs keep
    // the session fresh and share their tokens.
    if (!this.visibility.isVisible()) {
      this.refreshWhenVisible = true;
      return;
    }
    this.refresh().catch(() => this.retryLater());
  }

  /** After a failed scheduled refresh (network): try again while the token still has life. */
  private retryLater(): void {
    if (!this.token) return;
    const remaining = this.token.expiresAt - this.now();
    if (isUsable(this.token.expiresAt, this.now())) this.schedule(Math.min(5_000, remaining / 2));
  }

  private becameVisible(): void {
    if (!this.token || !this.refreshWhenVisible) return;
    this.refreshWhenVisible = false;
    if (this.now() >= this.token.refreshAt) this.refresh().catch(() => this.retryLater());
  }

  private receive(data: unknown): void {
    const message = parseTabMessage(data);
    if (!message) return;
    switch (message.type) {
      case "hello":
        if (this.state.status === "signedIn") this.publishToken();
        return;
      case "session": {
        if (this.token?.accessToken === message.accessToken) return;
        const expiresAt = this.now() + message.remainingMs;
        if (!isUsable(expiresAt, this.now())) return;
        // Keep whichever token lives longer: messages from two tabs can cross.
        if (this.token && this.token.expiresAt >= expiresAt) return;
        this.adopt(message.accessToken, message.remainingMs, message.user);
        return;
      }
      case "signedOut":
        if (this.state.status !== "signedOut") this.end(message.reason, false, message.cause);
        // Already out (a refused refresh got here first), and now we also know why.
        else if (message.cause && !this.state.cause && this.state.reason === message.reason)
          this.end(message.reason, false, message.cause);
        return;
    }
  }

  private publishToken(): void {
    if (!this.token || this.state.status !== "signedIn") return;
    const remainingMs = this.token.expiresAt - this.now();
    if (!isUsable(this.token.expiresAt, this.now())) return;
    this.post({
      type: "session",
      accessToken: this.token.accessToken,
      remainingMs,
      user: this.state.user,
    });
  }

  private post(message: TabMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // A closed channel (page going away) has nobody left to tell.
    }
  }

  private setState(next: AuthState): void {
    const prev = this.state;
    if (
      prev.status === next.status &&
      prev.reason === next.reason &&
      (prev.status === "signedOut" ? prev.cause : undefined) ===
        (next.status === "signedOut" ? next.cause : undefined) &&
      sameUser(prev.user, next.user)
    )
      return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

export function createAuthClient(options?: AuthClientOptions): AuthClient {
  return new AuthClient(options);
}
