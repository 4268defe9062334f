import { expect } from "vitest";

import { call, signedInAdmin, type SignedIn, type TestServer } from "./harness";

/** Every way a session can be ended from outside it, named as `session.events` reports it. */
export type RevocationCause =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "session_revoked"
  | "role_changed"
  | "refresh_token_reused"
  | "token_revoked"
  | "user_disabled"
  | "revoked_by_admin";

/**
 * Ends `user`'s session the way `cause` says, over HTTP as a client would: from the user's
 * `other` session, from an admin's, or by replaying the refresh token past the reuse grace.
 */
export async function revokeSession(
  server: TestServer,
  cause: RevocationCause,
  user: SignedIn,
  other: SignedIn,
): Promise<void> {
  const base = server.url;
  const adminCall = async (path: string, input: unknown) => {
    const admin = await signedInAdmin(server);
    const done = await call(base, "mutation", path, { token: admin.accessToken, input });
    expect(done.status).toBe(200);
  };
  switch (cause) {
    case "logout":
      await call(base, "mutation", "auth.logout", { token: user.accessToken, cookie: user.cookie });
      return;
    case "logout_all":
      await call(base, "mutation", "auth.logoutAll", { token: other.accessToken });
      return;
    case "password_changed":
      await call(base, "mutation", "auth.changePassword", {
        token: other.accessToken,
        input: { currentPassword: user.password, newPassword: "another good password" },
      });
      return;
    case "session_revoked": {
      const sessions = await call<{ id: string; current: boolean }[]>(
        base,
        "query",
        "session.list",
        { token: other.accessToken },
      );
      const target = sessions.data.find((s) => !s.current)!;
      await call(base, "mutation", "session.revoke", {
        token: other.accessToken,
        input: { id: target.id },
      });
      return;
    }
    case "role_changed":
      return adminCall("admin.setRole", { userId: user.userId, role: "admin" });
    case "user_disabled":
      return adminCall("admin.disableUser", { userId: user.userId });
    case "revoked_by_admin":
      return adminCall("admin.revokeSessions", { userId: user.userId });
    case "refresh_token_reused":
      await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
      server.clock.advance(11); // past the reuse grace: a replay is theft
      try {
        await call(base, "mutation", "auth.refresh", { cookie: user.cookie });
      } finally {
        server.clock.advance(-11);
      }
      return;
    case "token_revoked": {
      const revoked = await fetch(`${base}/api/auth/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: user.accessToken }).toString(),
      });
      expect(revoked.status).toBe(200);
    }
  }
}
