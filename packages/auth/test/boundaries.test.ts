import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

import { boundaries } from "@authkit/eslint-config/boundaries";

/** The arrows between packages are lint rules: an import against them fails `pnpm lint`. */
async function messages(pkg: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: boundaries(pkg),
  });
  const [result] = await eslint.lintText(code, { filePath: `packages/${pkg}/src/probe.ts` });
  return result!.messages.map((m) => m.message);
}

describe("package boundaries", () => {
  it.each([
    ["auth", 'import { appRouter } from "@authkit/api";'],
    ["auth", 'import "@authkit/web/server";'],
    ["db", 'import { createAuth } from "@authkit/auth";'],
    ["db", 'import { ticketProcedure } from "@authkit/auth/trpc";'],
    ["api", 'import { createAuthClient } from "@authkit/client";'],
    ["config", 'import { openDatabase } from "@authkit/db";'],
    ["mail", 'import { loadConfig } from "@authkit/config";'],
    ["auth", 'import { createMailer } from "@authkit/mail";'],
  ])("%s may not import: %s", async (pkg, code) => {
    expect((await messages(pkg, code)).join("\n")).toMatch(/import is restricted/);
  });

  it.each([
    ["api", 'import { createAuth } from "@authkit/auth";'],
    ["auth", 'import { openDatabase } from "@authkit/db";'],
    ["db", 'import { loadConfig } from "@authkit/config";'],
  ])("%s may import: %s", async (pkg, code) => {
    expect(await messages(pkg, code)).toEqual([]);
  });
});
