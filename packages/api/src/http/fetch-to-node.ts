import type { IncomingMessage, ServerResponse } from "node:http";

import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";

/** Writes a Fetch `Response` to a node response, keeping each `Set-Cookie` a header of its own. */
export async function writeFetchResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Answers a node request with a Fetch handler (for low-traffic endpoints, where building Fetch
 * objects costs nothing that matters). The body stream errors past `maxBodySize`.
 */
export function serveFetchOnNode(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodySize: number,
  handle: (request: Request) => Promise<Response>,
): void {
  void (async () => {
    let response: Response;
    try {
      response = await handle(incomingMessageToRequest(req, res, { maxBodySize }));
    } catch {
      // Only a request Node accepted but Fetch cannot represent (e.g. a bad Host header).
      response = new Response("Malformed request\n", { status: 400 });
    }
    await writeFetchResponse(res, response);
  })().catch(() => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
