import { errorAlerts, expect, test } from "./fixtures";

test("pages carry a strict CSP and the other security headers", async ({ request }) => {
  for (const path of ["/", "/login", "/sessions"]) {
    const response = await request.get(path);
    const headers = response.headers();
    const csp = headers["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["x-powered-by"]).toBeUndefined();
  }
});

test("tokens never reach storage, the URL or script-readable cookies; the CSP is never violated", async ({
  page,
  context,
  user,
}) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);
  for (const link of ["Sessions", "Account"]) {
    await page.getByRole("link", { name: link }).click();
    await expect(errorAlerts(page)).toHaveCount(0);
  }
  await page.reload();
  await expect(page.getByTestId("user-email")).toHaveText(user.email);

  const exposed = await page.evaluate(() => ({
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
    url: location.href,
  }));
  // A JWT starts with "eyJ"; the refresh token is an HttpOnly cookie.
  expect(exposed.storage).not.toMatch(/eyJ|refresh/i);
  expect(exposed.cookies).not.toMatch(/refresh/i);
  expect(exposed.url).not.toMatch(/eyJ|token/i);

  const refresh = (await context.cookies()).find((c) => c.name.endsWith("refresh_token"));
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api" });
  expect(violations).toEqual([]);
});
