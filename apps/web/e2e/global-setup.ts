/* eslint-disable no-restricted-properties -- a global setup hands its results to the workers through the environment */
/**
 * Before any test: build the app if the build is older than its sources (however the run was
 * started: `pnpm test`, `npx playwright test e2e/x.spec.ts`, an editor), then start the servers
 * of the projects the run selected, and the mailbox. The returned function stops them and
 * removes their databases.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { FullConfig } from "@playwright/test";

import {
  AUTHKIT_ENV,
  cliTestArgs,
  copyTemplate,
  databaseTemplate,
  selectedProjects,
  startAuthkitServer,
  startMailSpool,
  type AuthkitServer,
} from "@authkit/testing/server";

import { ensureWebBuild } from "./ensure-build.mjs";
import { chromiumPath, E2E_ADMIN } from "./env";
import { COMMON_ENV, SERVERS, SMTP_PORT, TEMPLATE_PORT, type ServerName } from "./servers";
import { WEB } from "./web-dir";

const MIGRATIONS = join(WEB, "..", "..", "prisma", "migrations");

/** What the schema is made of: every migration's name and SQL. */
function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(MIGRATIONS, { recursive: true }).map(String).sort()) {
    hash.update(name);
    if (name.endsWith(".sql")) hash.update(readFileSync(join(MIGRATIONS, name)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * A migrated database with the e2e admin, made by a first start when the migrations changed
 * (apps/web/node_modules/.cache/authkit-e2e), copied for every server.
 */
function e2eDatabase(): Promise<string> {
  return databaseTemplate(
    join(WEB, "node_modules", ".cache", "authkit-e2e"),
    `db-${migrationsHash()}`,
    async (dataDir) => {
      const server = await startAuthkitServer({
        appDir: WEB,
        port: TEMPLATE_PORT,
        dataDir,
        env: COMMON_ENV,
      });
      await server.stop();
    },
  );
}

/** The servers the selected projects name in `metadata.server`. */
function serversToStart(config: FullConfig): ServerName[] {
  const selected = new Set(selectedProjects(cliTestArgs(), config.projects));
  const names = config.projects
    .filter((project) => selected.has(project.name))
    .map((project) => (project.metadata as { server?: ServerName }).server)
    .filter((name): name is ServerName => name !== undefined);
  return [...new Set(names)];
}

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  // Without a browser there is nothing to serve (the fixtures skip every test, see ./env).
  if (!chromiumPath()) return () => Promise.resolve();
  const start = Date.now();
  const build = ensureWebBuild();
  const built = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), "authkit-e2e-"));
  process.env[AUTHKIT_ENV.adminEmail] = E2E_ADMIN.email;
  process.env[AUTHKIT_ENV.adminPassword] = E2E_ADMIN.password;
  const names = serversToStart(config);
  const spool = names.includes("app")
    ? await startMailSpool({ port: SMTP_PORT, dir: join(dataDir, "mail") })
    : null;
  if (spool) process.env[AUTHKIT_ENV.mailboxDir] = spool.dir;
  const template = names.length ? await e2eDatabase() : null;
  const started: AuthkitServer[] = [];
  const teardown = async () => {
    await Promise.all(started.map((server) => server.stop()));
    await spool?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      names.map(async (name) => {
        const { port, env } = SERVERS[name];
        if (template) copyTemplate(template, join(dataDir, name));
        started.push(
          await startAuthkitServer({
            appDir: WEB,
            port,
            dataDir: join(dataDir, name),
            env: { ...COMMON_ENV, ...env },
          }),
        );
      }),
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `e2e: build ${build} (${seconds(built - start)}); started ${names.join(", ") || "no server"} (${seconds(Date.now() - built)})`,
  );
  return teardown;
}
