import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

import lockfile from "proper-lockfile";

/**
 * One process per embedded data directory. PGlite is single-process PostgreSQL: two processes on
 * one directory each see their own copy of the data (an account registered through one does not
 * exist on the other) and may corrupt it. So the directory is locked for as long as a process
 * has it open (servers, `pnpm db:migrate`, `pnpm users:import`).
 *
 * The lock is proper-lockfile's `<dir>.lock` directory (an atomic mkdir, kept fresh by the
 * holder), with the holder's PID and host written beside it so the refusal can name them. A
 * lock left by a process that was killed is taken over at once when its PID is gone on this
 * host; from another host (a shared volume), once proper-lockfile finds it stale.
 */
export class DataDirLockedError extends Error {
  readonly code = "DATA_DIR_LOCKED";
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; host: string } | undefined,
  ) {
    const who = holder
      ? `process ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`}`
      : "another process";
    super(
      `The embedded database at ${dataDir} is in use by ${who}: only one process may open it at a time (stop that one first, or give this one its own DATA_DIR; for several instances use DATABASE_URL)`,
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** What the internal migration child gets: its parent holds the directory's lock. */
export const HELD_BY_PARENT: DataDirLock = { release: () => Promise.resolve() };

/** Seconds without a refresh after which another host may take the lock over. */
const STALE_MS = 30_000;

const lockPath = (dataDir: string) => `${dataDir}.lock`;
const holderPath = (dataDir: string) => `${dataDir}.lock.pid`;

function readHolder(dataDir: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(holderPath(dataDir), "utf8").trim().split(" ");
    const number = Number(pid);
    return Number.isSafeInteger(number) && number > 0 && host ? { pid: number, host } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tryLock(dataDir: string, onCompromised: (error: Error) => void) {
  return lockfile.lock(dataDir, {
    realpath: false,
    lockfilePath: lockPath(dataDir),
    stale: STALE_MS,
    retries: 0,
    onCompromised,
  });
}

/**
 * Takes the directory's lock or throws DataDirLockedError naming the holder. `onCompromised`
 * hears of a lock that was taken away (its directory removed by hand, a clock jump).
 */
export async function lockDataDir(
  dataDir: string,
  { onCompromised = () => undefined }: { onCompromised?: (error: Error) => void } = {},
): Promise<DataDirLock> {
  let release: () => Promise<void>;
  mkdirSync(dirname(dataDir), { recursive: true });
  try {
    release = await tryLock(dataDir, onCompromised);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    const holder = readHolder(dataDir);
    const deadHere = holder && holder.host === hostname() && !isAlive(holder.pid);
    if (!deadHere) throw new DataDirLockedError(dataDir, holder);
    // Left by a process that no longer exists (killed, crashed): take it over. Renaming the
    // holder's file is the claim: of several processes starting at once, one succeeds.
    const claim = `${holderPath(dataDir)}.${process.pid}`;
    try {
      renameSync(holderPath(dataDir), claim);
    } catch {
      throw new DataDirLockedError(dataDir, readHolder(dataDir));
    }
    rmSync(claim, { force: true });
    rmSync(lockPath(dataDir), { recursive: true, force: true });
    try {
      release = await tryLock(dataDir, onCompromised);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== "ELOCKED") throw again;
      throw new DataDirLockedError(dataDir, readHolder(dataDir));
    }
  }
  writeFileSync(holderPath(dataDir), `${process.pid} ${hostname()}\n`);
  return {
    release: async () => {
      rmSync(holderPath(dataDir), { force: true });
      await release().catch(() => undefined);
    },
  };
}
