/**
 * V8's own heap figures, read from a `--trace-gc` log (the server's stdout): the full GCs a heap
 * snapshot runs first are traced with the reason "heap profiler", as
 *   `Mark-Compact (reduce) 112.4 (150.2) -> 48.1 (60.3) MB, … heap profiler; …`
 * that is used (committed) before -> used (committed) after, in MiB.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface GcReading {
  /** V8 heap in use and committed just before the snapshot's first GC, MiB. */
  usedBefore: number;
  committedBefore: number;
  /** The same after its last GC: the live heap, and what V8 keeps committed for it, MiB. */
  usedAfter: number;
  committedAfter: number;
}

const LINE =
  /Mark-(?:Compact|Sweep|sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB.*heap profiler/;

/** The snapshot's GCs among the trace lines of `text`; undefined when there are none. */
export function parseSnapshotGcs(text: string): GcReading | undefined {
  const matches = text
    .split("\n")
    .map((line) => LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m.slice(1, 5).map(Number) as [number, number, number, number]);
  const first = matches[0];
  const last = matches[matches.length - 1];
  if (!first || !last) return undefined;
  return {
    usedBefore: first[0],
    committedBefore: first[1],
    usedAfter: last[2],
    committedAfter: last[3],
  };
}

/** The size of a log file now (where a later read starts). */
export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The text a log file gained since `from` (a byte offset from logSize). */
export function logSince(file: string, from: number): string {
  const size = logSize(file);
  if (size <= from) return "";
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
