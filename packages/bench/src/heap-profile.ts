/**
 * --profile-heap: the server's memory at one point of a run (resident memory by kind, V8's heap
 * figures, a heap snapshot), and two points compared. The snapshot's full GC is the one V8 runs
 * before writing any snapshot: no GC is forced otherwise.
 */
import { parseSnapshotGcs, logSince, logSize, type GcReading } from "./gc-trace";
import { captureHeapSnapshot } from "./heap-capture";
import { summarizeFile, topGrowers, type HeapGrower, type HeapSummary } from "./heap-snapshot";
import { memoryMap, type MemoryMap } from "./memory-map";
import type { ServerProcess } from "./proc";

export interface HeapPoint {
  label: string;
  file: string;
  /** Resident memory by kind, read just before the snapshot (with the RSS reading). */
  map: MemoryMap | undefined;
  /**
   * The same right after the snapshot: writing one mallocs the whole snapshot graph on the main
   * thread, and glibc may keep much of it resident. The growth that requests cause is measured
   * from here (`after.map` − `start.mapAfterSnapshot`).
   */
  mapAfterSnapshot: MemoryMap | undefined;
  /** From the server's --trace-gc lines of the snapshot's GCs. */
  gc: GcReading | undefined;
  summary: HeapSummary;
}

export interface HeapComparison {
  start: HeapPoint;
  after: HeapPoint;
  growers: HeapGrower[];
}

/** Reads the server's memory map, then takes and summarizes a heap snapshot. */
export async function heapPoint(
  server: ServerProcess,
  dir: string,
  label: string,
): Promise<HeapPoint> {
  const map = memoryMap(server.pid);
  const logFrom = logSize(server.logFile);
  const t0 = performance.now();
  const file = await captureHeapSnapshot(server, dir);
  const took = performance.now() - t0;
  const mapAfterSnapshot = memoryMap(server.pid);
  const gc = parseSnapshotGcs(logSince(server.logFile, logFrom));
  const summary = summarizeFile(file);
  console.log(
    `    heap snapshot (${label}): ${(took / 1000).toFixed(1)} s, live heap ${(summary.totalSize / 2 ** 20).toFixed(1)} MiB in ${summary.nodeCount.toLocaleString("en-US")} nodes: ${file}`,
  );
  return { label, file, map, mapAfterSnapshot, gc, summary };
}

export function compareHeap(start: HeapPoint, after: HeapPoint, top = 15): HeapComparison {
  return { start, after, growers: topGrowers(start.summary, after.summary, top) };
}
