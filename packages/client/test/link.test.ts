import { createTRPCUntypedClient, TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import { describe, expect, it } from "vitest";

import { authLink, bearerHeaders } from "../src/link";

/** A server stand-in: accepts only the tokens in `valid`, records what each call carried. */
function fakeServer(valid: Set<string>) {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const link: TRPCLink<AnyTRPCRouter> =
    () =>
    ({ op }) =>
      observable((observer) => {
        const headers = bearerHeaders({ op }) as Record<string, string>;
        const authorization = headers.authorization;
        seen.push({ path: op.path, authorization });
        const token = authorization?.replace("Bearer ", "");
        if (op.path === "auth.login" || (token && valid.has(token))) {
          observer.next({ result: { type: "data", data: { ok: true, path: op.path } } });
          observer.complete();
        } else {
          observer.error(
            TRPCClientError.from({
              error: {
                code: -32001,
                message: "Unauthorized",
                data: { code: "UNAUTHORIZED", httpStatus: 401 },
              },
            }),
          );
        }
      });
  return { seen, link };
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
    const client = createTRPCUntypedClient<AnyTRPCRouter>({
      links: [authLink({ tokens: t }), server.link],
    });
    await expect(client.query("user.me")).resolves.toEqual({ ok: true, path: "user.me" });
    expect(t.calls).toEqual(["stale"]);
    expect(server.seen.map((s) => s.authorization)).toEqual(["Bearer stale", "Bearer fresh"]);
  });

  it("gives up after the one retry", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", "also-rejected");
    const client = createTRPCUntypedClient<AnyTRPCRouter>({
      links: [authLink({ tokens: t }), server.link],
    });
    await expect(client.query("user.me")).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(server.seen).toHaveLength(2);
    expect(t.calls).toHaveLength(1);
  });

  it("returns the 401 when the session is over", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", null);
    const client = createTRPCUntypedClient<AnyTRPCRouter>({
      links: [authLink({ tokens: t }), server.link],
    });
    await expect(client.mutation("session.revoke", { id: "x" })).rejects.toBeInstanceOf(
      TRPCClientError,
    );
    expect(server.seen).toHaveLength(1);
  });

  it("sends login without a token and never retries its 401", async () => {
    const server = fakeServer(new Set());
    const t = tokens("stale", "fresh");
    const client = createTRPCUntypedClient<AnyTRPCRouter>({
      links: [authLink({ tokens: t }), server.link],
    });
    await client.mutation("auth.login", { email: "a@b.c", password: "x" });
    expect(server.seen).toEqual([{ path: "auth.login", authorization: undefined }]);
    expect(t.calls).toEqual([]);
  });
});
