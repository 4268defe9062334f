/**
 * What a test stream or socket has received so far, and a wait for the first item (past or
 * future) that matches: it resolves as soon as one arrives, and fails at once when the stream
 * has ended without one, or after the timeout. A condition, never a sleep.
 */
export interface Arrivals<T> {
  items: T[];
  push: (item: T) => void;
  /** The stream is over: waits that have not matched fail now. */
  end: () => void;
  waitFor: (predicate: (item: T) => boolean, timeoutMs?: number) => Promise<T>;
}

/** `noun` names an item in failure messages ("event", "message"). */
export function arrivals<T>(noun: string): Arrivals<T> {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wake = () => {
    for (const check of waiters) check();
  };
  return {
    items,
    push(item) {
      items.push(item);
      wake();
    },
    end() {
      ended = true;
      wake();
    },
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const settle = (error?: Error) => {
          waiters.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
        };
        const check = () => {
          const found = items.find(predicate);
          if (found) {
            settle();
            resolve(found);
          } else if (ended) {
            settle(new Error(`ended without the ${noun}; got ${JSON.stringify(items)}`));
          }
        };
        const timer = setTimeout(
          () =>
            settle(
              new Error(`no matching ${noun} within ${timeoutMs} ms; got ${JSON.stringify(items)}`),
            ),
          timeoutMs,
        );
        waiters.add(check);
        check();
      }),
  };
}
