/** Which projects a command line selects, over a throwaway test folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { cliTestArgs, selectedProjects, type ProjectFiles } from "../src/selected-projects";

const dir = mkdtempSync(join(tmpdir(), "selected-projects-"));
mkdirSync(join(dir, "e2e"));
for (const file of ["sessions.spec.ts", "expiry.spec.ts", "live-ws.spec.ts", "helpers.ts"])
  writeFileSync(join(dir, "e2e", file), "");
const DEFAULT_MATCH = "**/*.@(spec|test).?(c|m)[jt]s?(x)";
const testDir = join(dir, "e2e");
const PROJECTS: ProjectFiles[] = [
  { name: "app", testDir, testMatch: DEFAULT_MATCH, testIgnore: /(expiry|live-ws)\.spec\.ts/ },
  { name: "short-ttl", testDir, testMatch: /expiry\.spec\.ts/, testIgnore: [] },
  { name: "ws", testDir, testMatch: /live-ws\.spec\.ts/, testIgnore: [] },
  { name: "docs", testDir: join(dir, "missing"), testMatch: DEFAULT_MATCH, testIgnore: [] },
];

describe("selectedProjects", () => {
  it.each([
    [[], ["app", "short-ttl", "ws", "docs"]],
    [["e2e/sessions.spec.ts"], ["app"]],
    [["e2e/sessions.spec.ts:12"], ["app"]],
    [["sessions", "--workers", "1", "--reporter=list"], ["app"]],
    [
      ["expiry", "live-ws"],
      ["short-ttl", "ws"],
    ],
    [["-g", "expiry", "sessions"], ["app"]],
    [["--project", "ws"], ["ws"]],
    [["--project=short-ttl", "sessions"], []],
    [["helpers"], []],
    [["--last-failed"], ["app", "short-ttl", "ws", "docs"]],
  ])("%j → %j", (args, expected) => {
    expect(selectedProjects(args, PROJECTS)).toEqual(expected);
  });

  it("reads the arguments after `test`", () => {
    expect(cliTestArgs(["node", "cli.js", "test", "a.spec.ts", "-j", "1"])).toEqual([
      "a.spec.ts",
      "-j",
      "1",
    ]);
  });
});
