import { bearerToken, createAuth } from "@acme/auth";
import { loadConfig } from "@acme/config";
import { openDatabase } from "@acme/db";
const url = process.argv[2]!;
const config = loadConfig({ NODE_ENV: "production", AUTH_SECRET: "5f1c9b2e8d7a4630b1e2c3d4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e", DATA_DIR: "/tmp/x" });
const db = await openDatabase({ url });
const auth = await createAuth({ config, db });
const email = `p-${Date.now()}@example.com`;
await auth.service.register({ email, password: "correct horse battery" });
const pair = await auth.service.login({ email, password: "correct horse battery" });
const headers = new Headers({ authorization: `Bearer ${pair.accessToken}` });
const end = performance.now() + 4000;
let n = 0;
const c0 = process.cpuUsage();
while (performance.now() < end) { await auth.service.authenticate(bearerToken(headers)); n++; }
const c = process.cpuUsage(c0);
console.log(n, "user", c.user / n, "sys", c.system / n, "us/op");
await db.close();
