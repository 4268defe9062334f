import { isIP } from "node:net";

/**
 * The key a client address is counted under, or null when there is none. IPv4-mapped IPv6
 * counts as IPv4; other IPv6 addresses count by their /64, the block one subscriber usually
 * gets, so walking through one's own /64 gains nothing.
 */
export function clientIpKey(ip: string | null | undefined): string | null {
  if (!ip) return null;
  let address = ip.trim();
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return null;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.toLowerCase().split("::");
  const parse = (part: string) => (part ? part.split(":") : []);
  // An embedded IPv4 tail (::1.2.3.4) is two groups.
  const toGroups = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const left = toGroups(parse(head));
  const right = toGroups(tail === undefined ? [] : parse(tail));
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((g) =>
    (parseInt(g, 16) || 0).toString(16),
  );
}
