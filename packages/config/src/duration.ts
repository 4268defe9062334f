const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Parses `30s`, `15m`, `12h`, `7d` or a bare number of seconds. Returns seconds, or null. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = (match[2] || "s") as keyof typeof UNIT_SECONDS;
  const seconds = amount * UNIT_SECONDS[unit];
  return Number.isSafeInteger(seconds) ? seconds : null;
}
