/**
 * What a page asked the API and what it was told, call by call: for tests that check a flow's
 * requests (one refresh, no unretried failure) and wait until the page has nothing more to ask.
 */
import { expect, type Page, type Request, type Response } from "@playwright/test";

/** A tRPC error as the API's formatter shapes it. */
interface TrpcError {
  message: string;
  data?: { code?: string; httpStatus?: number; zodError?: unknown };
}

/** One tRPC call as the browser saw it; batched requests count once per procedure. */
export interface ApiCall {
  path: string;
  status: number;
  at: number;
}

/** Records one answer as a call per procedure it answered (per-procedure status of a batch). */
async function record(response: Response, calls: ApiCall[]): Promise<void> {
  const url = new URL(response.url());
  if (!url.pathname.startsWith("/api/trpc/")) return;
  const paths = decodeURIComponent(url.pathname.slice("/api/trpc/".length)).split(",");
  const at = Date.now();
  if (response.headers()["content-type"]?.includes("text/event-stream")) {
    calls.push({ path: paths[0]!, status: response.status(), at });
    return;
  }
  let bodies: unknown[] = [];
  try {
    const json: unknown = await response.json();
    bodies = Array.isArray(json) ? json : [json];
  } catch {
    // A body the page consumed or a non-JSON answer: fall back to the HTTP status.
  }
  paths.forEach((path, i) => {
    const body = bodies[i] as { error?: TrpcError } | undefined;
    const status = body?.error
      ? (body.error.data?.httpStatus ?? response.status())
      : body
        ? 200
        : response.status();
    calls.push({ path, status, at });
  });
}

/**
 * Records every tRPC call the page makes with its per-procedure outcome (a batch answers 207
 * when its calls disagree, so statuses come from the body).
 *
 * A subscription (`session.events`) answers with an event stream that stays open for the life
 * of the page: it is recorded by its HTTP status when it opens, and its body is never awaited
 * (that would keep `settle()` waiting until the page closes). A refused ticket is a plain 401
 * JSON answer, recorded like any call: the client's next attempt must succeed.
 */
export function watchApi(page: Page): {
  calls: ApiCall[];
  settle: () => Promise<void>;
  idle: () => Promise<void>;
} {
  const calls: ApiCall[] = [];
  const pending = new Set<Promise<void>>();
  // tRPC requests sent and not yet answered (event streams excluded: they stay open).
  const inFlight = new Set<Request>();
  const isCall = (request: Request) => {
    const { pathname } = new URL(request.url());
    return pathname.startsWith("/api/trpc/") && !pathname.startsWith("/api/trpc/session.events");
  };
  page.on("request", (request) => {
    if (isCall(request)) inFlight.add(request);
  });
  page.on("requestfinished", (request) => inFlight.delete(request));
  page.on("requestfailed", (request) => inFlight.delete(request));
  page.on("response", (response) => {
    const done = record(response, calls).finally(() => pending.delete(done));
    pending.add(done);
  });
  const settle = async () => void (await Promise.all(pending));
  /**
   * Resolves when the page has nothing more to ask: two animation frames (React has run the
   * effects of what it last rendered, so any request they make has been sent), then no call in
   * flight, then every answer recorded.
   */
  const idle = async () => {
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
        ),
    );
    await expect.poll(() => inFlight.size, { message: "tRPC calls still in flight" }).toBe(0);
    await settle();
  };
  return { calls, settle, idle };
}

/**
 * Every call that failed with 401 was retried and then succeeded: the user never saw it.
 * Refresh itself must never fail while signed in (a failure would mean reuse detection fired).
 */
export function expectNoUnretriedFailures(calls: ApiCall[]): void {
  const failedRefresh = calls.filter((c) => c.path === "auth.refresh" && c.status !== 200);
  expect(failedRefresh, "failed refreshes").toEqual([]);
  const unretried = calls.filter(
    (c, i) =>
      c.status >= 400 &&
      !calls.slice(i + 1).some((later) => later.path === c.path && later.status === 200),
  );
  expect(unretried, "failed calls never retried successfully").toEqual([]);
}
