import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  exampleVault,
  exampleVaultWithNetworkAcls,
  firewalledManagedHsm,
  firewalledVault,
  hardenedVault,
  inEveryShape,
  ipRules,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-005";

function vaultAllowing(...values: string[]) {
  return withNetworkAcls(firewalledVault(), { ipRules: ipRules(...values) });
}

function hsmAllowing(...values: string[]) {
  return withNetworkAcls(firewalledManagedHsm(), { ipRules: ipRules(...values) });
}

/** `count` distinct public single addresses in 20.0.0.0/8 (a Microsoft public block). */
function publicAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `20.${Math.floor(index / 256)}.${index % 256}.1`);
}

describe("VW-NET-005 IP rules allow only narrow public ranges", () => {
  describe("when it applies", () => {
    it("does not apply when public access is Disabled, whatever the rules", () => {
      const vault = withNetworkAcls(hardenedVault(), { ipRules: ipRules("10.0.0.0/8", "0.0.0.0/0") });
      expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
    });

    it("does not apply to a vault secured by a perimeter", () => {
      const vault = withProperties(vaultAllowing("10.0.0.0/8"), { publicNetworkAccess: "SecuredByPerimeter" });
      expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
    });

    it("applies to a Managed HSM that says SecuredByPerimeter, because that does not turn an HSM's public access off", () => {
      const hsm = withProperties(hsmAllowing("10.0.0.0/8"), { publicNetworkAccess: "SecuredByPerimeter" });
      expect(statusOf(hsm, CONTROL)).toBe("Fail");
    });

    it("does not apply when the firewall allows by default: every address is admitted anyway, which VW-NET-002 reports", () => {
      const vault = withNetworkAcls(vaultAllowing("10.0.0.0/8"), { defaultAction: "Allow" });
      expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
      expect(statusOf(vault, "VW-NET-002")).toBe("Fail");
    });

    it("does not apply to the reference vault, which has no network ACLs (default Allow)", () => {
      expect(statusOf(exampleVault(), CONTROL)).toBe("NotApplicable");
    });

    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["an empty string", ""],
    ])("does not apply when defaultAction is %s (default Allow)", (_label, value) => {
      expect(statusOf(withNetworkAcls(vaultAllowing("10.0.0.0/8"), { defaultAction: value }), CONTROL)).toBe("NotApplicable");
    });

    it("does not apply when public access is off, even if the IP rules could not be read", () => {
      expect(statusOf(withNetworkAcls(hardenedVault(), { ipRules: "10.0.0.0/8" }), CONTROL)).toBe("NotApplicable");
    });

    it("is Unknown when the rules matter but ipRules is not a list", () => {
      expect(statusOf(withNetworkAcls(firewalledVault(), { ipRules: "124.56.78.91" }), CONTROL)).toBe("Unknown");
    });
  });

  describe("passing rules", () => {
    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["an empty list", []],
    ])("passes a firewalled vault whose ipRules is %s", (_label, value) => {
      expect(statusOf(withNetworkAcls(firewalledVault(), { ipRules: value }), CONTROL)).toBe("Pass");
    });

    it("passes the reference rule 124.56.78.91/32", () => {
      expect(statusOf(vaultAllowing("124.56.78.91/32"), CONTROL)).toBe("Pass");
    });

    it("reads a bare address as a /32", () => {
      expect(statusOf(vaultAllowing("124.56.78.91"), CONTROL)).toBe("Pass");
    });

    it("passes a public /16, the broadest range allowed", () => {
      expect(statusOf(vaultAllowing("20.30.0.0/16"), CONTROL)).toBe("Pass");
    });

    it("passes a firewalled Managed HSM with narrow public rules", () => {
      expect(statusOf(hsmAllowing("124.56.78.91/32", "52.10.0.0/24"), CONTROL)).toBe("Pass");
    });
  });

  describe("invalid rules", () => {
    it("fails the reference network ACL example, whose second rule is wrapped in quotes", () => {
      const finding = findingOf(exampleVaultWithNetworkAcls(), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toMatchObject({ offendingRules: [{ value: "'10.91.4.0/24'" }] });
    });

    it.each([
      "not-an-address",
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.4/33",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "1.2.3.4/16/8",
      "2001:db8::/32",
      "::ffff:124.56.78.91",
    ])("fails %s, which is not an IPv4 address or CIDR", (value) => {
      expect(statusOf(vaultAllowing("124.56.78.91", value), CONTROL)).toBe("Fail");
    });

    it("fails a rule entry without a value", () => {
      expect(statusOf(withNetworkAcls(firewalledVault(), { ipRules: [{}] }), CONTROL)).toBe("Fail");
      expect(statusOf(withNetworkAcls(firewalledVault(), { ipRules: [{ value: null }] }), CONTROL)).toBe("Fail");
    });
  });

  describe("non-public ranges", () => {
    const RANGES: [range: string, first: string, last: string, below: string | undefined, above: string | undefined][] = [
      ["0.0.0.0/8", "0.0.0.0", "0.255.255.255", undefined, "1.0.0.0"],
      ["10.0.0.0/8", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"],
      ["100.64.0.0/10", "100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"],
      ["127.0.0.0/8", "127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0"],
      ["169.254.0.0/16", "169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"],
      ["172.16.0.0/12", "172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"],
      ["192.168.0.0/16", "192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"],
      ["224.0.0.0/3", "224.0.0.0", "255.255.255.255", "223.255.255.255", undefined],
    ];

    for (const [range, first, last, below, above] of RANGES) {
      describe(range, () => {
        it(`fails its first address ${first} and its last address ${last}`, () => {
          const first_ = findingOf(vaultAllowing(first), CONTROL);
          expect(first_?.status).toBe("Fail");
          expect(JSON.stringify(first_?.evidence)).toContain(range);
          expect(statusOf(vaultAllowing(last), CONTROL)).toBe("Fail");
          expect(statusOf(vaultAllowing(`${first}/32`), CONTROL)).toBe("Fail");
        });

        if (below !== undefined) {
          it(`passes ${below}, the public address just below it`, () => {
            expect(statusOf(vaultAllowing(below), CONTROL)).toBe("Pass");
          });
        }
        if (above !== undefined) {
          it(`passes ${above}, the public address just above it`, () => {
            expect(statusOf(vaultAllowing(above), CONTROL)).toBe("Pass");
          });
        }
      });
    }

    it("fails a narrow range inside a non-public range", () => {
      expect(statusOf(vaultAllowing("10.91.4.0/24"), CONTROL)).toBe("Fail");
      expect(statusOf(vaultAllowing("172.20.1.0/28"), CONTROL)).toBe("Fail");
    });

    it("fails a range that starts on public addresses and runs into a non-public range", () => {
      // 172.0.0.0/11 covers 172.0.0.0–172.31.255.255: public up to 172.15.255.255, then 172.16.0.0/12.
      expect(statusOf(vaultAllowing("172.0.0.0/11"), CONTROL, { controls: { minIpRulePrefixLength: 8 } })).toBe("Fail");
    });

    it("fails a range that contains a whole non-public range, even when its width is allowed", () => {
      const broadAllowed = { controls: { minIpRulePrefixLength: 8 } };
      const finding = findingOf(vaultAllowing("172.0.0.0/8"), CONTROL, broadAllowed);
      expect(finding?.status).toBe("Fail");
      expect(JSON.stringify(finding?.evidence)).toContain("172.16.0.0/12");
      expect(statusOf(vaultAllowing("100.0.0.0/9"), CONTROL, broadAllowed)).toBe("Fail");
    });

    it("passes a broad range that only borders a non-public range, when its width is allowed", () => {
      const broadAllowed = { controls: { minIpRulePrefixLength: 8 } };
      expect(statusOf(vaultAllowing("100.128.0.0/9"), CONTROL, broadAllowed)).toBe("Pass");
      expect(statusOf(vaultAllowing("11.0.0.0/8"), CONTROL, broadAllowed)).toBe("Pass");
    });

    it("fails a Managed HSM rule in a private range", () => {
      expect(statusOf(hsmAllowing("192.168.1.0/24"), CONTROL)).toBe("Fail");
    });
  });

  describe("broad ranges", () => {
    it("fails a /15, which admits more than 65,536 addresses", () => {
      const finding = findingOf(vaultAllowing("20.30.0.0/15"), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(JSON.stringify(finding?.evidence)).toContain("131072");
    });

    it("fails 0.0.0.0/0, which admits the whole internet", () => {
      expect(statusOf(vaultAllowing("0.0.0.0/0"), CONTROL)).toBe("Fail");
    });

    it("applies a configured limit instead of /16", () => {
      const narrow = { controls: { minIpRulePrefixLength: 24 } };
      expect(statusOf(vaultAllowing("52.10.0.0/24"), CONTROL, narrow)).toBe("Pass");
      expect(statusOf(vaultAllowing("52.10.0.0/23"), CONTROL, narrow)).toBe("Fail");
    });
  });

  describe("rule-count limits", () => {
    it("passes a vault with 1,000 IP rules, the service limit", () => {
      expect(statusOf(vaultAllowing(...publicAddresses(1000)), CONTROL)).toBe("Pass");
    });

    it("fails a vault with 1,001 IP rules", () => {
      const finding = findingOf(vaultAllowing(...publicAddresses(1001)), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toMatchObject({ ruleCount: 1001, ruleLimit: 1000, offendingRules: [] });
    });

    it("passes a Managed HSM with 10 IP rules, its service limit", () => {
      expect(statusOf(hsmAllowing(...publicAddresses(10)), CONTROL)).toBe("Pass");
    });

    it("fails a Managed HSM with 11 IP rules", () => {
      const finding = findingOf(hsmAllowing(...publicAddresses(11)), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toMatchObject({ ruleCount: 11, ruleLimit: 10 });
    });
  });

  it("lists each offending rule with why, and not the good ones", () => {
    const finding = findingOf(vaultAllowing("124.56.78.91", "10.1.0.0/16", "8.0.0.0/8", "bogus"), CONTROL);
    expect(finding?.status).toBe("Fail");
    const offending = finding?.evidence.offendingRules as { value: string; problems: string[] }[];
    expect(offending.map((rule) => rule.value)).toEqual(["10.1.0.0/16", "8.0.0.0/8", "bogus"]);
    expect(offending[0]?.problems.join(" ")).toContain("10.0.0.0/8");
    expect(offending[1]?.problems.join(" ")).toContain("/8");
    expect(offending[2]?.problems.length).toBeGreaterThan(0);
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(vaultAllowing("192.168.0.0/16"))) expect(statusOf(raw, CONTROL)).toBe("Fail");
    for (const { raw } of inEveryShape(vaultAllowing("124.56.78.91"))) expect(statusOf(raw, CONTROL)).toBe("Pass");
  });

  it("is High severity", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("High");
  });
});
