/* eslint-disable no-restricted-properties -- the test runner is configured from its environment */
import { rm } from "node:fs/promises";

/** The test servers' databases are throwaway: remove them (the servers stop right after). */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.E2E_DATA_DIR;
  if (dir?.includes("authkit-e2e-")) await rm(dir, { recursive: true, force: true });
}
