/**
 * A migrated embedded database made once and copied for every server of later runs: a first
 * start migrates a fresh database (seconds on an idle machine, a minute on a loaded one), a copy
 * takes a fraction of a second. Keyed by what makes the schema (e.g. a hash of the migrations),
 * so a new migration makes a new template.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The template for `key` under `cacheDir`, made by `make(dataDir)` (start a server on it, then
 * stop it) when missing. Concurrent runs may both make it: the first rename wins.
 */
export async function databaseTemplate(
  cacheDir: string,
  key: string,
  make: (dataDir: string) => Promise<void>,
): Promise<string> {
  const template = join(cacheDir, key);
  if (existsSync(template)) return template;
  mkdirSync(cacheDir, { recursive: true });
  const building = join(cacheDir, `${key}.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  await make(building);
  try {
    renameSync(building, template);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(template)) throw error;
  }
  return template;
}

/** A fresh data directory at `dataDir`, copied from `template`. */
export function copyTemplate(template: string, dataDir: string): void {
  cpSync(template, dataDir, { recursive: true });
}
