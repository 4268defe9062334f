import { expect, signIn, stallSessionEvents, test } from "./fixtures";

test("lists this browser's sessions and revokes another device's", async ({
  browser,
  baseURL,
  signedInPage: { page, user },
}) => {
  const laptop = await browser.newContext({ baseURL });
  // This test is about the fallback: a laptop whose live stream never gets through (a proxy
  // that buffers event streams) still learns on its next request. live.spec.ts covers the
  // stream signing it out at once.
  await stallSessionEvents(laptop);
  const laptopPage = await laptop.newPage();
  await signIn(laptopPage, user);

  await page.getByRole("link", { name: "Sessions" }).click();
  const list = page.getByRole("list", { name: "Active sessions" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const current = list.getByRole("listitem").filter({ hasText: "This device" });
  await expect(current).toHaveCount(1);
  await expect(current.getByRole("button")).toHaveCount(0);

  const other = list.getByRole("listitem").filter({ hasNotText: "This device" });
  await other.getByRole("button", { name: /^Revoke/ }).click();
  await expect(page.getByText("Session revoked")).toBeVisible();
  await expect(list.getByRole("listitem")).toHaveCount(1);

  // The revoked browser is signed out on its very next request, not minutes later.
  await laptopPage.getByRole("link", { name: "Sessions" }).click();
  await expect(laptopPage).toHaveURL(/\/login\?next=%2Fsessions/);
  await expect(laptopPage.getByText("Your session has ended")).toBeVisible();

  // This browser is unaffected.
  await page.reload();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await laptop.close();
});
