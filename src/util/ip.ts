/** IP address helpers shared by proxy matching and authentication throttling. */

/** The eight 16-bit groups of an IPv6 address (hex strings), with "::" expanded. */
export function ipv6Groups(ip: string): string[] {
  const [head, tail = ""] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = ip.includes("::") && tail ? tail.split(":") : [];
  return ip.includes("::")
    ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t]
    : h;
}
