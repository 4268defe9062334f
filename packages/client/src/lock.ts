/**
 * One refresh at a time across every tab of the origin, through the Web Locks API.
 *
 * A lock that is never released must not hang sign-in forever (supabase-js#2106): waiting is
 * bounded, and when the wait times out the holder is presumed stuck and the lock is stolen, so
 * this tab can go on and the tabs queued behind it are serialized behind us again.
 */

/** The slice of `LockManager` used here (lets tests pass a fake). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<T>,
  ): Promise<T>;
}

export function browserLocks(): LockManagerLike | null {
  // Web Locks need a secure context (https or localhost); elsewhere this tab still serializes
  // its own refreshes, and BroadcastChannel still shares the results.
  const locks =
    typeof navigator === "undefined" ? undefined : (navigator as { locks?: LockManagerLike }).locks;
  return locks ?? null;
}

export async function withLock<T>(
  locks: LockManagerLike | null,
  name: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  if (!locks) return work();
  let granted = false;
  // A plain timer rather than `AbortSignal.timeout()`: it runs on the same timers as the rest of
  // the client (so tests drive it with fake timers), and it is cleared as soon as the lock is ours.
  const wait = new AbortController();
  const timer = setTimeout(
    () => wait.abort(new DOMException("lock wait timed out", "TimeoutError")),
    timeoutMs,
  );
  const run = () => {
    granted = true;
    clearTimeout(timer);
    return work();
  };
  try {
    return await locks.request(name, { signal: wait.signal }, run);
  } catch (error) {
    // Only a wait that timed out falls through; a failure of `work` itself is the caller's.
    if (granted) throw error;
    return locks.request(name, { steal: true }, run);
  } finally {
    clearTimeout(timer);
  }
}
