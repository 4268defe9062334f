/**
 * Local development entry point:
 *
 *   tsx src/cli.ts --port 8079 --token dev-token [--host 127.0.0.1] [--redis redis://127.0.0.1:6379]
 *
 * The redis URL comes from --redis, then $REDIS_URL, then the default. The
 * token comes from --token or $UPSTASH_REDIS_REST_TOKEN and is never printed.
 */
import { parseArgs } from "node:util";
import { startUpstashRest } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8079" },
    host: { type: "string", default: "127.0.0.1" },
    token: { type: "string" },
    redis: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const usage =
  "usage: tsx src/cli.ts --token <token> [--port 8079] [--host 127.0.0.1] [--redis <redis-url>]";
if (values.help) {
  console.log(usage);
  process.exit(0);
}

// A dev tool outside the app: it reads its two variables itself instead of through @authkit/config.
/* eslint-disable no-restricted-properties */
const token = values.token ?? process.env["UPSTASH_REDIS_REST_TOKEN"];
const redisUrl = values.redis ?? process.env["REDIS_URL"];
/* eslint-enable no-restricted-properties */
const port = Number(values.port);
if (!token || !Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(usage);
  process.exit(2);
}

const endpoint = await startUpstashRest({ token, port, host: values.host, redisUrl });

console.log(`Upstash REST endpoint listening on ${endpoint.url}`);
console.log(`  UPSTASH_REDIS_REST_URL=${endpoint.url}`);
console.log("  UPSTASH_REDIS_REST_TOKEN=<the token you passed>");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void endpoint.close().then(() => process.exit(0));
  });
}
