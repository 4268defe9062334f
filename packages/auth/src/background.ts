/**
 * Work a request starts but does not wait for (issuing a mailed token and queueing its mail),
 * so that the answer's timing does not depend on it: a reset request for a known email must
 * take as long as one for an unknown email. Failures go to `onError`; `settled()` lets tests
 * and shutdown wait for what is in flight.
 */
export interface Background {
  run(task: () => Promise<void>): void;
  settled(): Promise<void>;
}

export function createBackground(onError: (error: unknown) => void): Background {
  const inFlight = new Set<Promise<void>>();
  return {
    run(task) {
      const running = Promise.resolve()
        .then(task)
        .catch(onError)
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
