/** The Markdown report: tables of what was measured, then the goals (data below) met or not. */
import { GOALS, type GoalSpec } from "./goals";
import type { Bench, Row } from "./harness";
import type { MicroOutput } from "./scenarios/micro";
import { growersTable, residentTable } from "./heap-report";
import { LAYERS } from "./layers";
import { fmt, fmtRatio, markdownTable, ratio, withRatio } from "./stats";

function goalValue(spec: GoalSpec, value: number): string {
  return spec.unit === "×" ? fmtRatio(value) : `${fmt(value)} ${spec.unit}`;
}

function goalsTable(bench: Bench, micro: MicroOutput | undefined): string[] {
  const rows = GOALS.flatMap((spec) => {
    const measured = spec.measure(bench, micro);
    if (!measured || !Number.isFinite(measured.value)) return [];
    const met = spec.lowerIsBetter ? measured.value <= spec.target : measured.value >= spec.target;
    return [
      [
        spec.name,
        `${spec.lowerIsBetter ? "≤" : "≥"} ${goalValue(spec, spec.target)}`,
        spec.before,
        measured.detail === goalValue(spec, measured.value)
          ? measured.detail
          : `${goalValue(spec, measured.value)} (${measured.detail})`,
        met ? "met" : "NOT MET",
        spec.source,
      ],
    ];
  });
  if (rows.length === 0) return [];
  return ["", markdownTable(["goal", "target", "before", "this run", "met", "set in"], rows)];
}

const THROUGHPUT = [
  "hello",
  "stock",
  "emb.health",
  "emb.me",
  "emb.refresh",
  "next.health",
  "next.me",
  "pg.health",
  "pg.me",
  "pg.login",
  "pg.refresh",
  "redis.health",
  "redis.me",
  "ba.pg",
  "ba.cache",
];
const PROBES = ["emb", "pg"].flatMap((k) =>
  ["idle.health", "storm.health", "idle.me", "storm.me"].map((p) => `${k}.${p}`),
);

/** The scenario table and the latency probes, each against its baseline. */
function scenarioTables(bench: Bench): string[] {
  const lines: string[] = [];
  const get = (key: string) => bench.rows.get(key);
  const cell = (row: Row, pick: (r: Row) => number, digits?: number) => {
    const base = row.baseline ? get(row.baseline) : undefined;
    return withRatio(
      pick(row),
      base ? pick(base) : undefined,
      digits === undefined ? undefined : { digits },
    );
  };
  const baselineLabel = (row: Row) =>
    row.baseline ? (get(row.baseline)?.label ?? row.baseline) : "–";
  const present = (keys: string[]) => keys.map(get).filter((r): r is Row => r !== undefined);

  lines.push(
    markdownTable(
      [
        "scenario (64 connections unless said)",
        "req/s (× baseline)",
        "p50 ms (×)",
        "p99 ms (×)",
        "server CPU µs/req (×)",
        "baseline",
      ],
      present(THROUGHPUT).map((row) => [
        row.label,
        cell(row, (r) => r.result.rps),
        cell(row, (r) => r.result.p50, 2),
        cell(row, (r) => r.result.p99, 2),
        cell(row, (r) => r.cpuPerRequest),
        baselineLabel(row),
      ]),
    ),
  );
  const probes = present(PROBES);
  if (probes.length > 0)
    lines.push(
      "",
      markdownTable(
        [
          "latency probe (1 connection each, health and user.me together)",
          "p50 ms (×)",
          "p99 ms (×)",
          "max ms",
          "baseline",
        ],
        probes.map((row) => [
          row.label,
          cell(row, (r) => r.result.p50, 2),
          cell(row, (r) => r.result.p99, 2),
          fmt(row.result.max, { digits: 1 }),
          baselineLabel(row),
        ]),
      ),
    );

  return lines;
}

/** Start-to-ready and RSS of our servers, and the heap snapshots compared (--profile-heap). */
function footprintTables(bench: Bench): string[] {
  const lines: string[] = [];
  const f = (name: string) => bench.figures.get(name);
  const requests = bench.options.memoryRequests.toLocaleString("en-US");
  const footprint = [
    {
      label: "custom server, embedded, new data directory (creates and migrates it)",
      ready: f("emb.ready.ms"),
      start: f("emb.rss.start"),
      after: f("emb.rss.after"),
    },
    {
      label: "custom server, embedded, existing data directory",
      ready: f("emb.ready.existing.ms"),
      start: f("emb.rss.existing"),
      after: undefined,
    },
    {
      label: "custom server, PostgreSQL",
      ready: f("pg.ready.ms"),
      start: f("pg.rss.start"),
      after: f("pg.rss.after"),
    },
  ]
    .filter((row) => row.ready !== undefined)
    .map((row) => [
      row.label,
      fmt((row.ready ?? NaN) / 1000, { digits: 1 }),
      fmt(row.start),
      fmt(row.after),
      row.after !== undefined && row.start !== undefined
        ? fmtRatio(ratio(row.after, row.start))
        : "–",
    ]);
  if (footprint.length > 0)
    lines.push(
      "",
      markdownTable(
        [
          "server (compiled, production flags)",
          "start-to-ready s",
          "RSS after start MiB",
          `RSS after ${requests} user.me MiB`,
          "growth",
        ],
        footprint,
      ),
    );
  for (const [key, comparison] of bench.heaps)
    lines.push(
      "",
      `Heap snapshots of the ${key} server (--profile-heap; each after a full GC, which V8 runs before writing a snapshot):`,
      "",
      growersTable(comparison, requests),
      "",
      residentTable(comparison),
    );

  return lines;
}

/** Database statements per rotation (`authkit_db_statements_total` around a rotation run). */
function statementsTable(bench: Bench): string[] {
  const lines: string[] = [];
  const f = (name: string) => bench.figures.get(name);
  const statements = [
    ["embedded (PGlite, in this process: no round trips)", f("emb.refresh.statements")],
    ["PostgreSQL (one round trip each)", f("pg.refresh.statements")],
  ].filter((row): row is [string, number] => row[1] !== undefined);
  if (statements.length > 0)
    lines.push(
      "",
      markdownTable(
        ["database statements per rotation, 64 concurrent chains", "statements"],
        statements.map(([label, value]) => [label, fmt(value, { digits: 2 })]),
      ),
    );
  return lines;
}

/** The in-process micro-benchmarks. */
function microTable(micro: MicroOutput | undefined): string[] {
  const lines: string[] = [];
  if (micro) {
    const reference = micro.results.find((r) => r.name.startsWith("reference"));
    lines.push(
      "",
      markdownTable(
        [
          "in-process micro-benchmark (sequential awaits)",
          "CPU µs/op (× uncached jwtVerify)",
          "wall µs/op",
        ],
        micro.results.map((r) => [
          r.name,
          withRatio(r.cpuMicrosPerOp, reference?.cpuMicrosPerOp),
          fmt(r.wallMicrosPerOp),
        ]),
      ),
      "",
      `argon2id verify ceiling (in process): ${fmt(micro.argon2VerifiesPerSecond)}/s`,
    );
  }
  return lines;
}

export function report(bench: Bench, micro: MicroOutput | undefined): string {
  const lines = [
    ...scenarioTables(bench),
    ...footprintTables(bench),
    ...statementsTable(bench),
    ...microTable(micro),
  ];
  const f = (name: string) => bench.figures.get(name);
  const extras = [
    ["redis.proxyCpuPerRequest", "Upstash REST proxy CPU on the same machine, per user.me", "µs"],
    ["emb.storm.loginsPerSecond", "Logins/s during the embedded storm", "/s"],
    ["pg.storm.loginsPerSecond", "Logins/s during the PostgreSQL storm", "/s"],
  ].flatMap(([name, text, unit]) => {
    const value = f(name!);
    return value === undefined ? [] : [`${text}: ${fmt(value)} ${unit}.`];
  });
  if (extras.length > 0) lines.push("", ...extras);
  lines.push(...layersTable(bench));
  lines.push(...goalsTable(bench, micro));
  if (bench.notes.length > 0) lines.push("", "Notes:", ...bench.notes.map((n) => `- ${n}`));
  return lines.join("\n");
}

/** Which measured runs the per-layer table compares (--profile): health, then the rest. */
const LAYER_ROWS = [
  "stock",
  "emb.health",
  "pg.health",
  "emb.me",
  "pg.me",
  "emb.refresh",
  "pg.refresh",
];

/** --profile: sampled CPU µs per request of each serving layer, one column per measured run. */
function layersTable(bench: Bench): string[] {
  const keys = LAYER_ROWS.filter((key) => bench.layers.has(key));
  if (keys.length === 0) return [];
  // Samples are taken on wall time: on a busy machine a descheduled thread keeps collecting
  // them. So each layer's share of the samples is applied to the CPU the server really used
  // per request (/proc), which is what the µs columns say.
  const share = (key: string, layer: string) =>
    (bench.layers.get(key)?.get(layer) ?? 0) / (bench.layers.get(key)?.get("total") || 1);
  const cpu = (key: string) => bench.rows.get(key)?.cpuPerRequest ?? NaN;
  const rows = LAYERS.map((layer) => [
    layer,
    ...keys.map(
      (key) =>
        `${fmt(share(key, layer) * cpu(key), { digits: 1 })} (${(share(key, layer) * 100).toFixed(1)} %)`,
    ),
  ]);
  rows.push([
    "**server CPU µs/req (process tree, /proc)**",
    ...keys.map((key) => fmt(cpu(key), { digits: 1 })),
  ]);
  return [
    "",
    markdownTable(
      [
        "CPU µs per request by layer (--profile)",
        ...keys.map((k) => bench.rows.get(k)?.label ?? k),
      ],
      rows,
    ),
  ];
}
