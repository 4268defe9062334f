import { createHash } from "node:crypto";

/**
 * Whether a password appears in a breach corpus, asked by k-anonymity: Have I Been Pwned's range
 * API (https://haveibeenpwned.com/API/v3#PwnedPasswords) receives the first 5 hex digits of the
 * password's SHA-1 and answers every suffix it knows under that prefix, padded with decoys
 * (`Add-Padding: true`) so the answer's size says nothing either. The password, its hash and
 * even the prefix stay out of every log line.
 */
export type BreachVerdict =
  | { breached: boolean }
  /** The service did not answer usably: callers fail open (and say so in the log). */
  | { unavailable: "timeout" | "unreachable" | "status" | "malformed" };

export type BreachedPasswordCheck = (password: string) => Promise<BreachVerdict>;

export interface RangeApiOptions {
  /** The range endpoint; the prefix is appended (`https://api.pwnedpasswords.com/range/`). */
  url: string;
  timeoutMs: number;
  /** The HTTP client (tests may count calls); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
}

/** A real answer is ~1,000 lines of 40 bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 1024 * 1024;
const LINE = /^([0-9A-F]{35}):(\d+)$/;

/** Asks the range API about each password; never throws. */
export function rangeApiCheck({
  url,
  timeoutMs,
  fetch = globalThis.fetch,
}: RangeApiOptions): BreachedPasswordCheck {
  return async (password) => {
    const sha1 = createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
    const [prefix, suffix] = [sha1.slice(0, 5), sha1.slice(5)];
    let body: string;
    try {
      const response = await fetch(`${url}${prefix}`, {
        headers: { "add-padding": "true", "user-agent": "authkit-password-check" },
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return { unavailable: "status" };
      }
      const text = await readBounded(response);
      if (text === null) return { unavailable: "malformed" };
      body = text;
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return { unavailable: timedOut ? "timeout" : "unreachable" };
    }
    return breachedIn(body, suffix);
  };
}

/** The suffix's line, if any; padding lines (count 0) are decoys. */
function breachedIn(body: string, suffix: string): BreachVerdict {
  let breached = false;
  for (const line of body.split(/\r?\n/)) {
    if (line === "") continue;
    const match = LINE.exec(line.toUpperCase());
    if (!match) return { unavailable: "malformed" };
    if (match[1] === suffix && Number(match[2]) > 0) breached = true;
  }
  return { breached };
}

/** The body as text, or null past MAX_BODY_BYTES. */
async function readBounded(response: Response): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
