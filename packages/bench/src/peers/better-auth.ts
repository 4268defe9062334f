/**
 * The peer: better-auth (pinned) on plain `node:http`, email + password, sessions in
 * PostgreSQL through its built-in Kysely adapter (a `pg` Pool passed as `database`).
 *
 *   GET  /session          `auth.api.getSession({ headers })`: 200 with the user, 401 without
 *   *    /api/auth/*       better-auth's own handler (sign-up, sign-in)
 *
 *   node --import tsx src/peers/better-auth.ts --port 4100 --database-url postgresql://… \
 *        --secret <hex> [--cookie-cache] [--migrate]
 *
 * `--migrate` creates better-auth's tables with its own migrator and exits. `--cookie-cache`
 * turns on `session.cookieCache` (a signed copy of the session in a cookie, so most checks
 * skip the database), its documented fast path.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { fromNodeHeaders, toNodeHandler } from "better-auth/node";
import pg from "pg";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "database-url": { type: "string" },
    secret: { type: "string" },
    "cookie-cache": { type: "boolean", default: false },
    migrate: { type: "boolean", default: false },
  },
});

const databaseUrl = values["database-url"];
const secret = values.secret;
if (!databaseUrl || !secret) {
  console.error(
    "usage: better-auth.ts --database-url <url> --secret <secret> [--port n] [--cookie-cache] [--migrate]",
  );
  process.exit(2);
}
const port = Number(values.port);

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const options = {
  database: pool,
  secret,
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: { enabled: true },
  session: values["cookie-cache"] ? { cookieCache: { enabled: true, maxAge: 5 * 60 } } : {},
  // The bench signs in a handful of users from one address; nothing to throttle.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
} as const;

if (values.migrate) {
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  await pool.end();
  process.exit(0);
}

const auth = betterAuth(options);
const authHandler = toNodeHandler(auth);

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url.startsWith("/api/auth/")) {
    void authHandler(req, res);
    return;
  }
  if (url === "/health") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    return;
  }
  if (url === "/session") {
    auth.api.getSession({ headers: fromNodeHeaders(req.headers) }).then(
      (session) => {
        if (!session) {
          res
            .writeHead(401, { "content-type": "application/json" })
            .end('{"error":"unauthorized"}');
          return;
        }
        const { id, email, name } = session.user;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ id, email, name }));
      },
      () => res.writeHead(500).end(),
    );
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, "127.0.0.1");

process.once("SIGTERM", () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
