/** Client addresses: the socket's peer, or X-Forwarded-For when the peer is a trusted proxy. */
import { isIP } from "node:net";
import { ipv6Groups } from "../util/ip.ts";

/** Strip the IPv4-mapped IPv6 prefix so 127.0.0.1 and ::ffff:127.0.0.1 compare equal. */
export function normalizeIp(ip: string): string {
  return ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint {
  return ipv6Groups(ip).reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

/** Whether `ip` equals an entry or lies inside a CIDR entry of `list`. */
export function ipMatches(ip: string, list: readonly string[]): boolean {
  const addr = normalizeIp(ip);
  const fam = isIP(addr);
  for (const entry of list) {
    const [base, bitsText] = entry.split("/");
    const baseAddr = normalizeIp(base);
    if (isIP(baseAddr) !== fam || fam === 0) continue;
    if (bitsText === undefined) {
      if (fam === 4 ? baseAddr === addr : ipv6ToBigInt(baseAddr) === ipv6ToBigInt(addr)) {
        return true;
      }
      continue;
    }
    const bits = Number(bitsText);
    if (fam === 4) {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4ToInt(addr) & mask) === (ipv4ToInt(baseAddr) & mask)) return true;
    } else {
      const shift = BigInt(128 - bits);
      if (ipv6ToBigInt(addr) >> shift === ipv6ToBigInt(baseAddr) >> shift) return true;
    }
  }
  return false;
}

/**
 * The client's address for logs, throttling and rate limits. X-Forwarded-For is honoured only
 * when the direct peer is a trusted proxy; then the right-most untrusted hop is the client.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: readonly string[],
): string {
  const direct = normalizeIp(peer ?? "unknown");
  if (!forwardedFor || trusted.length === 0 || !ipMatches(direct, trusted)) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",").map((h) => normalizeIp(h.trim())).filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!ipMatches(hops[i], trusted)) return hops[i];
  }
  return hops[0] ?? direct;
}
