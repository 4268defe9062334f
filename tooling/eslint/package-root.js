import { existsSync, readFileSync } from "node:fs";
import { dirname, join, parse } from "node:path";

/** The directory of the nearest package.json at or above `dir`, and its name. */
export function packageOf(dir) {
  const { root } = parse(dir);
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8"));
      return { dir: current, name: typeof name === "string" ? name : current };
    }
    if (current === root) return null;
  }
}

/** Whether `path` is `dir` or inside it. */
export const isInside = (path, dir) => path === dir || path.startsWith(`${dir}/`);

/** Whether a specifier is a path (relative or absolute) rather than a package name. */
export const isPath = (specifier) =>
  specifier === "." ||
  specifier === ".." ||
  specifier.startsWith("./") ||
  specifier.startsWith("../") ||
  specifier.startsWith("/");

/** Whether `specifier` names `pkg` or one of its subpaths. */
export const namesPackage = (specifier, pkg) =>
  specifier === pkg || specifier.startsWith(`${pkg}/`);
