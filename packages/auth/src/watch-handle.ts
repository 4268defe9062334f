import type { SessionWatch, StreamEndReason } from "./live";

/** A watch, and the hand that ends it with a reason: what a stream's owner keeps. */
export interface WatchHandle {
  watch: SessionWatch;
  /** Resolves `ended` with the reason and aborts `signal`; the first call wins. */
  end(reason: StreamEndReason): void;
}

/** The abort reason of a watch its stream closed (rather than the session ending it). */
export const WATCH_CLOSED = "closed";

/**
 * A watch whose `onFinish` runs exactly once, when it is ended or closed, before anyone
 * listening on its signal hears of it (so a listener finds the owner's books already balanced).
 */
export function createWatchHandle(onFinish: () => void): WatchHandle {
  const controller = new AbortController();
  let resolveEnded!: (reason: StreamEndReason) => void;
  const ended = new Promise<StreamEndReason>((resolve) => (resolveEnded = resolve));
  const finish = (then: () => void) => {
    if (controller.signal.aborted) return;
    onFinish();
    then();
  };
  return {
    watch: {
      signal: controller.signal,
      ended,
      close: () => finish(() => controller.abort(WATCH_CLOSED)),
    },
    end: (reason) =>
      finish(() => {
        resolveEnded(reason);
        controller.abort(reason);
      }),
  };
}
