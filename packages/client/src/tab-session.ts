import { parseTabMessage, type ChannelLike, type TabMessage } from "./channel";
import type { HeldToken, RefreshTimer } from "./refresh-timer";
import { isUsable, refreshDelayMs } from "./schedule";
import type { AuthState, AuthUser, SessionEndCause, SignOutReason } from "./types";

const LOADING: AuthState = { status: "loading", user: null, reason: null };

const sameUser = (a: AuthUser | null, b: AuthUser | null) =>
  a === b ||
  (!!a && !!b && a.id === b.id && a.email === b.email && a.name === b.name && a.role === b.role);

/** Whether a UI would render `a` and `b` alike: then the state object is kept as it is. */
function sameState(a: AuthState, b: AuthState): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    (a.status === "signedOut" ? a.cause : undefined) ===
      (b.status === "signedOut" ? b.cause : undefined) &&
    sameUser(a.user, b.user)
  );
}

export interface TabSessionDeps {
  /** Cross-tab channel; null when this tab is alone. */
  channel: ChannelLike | null;
  /** The device clock, used only for durations. */
  now: () => number;
  /** Holding a token schedules its refresh; ending the session cancels it. */
  timer: Pick<RefreshTimer, "schedule" | "cancel">;
}

/**
 * What one tab holds of the session and shares with the other tabs of the origin: the access
 * token (in memory only), the state a UI renders, and a generation bumped on every change of
 * token, by which a refresh that waited can tell that another one won. Every token and every
 * sign-out is told to the other tabs, and what they tell is taken in (checked, never trusted).
 */
export class TabSession {
  private held: HeldToken | null = null;
  private current: AuthState = LOADING;
  private changes = 0;
  private readonly listeners = new Set<() => void>();
  /** Wakes `askOtherTabs` once a token arrived or the session ended. */
  private settled: (() => void) | null = null;

  constructor(private readonly deps: TabSessionDeps) {
    deps.channel?.addEventListener("message", (event) => this.receive(event.data));
  }

  get token(): HeldToken | null {
    return this.held;
  }

  get state(): AuthState {
    return this.current;
  }

  /** Bumped on every change of token, signed in or out. */
  get generation(): number {
    return this.changes;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Holds a fresh token (from the server or another tab) and schedules its refresh. */
  adopt(accessToken: string, remainingMs: number, user: AuthUser): void {
    const now = this.deps.now();
    const delay = refreshDelayMs(remainingMs);
    this.held = { accessToken, expiresAt: now + remainingMs, refreshAt: now + delay };
    this.changes++;
    this.deps.timer.schedule(delay);
    this.setState({ status: "signedIn", user, reason: null });
    this.settled?.();
  }

  /** Signs this tab out; with `broadcast`, a logout or an ended session signs the others out too. */
  end(reason: SignOutReason, broadcast: boolean, cause?: SessionEndCause): void {
    this.held = null;
    this.changes++;
    this.deps.timer.cancel();
    this.setState(
      cause
        ? { status: "signedOut", user: null, reason, cause }
        : { status: "signedOut", user: null, reason },
    );
    if (broadcast && (reason === "logout" || reason === "ended"))
      this.post(cause ? { type: "signedOut", reason, cause } : { type: "signedOut", reason });
    this.settled?.();
  }

  /** The server could not be asked at start-up: signed out, and nothing to tell the others. */
  unreachable(): void {
    this.setState({ status: "signedOut", user: null, reason: "unreachable" });
  }

  /**
   * Asks the other tabs for a fresh token: resolves when one arrives, when the session ends
   * meanwhile, or after `timeoutMs` when no tab answered.
   */
  async askOtherTabs(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, timeoutMs);
      this.settled = () => {
        clearTimeout(timeout);
        resolve();
      };
      this.post({ type: "hello" });
    });
    this.settled = null;
  }

  /** Hands the token held to every other tab, with the time it has left. */
  publishToken(): void {
    if (!this.held || this.current.status !== "signedIn") return;
    const remainingMs = this.held.expiresAt - this.deps.now();
    if (!isUsable(this.held.expiresAt, this.deps.now())) return;
    this.post({
      type: "session",
      accessToken: this.held.accessToken,
      remainingMs,
      user: this.current.user,
    });
  }

  close(): void {
    this.deps.channel?.close();
    this.listeners.clear();
  }

  private receive(data: unknown): void {
    const message = parseTabMessage(data);
    if (!message) return;
    switch (message.type) {
      case "hello":
        if (this.current.status === "signedIn") this.publishToken();
        return;
      case "session": {
        if (this.held?.accessToken === message.accessToken) return;
        const expiresAt = this.deps.now() + message.remainingMs;
        if (!isUsable(expiresAt, this.deps.now())) return;
        // Keep whichever token lives longer: messages from two tabs can cross.
        if (this.held && this.held.expiresAt >= expiresAt) return;
        this.adopt(message.accessToken, message.remainingMs, message.user);
        return;
      }
      case "signedOut":
        if (this.current.status !== "signedOut") this.end(message.reason, false, message.cause);
        // Already out (a refused refresh got here first), and now we also know why.
        else if (message.cause && !this.current.cause && this.current.reason === message.reason)
          this.end(message.reason, false, message.cause);
        return;
    }
  }

  private post(message: TabMessage): void {
    try {
      this.deps.channel?.postMessage(message);
    } catch {
      // A closed channel (page going away) has nobody left to tell.
    }
  }

  private setState(next: AuthState): void {
    if (sameState(this.current, next)) return;
    this.current = next;
    for (const listener of this.listeners) listener();
  }
}
