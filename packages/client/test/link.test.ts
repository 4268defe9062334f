import { createTRPCUntypedClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import { describe, expect, it } from "vitest";

import { authLink, bearerHeaders } from "../src/link";

const URL_BASE = "http://api.test/api/trpc";

/**
 * A server stand-in at the HTTP level: it reads the `Authorization` header of the request it
 * receives (as the real API does), accepts only the tokens in `valid`, and records what each
 * call carried. The client's chain is the production one, `authLink` then a terminating link
 * whose headers come from `bearerHeaders`, so a header that never reached the request fails here.
 */
function fakeServer(valid: Set<string>) {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const fetchFromServer = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname.replace("/api/trpc/", "");
    const authorization = request.headers.get("authorization") ?? undefined;
    seen.push({ path, authorization });
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    if (path === "auth.login" || (token && valid.has(token)))
      return Promise.resolve(Response.json({ result: { data: { ok: true, path } } }));
    return Promise.resolve(
      Response.json(
        {
          error: {
            code: -32001,
            message: "Unauthorized",
            data: { code: "UNAUTHORIZED", httpStatus: 401, path },
          },
        },
        { status: 401 },
      ),
    );
  };
  const client = (tokens: Parameters<typeof authLink>[0]["tokens"]) =>
    createTRPCUntypedClient<AnyTRPCRouter>({
      links: [
        authLink({ tokens }),
        httpLink({ url: URL_BASE, fetch: fetchFromServer, headers: bearerHeaders }),
      ],
    });
  return { seen, client };
}

function tokens(initial: string | null, next: string | null) {
  const calls: string[] = [];
  return {
    calls,
    getAccessToken: () => Promise.resolve(initial),
    afterUnauthorized: (sent: string) => {
      calls.push(sent);
      return Promise.resolve(next);
    },
  };
}

describe("authLink", () => {
  it("attaches the token, and on a 401 refreshes once and retries once", async () => {
    const server = fakeServer(new Set(["fresh"]));
    const t = tokens("stale", "fresh");
    const client = server.client(t);
    await expect(client.query("user.me")).resolves.toEqual({ ok: true, path: "user.me" });
    expect(t.calls).toEqual(["stale"]);
    expect(server.seen.map((s) => s.authorization)).toEqual(["Bearer stale", "Bearer fresh"]);
  });

  it("gives up after the one retry", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", "also-rejected");
    const client = server.client(t);
    await expect(client.query("user.me")).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(server.seen).toHaveLength(2);
    expect(t.calls).toHaveLength(1);
  });

  it("returns the 401 when the session is over", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", null);
    const client = server.client(t);
    await expect(client.mutation("session.revoke", { id: "x" })).rejects.toBeInstanceOf(
      TRPCClientError,
    );
    expect(server.seen).toHaveLength(1);
  });

  it("sends login without a token and never retries its 401", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", "fresh");
    const client = server.client(t);
    await client.mutation("auth.login", { email: "a@b.c", password: "x" });
    expect(server.seen).toEqual([{ path: "auth.login", authorization: undefined }]);
    expect(t.calls).toEqual([]);
  });
});

describe("bearerHeaders", () => {
  const op = (context: Record<string, unknown>) =>
    ({ id: 1, type: "query", path: "user.me", input: undefined, context, signal: null }) as const;

  it("reads the token authLink left on the operation, for a call or the first of a batch", async () => {
    // The token authLink attaches, read back through a link placed after it.
    let attached: Record<string, unknown> = {};
    const client = createTRPCUntypedClient<AnyTRPCRouter>({
      links: [
        authLink({
          tokens: {
            getAccessToken: () => Promise.resolve("t-1"),
            afterUnauthorized: () => Promise.resolve(null),
          },
        }),
        () =>
          ({ op: sent }) => {
            attached = sent.context;
            return observable((observer) => {
              observer.next({ result: { type: "data", data: null } });
              observer.complete();
            });
          },
      ],
    });
    await client.query("user.me");
    expect(bearerHeaders({ op: op(attached) })).toEqual({ authorization: "Bearer t-1" });
    expect(bearerHeaders({ opList: [op(attached), op({})] })).toEqual({
      authorization: "Bearer t-1",
    });
  });

  it("sends no header without a token", () => {
    expect(bearerHeaders({ op: op({}) })).toEqual({});
    expect(bearerHeaders({ op: op({ accessToken: null }) })).toEqual({});
    expect(bearerHeaders({ opList: [] })).toEqual({});
  });
});
