import pg from "pg";
const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 });
const sub = "00000000-0000-0000-0000-000000000000";
const sql = `SELECT (SELECT token_version FROM users WHERE id = $1::uuid) AS ver, EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $2::uuid) AS denied, EXISTS (SELECT 1 FROM sessions WHERE id = $3::uuid AND revoked_at IS NULL) AS live`;
for (const named of [false, true]) {
  const end = performance.now() + 3000; let n = 0;
  const c0 = process.cpuUsage();
  while (performance.now() < end) { await pool.query(named ? { name: "rv", text: sql, values: [sub, sub, sub] } : { text: sql, values: [sub, sub, sub] }); n++; }
  const c = process.cpuUsage(c0);
  console.log(named ? "prepared" : "unnamed", n, "user", c.user / n, "sys", c.system / n, "us/op");
}
await pool.end();
