/** Pure helpers: percentiles, ratios and the Markdown table. No I/O. */

/** The p-th percentile (0–100) of unsorted samples, nearest-rank; NaN when empty. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Several percentiles with one sort. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  if (samples.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(samples).sort();
  return ps.map(
    (p) =>
      sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ??
      Number.NaN,
  );
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(value) ? value / baseline : Number.NaN;
}

/** 12345.6 → "12,346"; small values keep a useful number of digits. */
export function fmt(value: number | undefined, { digits }: { digits?: number } = {}): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "–";
}

/** "value (ratio×)", or just the value when there is no baseline. */
export function withRatio(
  value: number | undefined,
  baseline: number | undefined,
  opts?: { digits?: number },
): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (baseline === undefined) return fmt(value, opts);
  return `${fmt(value, opts)} (${fmtRatio(ratio(value, baseline))})`;
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const lines = [
    `| ${header.map(escape).join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ];
  return lines.join("\n");
}

export interface Goal {
  name: string;
  met: boolean;
  detail: string;
}

export function goalLine({ name, met, detail }: Goal): string {
  return `- ${met ? "MET" : "NOT MET"}: ${name} — ${detail}`;
}
