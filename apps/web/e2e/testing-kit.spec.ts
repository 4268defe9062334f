/**
 * @authkit/testing's fixtures as this app's specs meet them: who `admin` and `api` are, and
 * `signedInPage` both as a page and destructured.
 */
import { expect, test } from "./fixtures";

test("admin is the server's admin, and api.as(admin) calls as them", async ({ admin, api }) => {
  const me = await api.as(admin).user.me.query();
  expect(me).toMatchObject({ id: admin.id, email: admin.email, role: "admin" });
});

test("api without a signed-in page is the test's user, and nobody with as(null)", async ({
  user,
  api,
}) => {
  expect((await api.user.me.query()).id).toBe(user.id);
  await expect(api.as(null).user.me.query()).rejects.toThrow();
});

test("signedInPage is the test's page, signed in as user", async ({ signedInPage, page, user }) => {
  expect(signedInPage.page).toBe(page);
  expect(signedInPage.user).toBe(user);
  await page.goto("/");
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
});
