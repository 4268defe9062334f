/** Child processes for the servers under test, and what /proc says about them. */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A free loopback port (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  /** VmRSS of the server's process tree, in KiB. */
  rssKiB(): number;
  /** Milliseconds from spawn to the first successful readiness check. */
  readyMs: number;
  /** User + system CPU of the process and its descendants, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  port: number;
  /** Path polled until it answers 200. */
  readyPath: string;
  /** Custom readiness check (default: GET readyPath answers 200). */
  ready?: (url: string) => Promise<boolean>;
  logDir: string;
  timeoutMs?: number;
}

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const { name, command, args, cwd, env, port, readyPath, logDir, timeoutMs = 120_000 } = options;
  const ready =
    options.ready ??
    (async (base: string) => {
      const res = await fetch(base + readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.ok;
    });
  const logFile = join(logDir, `${name.replace(/[^\w.-]+/g, "_")}.log`);
  const fd = openSync(logFile, "a");
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined)
      throw new Error(`${name} exited with ${exited} before it was ready:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${tail(logFile)}`);
    }
    try {
      if (await ready(url)) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const readyMs = performance.now() - started;
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    url,
    logFile,
    readyMs,
    rssKiB: () => treeRssKiB(pid),
    cpuMicros: () => treeCpuMicros(pid),
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after a grace period. Resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  { cwd, env }: { cwd: string; env: Record<string, string | undefined> },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function vmRssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; everything after its closing paren is fixed.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** The process and all its descendants (from /proc, at the time of the call). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Process CPU (utime + stime) in microseconds, summed over the process and its descendants. */
export function treeCpuMicros(rootPid: number): number {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const fields = statFields(pid);
    // After the paren: state(0) ppid(1) … utime(11) stime(12).
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** VmRSS summed over the process and its descendants, in KiB (shared pages counted per process). */
export function treeRssKiB(rootPid: number): number {
  return processTree(rootPid).reduce((sum, pid) => {
    const rss = vmRssKiB(pid);
    return Number.isFinite(rss) ? sum + rss : sum;
  }, 0);
}

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** Share of the machine's CPU left idle over `ms` (1 = all cores idle). */
export async function machineIdle(ms: number): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  return (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/** Busy CPU of the whole machine so far (all cores), in microseconds. */
export function machineBusyMicros(): number {
  const { idle, total } = cpuTimes();
  return ((total - idle) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** CPU so far of every process whose command name is one of `names` (e.g. the database), µs. */
export function cpuOfCommands(names: readonly string[]): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!names.includes(comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}
