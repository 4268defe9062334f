/** --profile-heap's tables: the top growers between two heap snapshots, and RSS against the heap. */
import type { HeapComparison, HeapPoint } from "./heap-profile";
import { MEMORY_MAP_ROWS } from "./memory-map";
import { fmt, markdownTable } from "./stats";

const KIB = 1024;
const MIB = 2 ** 20;

const signed = (value: number, digits?: number) =>
  `${value > 0 ? "+" : ""}${fmt(value, digits === undefined ? {} : { digits })}`;

/** The groups of heap objects that grew most (self size, count), largest growth first. */
export function growersTable({ start, after, growers }: HeapComparison, requests: string): string {
  return markdownTable(
    [
      `heap snapshot: top growers, start → after ${requests} user.me (self size KiB, objects)`,
      "KiB at start",
      "KiB after",
      "Δ KiB",
      "count at start",
      "count after",
      "Δ count",
    ],
    [
      ...growers.map((g) => [
        `\`${g.key}\``,
        fmt(g.before.size / KIB),
        fmt(g.after.size / KIB),
        signed(g.deltaSize / KIB),
        fmt(g.before.count, { digits: 0 }),
        fmt(g.after.count, { digits: 0 }),
        signed(g.deltaCount, 0),
      ]),
      [
        "**live heap (every node)**",
        fmt(start.summary.totalSize / KIB),
        fmt(after.summary.totalSize / KIB),
        signed((after.summary.totalSize - start.summary.totalSize) / KIB),
        fmt(start.summary.nodeCount, { digits: 0 }),
        fmt(after.summary.nodeCount, { digits: 0 }),
        signed(after.summary.nodeCount - start.summary.nodeCount, 0),
      ],
    ],
  );
}

type Figure = (p: HeapPoint) => number | undefined;

/** RSS by kind of mapping next to V8's heap figures, MiB, at both points. */
export function residentTable({ start, after }: HeapComparison): string {
  const figures: [string, Figure][] = [
    ...MEMORY_MAP_ROWS.map(([kind, label]): [string, Figure] => [
      label,
      (p) => (p.map ? p.map[kind] / KIB : undefined),
    ]),
    ["V8 heap used before the snapshot's GC (--trace-gc)", (p) => p.gc?.usedBefore],
    ["V8 heap committed before the snapshot's GC", (p) => p.gc?.committedBefore],
    ["V8 heap committed after it (kept for the live heap)", (p) => p.gc?.committedAfter],
    ["live heap (snapshot, all nodes)", (p) => p.summary.totalSize / MIB],
    ...["code", "object shape", "object", "closure", "array", "string", "hidden", "native"].map(
      (type): [string, Figure] => [
        `  of which ${type}`,
        (p) =>
          p.summary.byType.get(type) === undefined
            ? undefined
            : (p.summary.byType.get(type) ?? 0) / MIB,
      ],
    ),
  ];
  return markdownTable(
    ["server memory, MiB (--profile-heap)", start.label, after.label, "Δ"],
    figures.map(([label, pick]) => {
      const [a, b] = [pick(start), pick(after)];
      return [label, fmt(a), fmt(b), a === undefined || b === undefined ? "–" : signed(b - a, 1)];
    }),
  );
}
