/**
 * docs/testing.md's examples, kept honest: every ```ts block preceded by
 * `<!-- spec: name.spec.ts -->` is written to apps/web/e2e-docs/ (not committed), which the
 * `docs` project runs against the `app` server. Blocks without the marker are not run; the
 * document says why next to each.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { WEB } from "./web-dir";

export const DOC = join(WEB, "..", "..", "docs", "testing.md");
export const DOC_SPECS_DIR = join(WEB, "e2e-docs");

/** The marked examples of the document: file name and code. */
export function docSpecs(markdown: string): { file: string; code: string }[] {
  const marked = /<!-- spec: ([\w.-]+\.spec\.ts) -->\s*```ts\n([\s\S]*?)```/g;
  return [...markdown.matchAll(marked)].map((match) => ({ file: match[1]!, code: match[2]! }));
}

/** Writes the examples (a file only when its code changed) and removes the ones gone. */
export function extractDocSpecs(): void {
  const specs = docSpecs(readFileSync(DOC, "utf8"));
  mkdirSync(DOC_SPECS_DIR, { recursive: true });
  const header = "// Generated from docs/testing.md by e2e/doc-specs.ts: edit the document.\n";
  for (const { file, code } of specs) {
    const path = join(DOC_SPECS_DIR, file);
    const content = header + code;
    if (!existsSync(path) || readFileSync(path, "utf8") !== content) writeFileSync(path, content);
  }
  const wanted = new Set(specs.map((spec) => spec.file));
  for (const file of readdirSync(DOC_SPECS_DIR))
    if (!wanted.has(file)) rmSync(join(DOC_SPECS_DIR, file));
}
