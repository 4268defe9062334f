/** --profile-heap's tables: the top growers between two heap snapshots, and RSS against the heap. */
import type { HeapComparison, HeapPoint } from "./heap-profile";
import { MEMORY_MAP_ROWS, type MemoryMap } from "./memory-map";
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

const MAP_NOTE = "Δ requests: after the requests minus after the start snapshot";

/** V8's figures and the snapshot's, MiB (the snapshot's "native" is mostly ArrayBuffer data). */
const HEAP_FIGURES: [string, Figure][] = [
  ["V8 heap used before the snapshot's GC (--trace-gc)", (p) => p.gc?.usedBefore],
  ["V8 heap committed before the snapshot's GC", (p) => p.gc?.committedBefore],
  ["V8 heap used after it (live)", (p) => p.gc?.usedAfter],
  ["V8 heap committed after it", (p) => p.gc?.committedAfter],
  ["snapshot: every node's self size", (p) => p.summary.totalSize / MIB],
  ...["native", "code", "array", "string", "object", "closure", "object shape", "hidden"].map(
    (type): [string, Figure] => [
      `  of which ${type}`,
      (p) => {
        const size = p.summary.byType.get(type);
        return size === undefined ? undefined : size / MIB;
      },
    ],
  ),
];

/**
 * Resident memory by kind of mapping at start, after the start snapshot and after the requests,
 * then V8's heap figures at the two snapshots; MiB.
 */
export function residentTable({ start, after }: HeapComparison): string {
  const diff = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? "–" : signed(b - a, 1);
  const mapRows = MEMORY_MAP_ROWS.map(([kind, label]) => {
    const at = (map: MemoryMap | undefined) => (map ? map[kind] / KIB : undefined);
    const [a, s, b] = [at(start.map), at(start.mapAfterSnapshot), at(after.map)];
    return [label, fmt(a), fmt(s), fmt(b), diff(s, b), diff(a, b)];
  });
  const heapRows = HEAP_FIGURES.map(([label, pick]) => {
    const [a, b] = [pick(start), pick(after)];
    return [label, fmt(a), "–", fmt(b), "–", diff(a, b)];
  });
  return markdownTable(
    [
      `server memory, MiB (--profile-heap; ${MAP_NOTE})`,
      start.label,
      "after the start snapshot",
      after.label,
      "Δ requests",
      "Δ",
    ],
    [...mapRows, ...heapRows],
  );
}
