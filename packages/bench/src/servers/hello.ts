/**
 * The physical ceiling: a bare `node:http` handler that answers what `health` answers.
 *
 *   node src/servers/hello.ts --port 4000   (through tsx)
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
const body = JSON.stringify({ result: { data: { ok: true } } });

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end(body);
});
server.listen(Number(values.port), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
