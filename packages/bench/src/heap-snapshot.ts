/**
 * V8 .heapsnapshot files (what `--heapsnapshot-signal` writes): the live heap summarized by
 * node type and name (constructor, function or system name), and two summaries compared.
 */
import { readFileSync } from "node:fs";

/** Self size and count of the nodes of one group. */
export interface HeapGroup {
  size: number;
  count: number;
}

export interface HeapSummary {
  /** Sum of every node's self size: the live heap after the snapshot's full GC, bytes. */
  totalSize: number;
  nodeCount: number;
  /** Self size by node type (object, closure, code, string, …), bytes. */
  byType: Map<string, number>;
  /** By group key, see groupKey(). */
  groups: Map<string, HeapGroup>;
}

export interface HeapGrower {
  key: string;
  before: HeapGroup;
  after: HeapGroup;
  deltaSize: number;
  deltaCount: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** Types whose node names are values, not kinds (a string's name is its text). */
const BY_TYPE_ONLY: Record<string, string> = {
  string: "(string)",
  "concatenated string": "(string)",
  "sliced string": "(string)",
  number: "(heap number)",
  bigint: "(bigint)",
  symbol: "(symbol)",
  regexp: "(regexp)",
};

/**
 * What a node is counted as: objects by constructor name ("Map", "Object"), closures by function
 * name, everything else by type and name ("code: system / BytecodeArray"). Values (strings,
 * numbers) are counted by type only.
 */
export function groupKey(type: string, name: string): string {
  const byType = BY_TYPE_ONLY[type];
  if (byType) return byType;
  if (type === "object") return name;
  if (type === "closure") return `closure ${name || "(anonymous)"}`;
  return `${type}: ${name.length > 80 ? `${name.slice(0, 77)}…` : name}`;
}

/** Summarizes a parsed snapshot (exported for tests: the file format without the file). */
export function summarize(json: SnapshotJson): HeapSummary {
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  if (!Array.isArray(types) || typeAt < 0 || nameAt < 0 || sizeAt < 0)
    throw new Error("not a V8 heap snapshot: node_fields lacks type, name or self_size");
  const { nodes, strings } = json;
  const summary: HeapSummary = {
    totalSize: 0,
    nodeCount: 0,
    byType: new Map(),
    groups: new Map(),
  };
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = String(types[nodes[i + typeAt]!]);
    const size = nodes[i + sizeAt]!;
    const key = groupKey(type, strings[nodes[i + nameAt]!] ?? "");
    const group = summary.groups.get(key) ?? { size: 0, count: 0 };
    group.size += size;
    group.count += 1;
    summary.groups.set(key, group);
    summary.byType.set(type, (summary.byType.get(type) ?? 0) + size);
    summary.totalSize += size;
    summary.nodeCount += 1;
  }
  return summary;
}

/** Reads and summarizes a .heapsnapshot file (throws on an incomplete or foreign file). */
export function summarizeFile(file: string): HeapSummary {
  return summarize(JSON.parse(readFileSync(file, "utf8")) as SnapshotJson);
}

/** The groups that grew most in self size from `before` to `after`, largest first. */
export function topGrowers(before: HeapSummary, after: HeapSummary, top = 15): HeapGrower[] {
  const none: HeapGroup = { size: 0, count: 0 };
  const keys = new Set([...before.groups.keys(), ...after.groups.keys()]);
  return [...keys]
    .map((key) => {
      const b = before.groups.get(key) ?? none;
      const a = after.groups.get(key) ?? none;
      return {
        key,
        before: b,
        after: a,
        deltaSize: a.size - b.size,
        deltaCount: a.count - b.count,
      };
    })
    .filter((g) => g.deltaSize > 0)
    .sort((x, y) => y.deltaSize - x.deltaSize || y.deltaCount - x.deltaCount)
    .slice(0, top);
}
