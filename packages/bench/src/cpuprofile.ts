/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): top functions by self time, and self
 * time grouped by package, so "where does the time go" has a short answer.
 *
 *   node --import tsx src/cpuprofile.ts <file.cpuprofile> [--top 25] [--last <seconds>]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  micros: number;
  share: number;
}

/** Where a script URL belongs: the npm package, our workspace package, or node internals. */
export function packageOf(url: string): string {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return "node internals";
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm?.[1]) return pnpm[1];
  const plain = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (plain?.[1]) return plain[1];
  const ours = /\/(packages|apps|tooling)\/([^/]+)\//.exec(url);
  if (ours) return `@authkit/${ours[2]}`;
  return url.replace(/^file:\/\//, "");
}

/**
 * Self time per function and per package. `lastSeconds` keeps only the samples of the final
 * window before the profile ended (the load run, when the server is stopped right after it).
 */
export function summarize(
  profile: Profile,
  { lastSeconds, window }: { lastSeconds?: number; window?: readonly [number, number] } = {},
): { total: number; functions: SelfTime[]; packages: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Sample times are CLOCK_MONOTONIC microseconds, the clock of process.hrtime in any process.
  const from = window ? window[0] : lastSeconds ? profile.endTime - lastSeconds * 1e6 : -Infinity;
  const to = window ? window[1] : Infinity;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    const delta = Math.max(0, deltas[i] ?? 0);
    at += delta;
    if (at < from || at > to) continue;
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, SelfTime>();
  const packages = new Map<string, SelfTime>();
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url);
    const name = functionName || "(anonymous)";
    const where = url ? `${pkg}:${url.split("/").pop() ?? ""}:${lineNumber + 1}` : pkg;
    const key = `${name}@${where}`;
    const fn = functions.get(key) ?? { name, where, micros: 0, share: 0 };
    fn.micros += micros;
    functions.set(key, fn);
    const group = packages.get(pkg) ?? { name: pkg, where: "", micros: 0, share: 0 };
    group.micros += micros;
    packages.set(pkg, group);
  }
  const ranked = (map: Map<string, SelfTime>) =>
    [...map.values()]
      .map((entry) => ({ ...entry, share: entry.micros / total }))
      .sort((a, b) => b.micros - a.micros);
  return { total, functions: ranked(functions), packages: ranked(packages) };
}

export function formatSummary(
  file: string,
  top = 25,
  lastSeconds?: number,
  window?: { label: string; from: number; to: number },
): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const { total, functions, packages } = summarize(profile, {
    ...(lastSeconds ? { lastSeconds } : {}),
    ...(window ? { window: [window.from, window.to] as const } : {}),
  });
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${window ? `${window.label} — ` : ""}${file}: ${(total / 1000).toFixed(0)} ms sampled`,
    "",
    "self time by package:",
  ];
  for (const p of packages.slice(0, 15)) lines.push(`  ${pct(p.share)}  ${p.name}`);
  lines.push("", `top ${top} functions by self time:`);
  for (const f of functions.slice(0, top)) lines.push(`  ${pct(f.share)}  ${f.name}  (${f.where})`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, last: { type: "string" } },
  });
  if (positionals.length === 0) {
    console.error("usage: cpuprofile.ts <file.cpuprofile>… [--top 25] [--last <seconds>]");
    process.exit(2);
  }
  for (const file of positionals)
    console.log(
      formatSummary(file, Number(values.top), values.last ? Number(values.last) : undefined),
      "\n",
    );
}
