/**
 * What a test stream or socket has received so far, and a wait for the first item (past or
 * future) that matches: it resolves as soon as one arrives, and fails at once when the stream
 * has ended without one. A condition, never a clock: how long the machine takes is the test
 * timeout's business, not the wait's.
 */
export interface Arrivals<T> {
  items: T[];
  push: (item: T) => void;
  /** The stream is over: waits that have not matched fail now. */
  end: () => void;
  waitFor: (predicate: (item: T) => boolean) => Promise<T>;
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
    waitFor: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = items.find(predicate);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`ended without the ${noun}; got ${JSON.stringify(items)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}
