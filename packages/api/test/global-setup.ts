import { fileURLToPath } from "node:url";

import { ensureBuilt } from "@authkit/build/ensure";

/**
 * Suites that start the server as a process start the compiled one (what production runs):
 * build it and the packages it imports when their dist/ is missing or older than the source.
 */
export default function setup(): void {
  const dir = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));
  ensureBuilt([
    dir("config"),
    dir("db"),
    dir("password-strength"),
    dir("auth"),
    dir("mail"),
    dir("api"),
  ]);
}
