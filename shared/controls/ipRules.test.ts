import { describe, expect, it } from "vitest";
import { NON_PUBLIC_IPV4_RANGES, overlappingNonPublicRanges, parseIpRule } from "./ipRules.js";

describe("IP rule parsing", () => {
  it("reads a bare address as a single-address /32", () => {
    expect(parseIpRule("124.56.78.91")).toEqual({ valid: true, network: "124.56.78.91", prefixLength: 32, addresses: 1 });
  });

  it("reads a CIDR range with its size", () => {
    expect(parseIpRule("20.30.0.0/16")).toEqual({ valid: true, network: "20.30.0.0", prefixLength: 16, addresses: 65536 });
    expect(parseIpRule("0.0.0.0/0")).toMatchObject({ valid: true, addresses: 4294967296 });
  });

  it.each([undefined, "", "abc", "1.2.3", "1.2.3.256", "1.2.3.4/33", "1.2.3.4/x", "1.2.3.4/", "'10.91.4.0/24'", "2001:db8::1", "1.2.3.4/8/8"])(
    "rejects %s as not an IPv4 address or CIDR",
    (value) => {
      expect(parseIpRule(value).valid).toBe(false);
    },
  );
});

describe("non-public range overlap", () => {
  it("lists exactly the eight ranges of the catalog", () => {
    expect([...NON_PUBLIC_IPV4_RANGES]).toEqual([
      "0.0.0.0/8",
      "10.0.0.0/8",
      "100.64.0.0/10",
      "127.0.0.0/8",
      "169.254.0.0/16",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "224.0.0.0/3",
    ]);
  });

  it("finds a range that contains the rule, and a rule that contains the range", () => {
    expect(overlappingNonPublicRanges("10.1.2.0", 24)).toEqual(["10.0.0.0/8"]);
    expect(overlappingNonPublicRanges("172.0.0.0", 8)).toEqual(["172.16.0.0/12"]);
  });

  it("finds every range a very broad rule covers", () => {
    expect(overlappingNonPublicRanges("0.0.0.0", 0)).toEqual([...NON_PUBLIC_IPV4_RANGES]);
    expect(overlappingNonPublicRanges("128.0.0.0", 1)).toEqual(["169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"]);
  });

  it("finds nothing for a public range", () => {
    expect(overlappingNonPublicRanges("124.56.78.91", 32)).toEqual([]);
    expect(overlappingNonPublicRanges("100.128.0.0", 9)).toEqual([]);
  });
});
