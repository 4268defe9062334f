import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createAuthClient, type AuthClient, type AuthClientOptions } from "../src/auth-client";
import { withLock } from "../src/lock";
import { FakeChannelHub, FakeLocks, FakeServer, FakeTime } from "./fakes";

/** Several tabs of one browser: one lock manager, one channel, one cookie (the fake server). */
function browser(server = new FakeServer()) {
  const locks = new FakeLocks();
  const hub = new FakeChannelHub();
  const time = new FakeTime(hub);
  const tabs: AuthClient[] = [];
  const open = (options: AuthClientOptions = {}) => {
    const tab = createAuthClient({
      transport: server.transport(),
      locks,
      channel: hub.join(),
      helloTimeoutMs: 30,
      visibility: { isVisible: () => true, onVisible: () => () => undefined },
      ...options,
    });
    tabs.push(tab);
    return tab;
  };
  return { server, locks, hub, time, tabs, open };
}

let opened: AuthClient[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const tab of opened) tab.dispose();
  opened = [];
  vi.useRealTimers();
});

function track(b: ReturnType<typeof browser>) {
  opened = b.tabs;
  return b;
}

describe("AuthClient", () => {
  it("restores the session from the cookie once, however often it is started", async () => {
    const { server, open, time } = track(browser());
    const tab = open();
    await time.run(Promise.all([tab.start(), tab.start(), tab.getAccessToken()]));
    expect(server.rotations).toBe(1);
    expect(tab.getState()).toMatchObject({
      status: "signedIn",
      user: { email: "ada@example.com" },
    });
    expect(await tab.getAccessToken()).toBe("token-1");
  });

  it("lets a new tab take the token of an open tab instead of rotating the cookie", async () => {
    const { server, open, time } = track(browser());
    await time.run(open().start());
    const second = open();
    await time.run(second.start());
    expect(server.rotations).toBe(1);
    expect(await second.getAccessToken()).toBe("token-1");
  });

  it("signs out quietly when there never was a session", async () => {
    const server = new FakeServer();
    server.alive = false;
    const { hub, open, time } = track(browser(server));
    const tab = open();
    await time.run(tab.start());
    expect(tab.getState()).toEqual({ status: "signedOut", user: null, reason: null });
    // Another tab might be logging in right now: nothing is broadcast.
    expect(hub.sent.filter((m) => (m as { type: string }).type === "signedOut")).toEqual([]);
  });

  it("rotates once when several tabs need a refresh at the same moment", async () => {
    const { server, open, time } = track(browser());
    const tabs = [open(), open(), open()];
    await time.run(tabs[0]!.start());
    await time.run(Promise.all(tabs.slice(1).map((tab) => tab.start())));
    expect(server.rotations).toBe(1);
    const tokens = await time.run(Promise.all(tabs.map((tab) => tab.refresh())));
    expect(server.rotations).toBe(2);
    expect(tokens).toEqual(["token-2", "token-2", "token-2"]);
  });

  it("after a 401 refreshes only if nobody replaced the rejected token yet", async () => {
    const { server, open, time } = track(browser());
    const tab = open();
    await time.run(tab.start());
    expect(await time.run(tab.afterUnauthorized("token-1"))).toBe("token-2");
    // A second call that failed with the old token reuses the new one.
    expect(await time.run(tab.afterUnauthorized("token-1"))).toBe("token-2");
    expect(server.rotations).toBe(2);
  });

  it("signs every tab out on logout, and revokes with the access token", async () => {
    const { server, open, time } = track(browser());
    const [a, b] = [open(), open()];
    await time.run(a.start());
    await time.run(b.start());
    await time.run(a.logout());
    await time.flush();
    expect(server.logouts).toEqual(["token-1"]);
    expect(a.getState()).toMatchObject({ status: "signedOut", reason: "logout" });
    expect(b.getState()).toMatchObject({ status: "signedOut", reason: "logout" });
    expect(await b.getAccessToken()).toBeNull();
  });

  it("ends the session in every tab when the server refuses a refresh", async () => {
    const { server, open, time } = track(browser());
    const [a, b] = [open(), open()];
    await time.run(a.start());
    await time.run(b.start());
    server.alive = false;
    expect(await time.run(a.afterUnauthorized("token-1"))).toBeNull();
    await time.flush();
    expect(a.getState()).toMatchObject({ status: "signedOut", reason: "ended" });
    expect(b.getState()).toMatchObject({ status: "signedOut", reason: "ended" });
  });

  it("says in every tab why the server ended the session, even in a tab already signed out", async () => {
    const { server, open, time } = track(browser());
    const [a, b, c] = [open(), open(), open()];
    await time.run(Promise.all([a.start(), b.start(), c.start()]));
    // Tab c found out first, from a refused refresh, without knowing why.
    server.alive = false;
    expect(await time.run(c.refresh())).toBeNull();
    expect(c.getState()).toEqual({ status: "signedOut", user: null, reason: "ended" });
    a.forget("ended", "password_changed");
    await time.flush();
    for (const tab of [a, b, c]) {
      expect(tab.getState()).toEqual({
        status: "signedOut",
        user: null,
        reason: "ended",
        cause: "password_changed",
      });
    }
    // A later deliberate logout is not relabelled by a cause.
    b.forget("logout");
    await time.flush();
    expect(a.getState()).toEqual({
      status: "signedOut",
      user: null,
      reason: "ended",
      cause: "password_changed",
    });
  });

  it("signs in every open tab when one logs in", async () => {
    const server = new FakeServer();
    server.alive = false;
    const { open, time } = track(browser(server));
    const [a, b] = [open(), open()];
    await time.run(Promise.all([a.start(), b.start()]));
    a.signedIn({
      accessToken: "login-token",
      tokenType: "Bearer",
      expiresIn: 900,
      user: { id: "u", email: "x@y.z", name: null, role: "admin" },
    });
    await time.flush();
    expect(b.getState()).toMatchObject({ status: "signedIn", user: { role: "admin" } });
    expect(await time.run(b.getAccessToken())).toBe("login-token");
  });

  it("stays signed out when a logout lands while a refresh is on the wire", async () => {
    const { server, open, time } = track(browser());
    const tab = open();
    await time.run(tab.start());
    server.latencyMs = 50;
    const refreshing = tab.refresh();
    await time.advance(10);
    tab.forget("logout");
    expect(await time.run(refreshing)).toBeNull();
    expect(tab.getState()).toMatchObject({ status: "signedOut", reason: "logout" });
  });

  it("steals a lock that another tab never released instead of hanging", async () => {
    const { server, locks, open, time } = track(browser());
    locks.holdForever();
    const tab = open({ lockTimeoutMs: 50 });
    await time.run(tab.start());
    expect(tab.getState().status).toBe("signedIn");
    expect(server.rotations).toBe(1);
  });
});

describe("AuthClient timing", () => {
  it("schedules the refresh from expiresIn, whatever the device clock says", async () => {
    const server = new FakeServer();
    server.latencyMs = 0;
    // A device clock a day ahead: a client comparing it with `exp` would refresh in a loop.
    const { open } = track(browser(server));
    const tab = open({ now: () => Date.now() + 86_400_000 });
    const started = tab.start();
    await vi.advanceTimersByTimeAsync(100);
    await started;
    expect(server.rotations).toBe(1);
    await vi.advanceTimersByTimeAsync(14 * 60_000 - 200);
    expect(server.rotations).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(server.rotations).toBe(2);
    // And nothing else: no polling between refreshes.
    await vi.advanceTimersByTimeAsync(13 * 60_000);
    expect(server.rotations).toBe(2);
  });

  it("leaves a hidden tab's refresh until it is shown", async () => {
    const server = new FakeServer();
    server.latencyMs = 0;
    server.expiresIn = 60;
    let visible = false;
    let show: () => void = () => undefined;
    const { open } = track(browser(server));
    const tab = open({
      visibility: {
        isVisible: () => visible,
        onVisible: (callback) => {
          show = callback;
          return () => undefined;
        },
      },
    });
    const started = tab.start();
    await vi.advanceTimersByTimeAsync(100);
    await started;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.rotations).toBe(1);
    visible = true;
    show();
    await vi.advanceTimersByTimeAsync(100);
    expect(server.rotations).toBe(2);
  });

  it("gives up restoring after three network failures and says so", async () => {
    const server = new FakeServer();
    const { open } = track(browser(server));
    const failing = {
      refresh: () => Promise.reject(new TypeError("Failed to fetch")),
      logout: () => Promise.resolve(),
    };
    const tab = open({ transport: failing });
    const started = tab.start();
    await vi.advanceTimersByTimeAsync(5_000);
    await started;
    expect(tab.getState()).toEqual({ status: "signedOut", user: null, reason: "unreachable" });
  });
});

describe("withLock", () => {
  it("does not run the work twice when the work itself fails", async () => {
    const locks = new FakeLocks();
    let runs = 0;
    const work = () => {
      runs++;
      return Promise.reject(new DOMException("fetch timed out", "TimeoutError"));
    };
    await expect(withLock(locks, "x", 1_000, work)).rejects.toThrow("fetch timed out");
    expect(runs).toBe(1);
  });
});
