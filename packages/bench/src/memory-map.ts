/**
 * Where a process's resident memory is, by kind of mapping (/proc/<pid>/smaps): what RSS holds
 * besides the V8 heap. Linux only; every figure is resident KiB.
 */
import { readFileSync } from "node:fs";

export interface MemoryMap {
  /** Every mapping (equals VmRSS of the process, give or take the read's timing). */
  total: number;
  /** Anonymous mappings of ≥ 1 GiB address space: WebAssembly memories (PGlite), which V8 reserves whole. */
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
  ["wasmMemory", "WebAssembly memory resident (PGlite; ≥ 1 GiB reservations)"],
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

/**
 * A WebAssembly memory is one reservation of several GiB, of which the pages in use are
 * read-write and the rest inaccessible: two or more adjacent anonymous mappings. So anonymous
 * non-executable mappings are joined while adjacent, and a run spanning ≥ 1 GiB is WebAssembly.
 */
function addAnonymousRun(map: MemoryMap, run: Mapping[]): void {
  if (run.length === 0) return;
  const span = run[run.length - 1]!.end - run[0]!.start;
  const rss = run.reduce((sum, m) => sum + m.rss, 0);
  if (span >= GIB) map.wasmMemory += rss;
  else map.otherAnonymous += rss;
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
  let run: Mapping[] = [];
  for (const m of mappings(text)) {
    map.total += m.rss;
    const anonymous = !m.path.startsWith("/") && m.path !== "[heap]" && !m.perms.includes("x");
    if (anonymous && m.path === "" && run.length > 0 && run[run.length - 1]!.end === m.start) {
      run.push(m);
      continue;
    }
    addAnonymousRun(map, run);
    run = anonymous && m.path === "" ? [m] : [];
    if (run.length > 0) continue;
    if (m.path.startsWith("/")) map.fileBacked += m.rss;
    else if (m.path === "[heap]") map.brkHeap += m.rss;
    else if (m.perms.includes("x")) map.executable += m.rss;
    else map.otherAnonymous += m.rss;
  }
  addAnonymousRun(map, run);
  return map;
}
