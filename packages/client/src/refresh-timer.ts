import { isUsable } from "./schedule";
import type { VisibilitySource } from "./visibility";

/** The access token a tab holds, with when it expires and when it is due for a refresh. */
export interface HeldToken {
  accessToken: string;
  expiresAt: number;
  refreshAt: number;
}

export interface RefreshTimerDeps {
  /** The device clock, used only for durations. */
  now: () => number;
  visibility: VisibilitySource;
  /** The token held now; null while signed out. */
  token: () => HeldToken | null;
  /** Rejects on network trouble: the timer then tries again while the token has life left. */
  refresh: () => Promise<unknown>;
}

/**
 * The one scheduled refresh of a tab: shortly before its token expires (see ./schedule). A hidden
 * tab needs no token until it is shown or makes a call, so its timer only notes that a refresh is
 * due; the visible tabs keep the session fresh and share their tokens.
 */
export class RefreshTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshWhenVisible = false;
  private readonly stopWatchingVisibility: () => void;

  constructor(private readonly deps: RefreshTimerDeps) {
    this.stopWatchingVisibility = deps.visibility.onVisible(() => this.becameVisible());
  }

  /** Replaces any pending refresh with one in `delayMs`. */
  schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.refreshWhenVisible = false;
    this.timer = setTimeout(() => this.fire(), delayMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    this.cancel();
    this.stopWatchingVisibility();
  }

  private fire(): void {
    if (!this.deps.token()) return;
    if (!this.deps.visibility.isVisible()) {
      this.refreshWhenVisible = true;
      return;
    }
    this.deps.refresh().catch(() => this.retryLater());
  }

  /** After a failed scheduled refresh (network): try again while the token still has life. */
  private retryLater(): void {
    const token = this.deps.token();
    if (!token) return;
    const now = this.deps.now();
    if (isUsable(token.expiresAt, now)) this.schedule(Math.min(5_000, (token.expiresAt - now) / 2));
  }

  private becameVisible(): void {
    const token = this.deps.token();
    if (!token || !this.refreshWhenVisible) return;
    this.refreshWhenVisible = false;
    if (this.deps.now() >= token.refreshAt) this.deps.refresh().catch(() => this.retryLater());
  }
}
