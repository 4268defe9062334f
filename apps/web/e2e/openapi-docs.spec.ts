import { expect, test } from "./fixtures";

/**
 * The interactive reference at /api/docs (Swagger UI served from swagger-ui-dist, no CDN):
 * "Authorize" with the OAuth2 password flow as Swagger UI sends it (client credentials in an
 * empty Basic header), then "Execute" on user.me answers 200, under the page's own CSP (the
 * fixtures fail any CSP violation).
 */
test("authorizes with email and password and calls user.me from /api/docs", async ({
  page,
  user,
}) => {
  const response = await page.goto("/api/docs");
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");

  await page.locator("button.authorize").first().click();
  const dialog = page.locator(".dialog-ux");
  await dialog.locator("#oauth_username").fill(user.email);
  await dialog.locator("#oauth_password").fill(user.password);
  const granted = page.waitForResponse((r) => r.url().endsWith("/api/auth/token"));
  await dialog.locator("button.modal-btn.auth.authorize").first().click();
  expect((await granted).status()).toBe(200);
  await expect(dialog.locator("button", { hasText: "Logout" }).first()).toBeVisible();
  await dialog.locator("button.close-modal").click();

  const operation = page.locator(".opblock").filter({ hasText: "/api/trpc/user.me" });
  await operation.locator(".opblock-summary").first().click();
  const called = page.waitForResponse((r) => r.url().includes("/api/trpc/user.me"));
  await operation.locator("button.execute").click();
  const me = await called;
  expect(me.status()).toBe(200);
  expect(me.request().headers()["authorization"]).toMatch(/^Bearer /);
  await expect(
    operation.locator(".live-responses-table td.response-col_status:not(.col_header)"),
  ).toContainText("200");
  await expect(operation.locator(".live-responses-table")).toContainText(user.email);
});
