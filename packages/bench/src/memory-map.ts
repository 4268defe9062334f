/**
 * Where a process's resident memory is, by kind of mapping (/proc/<pid>/smaps): what RSS holds
 * besides the V8 heap. Linux only; every figure is resident KiB.
 */
import { readFileSync } from "node:fs";

export interface MemoryMap {
  /** Every mapping (equals VmRSS of the process, give or take the read's timing). */
  total: number;
  /** WebAssembly memories' pages in use (PGlite): see isWasmPages. */
  wasmMemory: number;
  /** Anonymous executable mappings: V8's JIT code space and WebAssembly code. */
  executable: number;
  /** The brk heap ([heap]): glibc malloc's main arena. */
  brkHeap: number;
  /** Other anonymous mappings: V8's heap pages, malloc's mmapped blocks and arenas, stacks. */
  otherAnonymous: number;
  /** Files: the node binary, shared libraries, native addons, mapped files. */
  fileBacked: number;
}

export const MEMORY_MAP_ROWS: readonly [keyof MemoryMap, string][] = [
  ["total", "RSS of the server process (smaps)"],
  ["wasmMemory", "WebAssembly memory resident (PGlite)"],
  ["executable", "anonymous executable (JIT code, WebAssembly code)"],
  ["otherAnonymous", "other anonymous (V8 heap pages, malloc blocks and arenas, stacks)"],
  ["brkHeap", "brk heap (glibc main arena)"],
  ["fileBacked", "file-backed (node binary, libraries, addons)"],
];

const GIB = 2n ** 30n;
const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rss: number;
}

function mappings(text: string): Mapping[] {
  const list: Mapping[] = [];
  for (const line of text.split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      const [, start, end, perms, path] = header as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      list.push({ start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms, path, rss: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    const last = list[list.length - 1];
    if (rss && last) last.rss = Number(rss[1]);
  }
  return list;
}

const anonymous = (m: Mapping) => m.path === "";

/**
 * A WebAssembly memory is one reservation of several GiB: the pages in use are read-write, the
 * rest inaccessible. So the anonymous read-write mapping that ends where an inaccessible
 * anonymous mapping of ≥ 1 GiB begins is a WebAssembly memory's pages in use. (The kernel merges
 * adjacent anonymous mappings with the same permissions, so a neighbour may be counted in it.)
 */
function isWasmPages(m: Mapping, next: Mapping | undefined): boolean {
  return (
    anonymous(m) &&
    m.perms.startsWith("rw") &&
    next !== undefined &&
    anonymous(next) &&
    next.perms.startsWith("---") &&
    next.start === m.end &&
    next.end - next.start >= GIB
  );
}

function kindOf(m: Mapping, next: Mapping | undefined): Exclude<keyof MemoryMap, "total"> {
  if (m.path.startsWith("/")) return "fileBacked";
  if (m.path === "[heap]") return "brkHeap";
  if (m.perms.includes("x")) return "executable";
  return isWasmPages(m, next) ? "wasmMemory" : "otherAnonymous";
}

/** The process's resident memory by kind; undefined when /proc cannot be read (gone, not Linux). */
export function memoryMap(pid: number): MemoryMap | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return undefined;
  }
  const map: MemoryMap = {
    total: 0,
    wasmMemory: 0,
    executable: 0,
    brkHeap: 0,
    otherAnonymous: 0,
    fileBacked: 0,
  };
  const list = mappings(text);
  list.forEach((m, i) => {
    map.total += m.rss;
    map[kindOf(m, list[i + 1])] += m.rss;
  });
  return map;
}
