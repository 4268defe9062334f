/**
 * A real HTTP server in the test process speaking Have I Been Pwned's range protocol, for the
 * breach-check tests: the server under test makes the same request it makes in production (the
 * real service cannot be reached here), and the test reads what was asked.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RangeApi {
  /** The range endpoint, for PASSWORD_BREACH_CHECK_URL (the prefix is appended). */
  url: string;
  /** Every request received: the path's last segment (the prefix) and the headers. */
  requests: { prefix: string; headers: IncomingHttpHeaders }[];
  /** How the next requests are answered (a down service, a broken proxy…). */
  answer: "ranges" | "status-503" | "hang" | "garbage";
  close(): Promise<void>;
}

/**
 * Knows `breached` (each seen `count` times). Answers like the real service: every suffix under
 * the prefix as `SUFFIX:COUNT` lines, plus decoys with count 0 when `Add-Padding: true` is sent.
 */
export async function startRangeApi({
  breached = [] as string[],
  count = 42,
} = {}): Promise<RangeApi> {
  const hashes = breached.map((password) =>
    createHash("sha1").update(password, "utf8").digest("hex").toUpperCase(),
  );
  const requests: RangeApi["requests"] = [];
  const hanging = new Set<ServerResponse>();
  const api: Omit<RangeApi, "url" | "close"> = { requests, answer: "ranges" };
  const server = createServer((req, res) => {
    const prefix = (req.url ?? "").split("/").pop() ?? "";
    requests.push({ prefix, headers: req.headers });
    if (api.answer === "hang") return void hanging.add(res);
    if (api.answer === "status-503") return void res.writeHead(503).end("Service Unavailable");
    if (api.answer === "garbage") return void res.writeHead(200).end("<html>captive portal</html>");
    const lines = hashes.filter((h) => h.startsWith(prefix)).map((h) => `${h.slice(5)}:${count}`);
    if (req.headers["add-padding"] === "true") {
      for (let i = 0; i < 800; i++)
        lines.push(`${randomBytes(18).toString("hex").slice(0, 35).toUpperCase()}:0`);
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}/range/`,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

export {
  SoftwareAuthenticator,
  type AuthenticatorOptions,
  type CeremonyOverrides,
} from "./passkeys/software-authenticator";
