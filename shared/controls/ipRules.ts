import ipaddr from "ipaddr.js";

/**
 * Address ranges that an IP rule must not touch: RFC 1918 private ranges are not allowed in Key Vault IP rules,
 * and the others are not routable from the internet (docs/controls.md, VW-NET-005).
 */
export const NON_PUBLIC_IPV4_RANGES = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "224.0.0.0/3",
] as const;

const nonPublicRanges = NON_PUBLIC_IPV4_RANGES.map((cidr) => ({ cidr, range: ipaddr.IPv4.parseCIDR(cidr) }));

export type ParsedIpRule =
  | { readonly valid: true; readonly network: string; readonly prefixLength: number; readonly addresses: number }
  | { readonly valid: false; readonly problem: string };

/** `a.b.c.d` (one address, /32) or `a.b.c.d/n`; strict four-part decimal, no IPv6. */
export function parseIpRule(value: string | undefined): ParsedIpRule {
  if (value === undefined) return { valid: false, problem: "rule has no value" };
  const parts = value.split("/");
  if (parts.length > 2) return { valid: false, problem: "not an IPv4 address or CIDR" };
  const [address = "", prefixText] = parts;
  if (!ipaddr.IPv4.isValidFourPartDecimal(address)) return { valid: false, problem: "not an IPv4 address or CIDR" };
  if (prefixText !== undefined && !/^(\d|[12]\d|3[0-2])$/.test(prefixText)) {
    return { valid: false, problem: "CIDR prefix length must be 0 to 32" };
  }
  const prefixLength = prefixText === undefined ? 32 : Number(prefixText);
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefixLength}`).toString();
  return { valid: true, network, prefixLength, addresses: 2 ** (32 - prefixLength) };
}

/** The non-public ranges a rule overlaps: two CIDR blocks overlap when one contains the other's network address. */
export function overlappingNonPublicRanges(network: string, prefixLength: number): string[] {
  const address = ipaddr.IPv4.parse(network);
  return nonPublicRanges
    .filter(({ range }) => address.match(range) || range[0].match(address, prefixLength))
    .map(({ cidr }) => cidr);
}
