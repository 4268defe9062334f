/**
 * Live sessions on the WebSocket transport (LIVE_TRANSPORT=ws, the "ws" server): the signed-in
 * browser holds one socket to ws://host/api/trpc?ticket=… (a single-use ticket from
 * `auth.ticket`, never the access token) and leaves for /login once its session is revoked from
 * another browser (the latency is reported, never asserted: see ./session-events.ts).
 */
import type { Page, WebSocket } from "@playwright/test";

import {
  expect,
  leavesForLogin,
  reportLatency,
  sessionEventsLive,
  signedInContext,
  test,
  watchSignOut,
} from "./fixtures";

const isLiveSocket = (url: string) => new URL(url).pathname === "/api/trpc";

/** Every live socket the page opens, with how it ended. */
function watchSockets(page: Page) {
  const sockets: { url: string; closed: boolean }[] = [];
  page.on("websocket", (socket: WebSocket) => {
    if (!isLiveSocket(socket.url())) return;
    const entry = { url: socket.url(), closed: false };
    sockets.push(entry);
    socket.on("close", () => (entry.closed = true));
  });
  return sockets;
}

test("revoking a device from another browser signs this one out, over a WebSocket", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}, testInfo) => {
  const laptop = await signedInContext(browser, baseURL!, user);
  // The first page's socket is open before anything is counted; the reload opens a new one.
  await sessionEventsLive(laptop.page);
  const sockets = watchSockets(laptop.page);
  const streams: string[] = [];
  laptop.page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/trpc/session.events") streams.push(request.url());
  });
  await laptop.page.reload();
  await sessionEventsLive(laptop.page);
  await expect(laptop.page.locator("html")).toHaveAttribute("data-session-transport", "ws");
  // One socket, opened with a ticket in its URL; no server-sent-events stream.
  expect(sockets).toHaveLength(1);
  const ticket = new URL(sockets[0]!.url).searchParams.get("ticket");
  expect(ticket).toMatch(/^[\w-]{22,128}$/);
  expect(sockets[0]!.url).not.toMatch(/eyJ/);
  expect(streams).toEqual([]);
  await watchSignOut(laptop.page);

  await page.getByRole("link", { name: "Sessions" }).click();
  const list = page.getByRole("list", { name: "Active sessions" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const answer = page.waitForResponse((r) => r.url().includes("session.revoke"));
  await list
    .getByRole("listitem")
    .filter({ hasNotText: "This device" })
    .getByRole("button", { name: /^Revoke/ })
    .click();
  expect((await answer).ok()).toBe(true);
  const revoked = Date.now();
  await expect(page.getByText("Session revoked")).toBeVisible();

  reportLatency(
    testInfo,
    "revoked browser, over a WebSocket",
    await leavesForLogin(laptop.page, "You were signed out on another device.", revoked),
  );
  await expect.poll(() => sockets.every((s) => s.closed)).toBe(true);
  // Signed out: no new socket is opened.
  expect(sockets).toHaveLength(1);

  // The browser that revoked stays signed in, live over its own socket.
  await expect(page).toHaveURL("/sessions");
  await sessionEventsLive(page);
  await expect(page.locator("html")).toHaveAttribute("data-session-transport", "ws");
  await laptop.page.context().close();
});
