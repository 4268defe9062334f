/** Small HTTP helpers for setting up users, tokens and sessions before a load run. */

export interface Login {
  accessToken: string;
  /** `name=value` of the refresh cookie. */
  refreshCookie: string;
}

/** `name=value` pairs of every Set-Cookie header. */
export function cookiePairs(setCookies: readonly string[]): string[] {
  return setCookies
    .map((cookie) => cookie.split(";")[0]?.trim() ?? "")
    .filter((pair) => pair.includes("=") && !pair.endsWith("="));
}

async function trpcMutation(
  baseUrl: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${baseUrl}/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data?: unknown }; error?: unknown };
  return { res, body };
}

export async function register(baseUrl: string, email: string, password: string): Promise<void> {
  const { res, body } = await trpcMutation(baseUrl, "auth.register", {
    email,
    password,
    name: "Bench",
  });
  // 409: already there from an earlier phase on the same database.
  if (!res.ok && res.status !== 409)
    throw new Error(`register ${email}: ${res.status} ${JSON.stringify(body)}`);
}

export async function login(baseUrl: string, email: string, password: string): Promise<Login> {
  const { res, body } = await trpcMutation(baseUrl, "auth.login", { email, password });
  if (!res.ok) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(body)}`);
  const data = body.result?.data as { accessToken: string };
  const refreshCookie = cookiePairs(res.headers.getSetCookie()).find((pair) =>
    pair.includes("refresh_token="),
  );
  if (!refreshCookie) throw new Error(`login ${email}: no refresh cookie`);
  return { accessToken: data.accessToken, refreshCookie };
}

export async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `task` over `items`, `width` at a time. */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T, index);
      }
    }),
  );
  return results;
}
