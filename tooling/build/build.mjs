#!/usr/bin/env node
/**
 * `authkit-build [extra-entry.ts …]`, run in a workspace package: compiles every TypeScript entry
 * point of its package.json `exports` (plus the extra entries, e.g. a CLI) to `dist/` as ESM, so
 * production runs JavaScript and never a TypeScript loader.
 *
 * Each export is written as
 *
 *   ".": { "authkit-dist": "./dist/index.js", "default": "./src/index.ts" }
 *
 * Node picks the compiled file when started with `--conditions=authkit-dist` (the production
 * commands); everything else (tsx in development, vitest, Next's bundler, TypeScript) ignores
 * the unknown condition and reads the source. Dependencies stay external (bare imports, workspace
 * packages included): each one is resolved at run time from the package that imports it, exactly
 * as pnpm laid it out, and workspace packages resolve to their own `dist/` through the same
 * condition. Code shared by several entries goes into chunks, so module state exists once.
 */
import { readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

import { build } from "esbuild";

const CONDITION = "authkit-dist";

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"));
const problems = [];
const entryPoints = {};

function add(source, target) {
  const out = target.replace(/^\.\/dist\//, "").replace(/\.js$/, "");
  entryPoints[out] = join(cwd, source);
}

for (const [subpath, value] of Object.entries(pkg.exports ?? {})) {
  if (typeof value === "string") {
    if (value.endsWith(".ts"))
      problems.push(
        `exports["${subpath}"] points at TypeScript source only; write it as { "${CONDITION}": "./dist/….js", "default": "${value}" } so production code can import it`,
      );
    continue;
  }
  const source = value.default;
  const target = value[CONDITION];
  if (typeof source !== "string" || !source.endsWith(".ts")) continue;
  if (typeof target !== "string" || !/^\.\/dist\/.+\.js$/.test(target)) {
    problems.push(`exports["${subpath}"]: "${CONDITION}" must name a file under ./dist/`);
    continue;
  }
  add(source, target);
}
for (const extra of process.argv.slice(2)) {
  add(extra, `./dist/${extra.replace(/^(\.\/)?src\//, "").replace(/\.ts$/, ".js")}`);
}
if (problems.length > 0) {
  console.error(`${pkg.name}: cannot build\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}

rmSync(join(cwd, "dist"), { recursive: true, force: true });
const started = performance.now();
await build({
  entryPoints,
  outdir: join(cwd, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Bare imports (node_modules and other workspace packages) are loaded at run time.
  packages: "external",
  sourcemap: true,
  // Stack traces point at the TypeScript source.
  sourcesContent: false,
  logLevel: "warning",
});
const names = Object.keys(entryPoints)
  .map((name) => relative(cwd, join(cwd, "dist", `${name}.js`)))
  .join(", ");
console.log(`${pkg.name}: ${names} in ${Math.round(performance.now() - started)} ms`);
