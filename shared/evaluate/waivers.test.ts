import { describe, expect, it } from "vitest";
import { evaluateFixture, findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  asResourceGraphRow,
  asResourceNotification,
  exampleVault,
  hardenedManagedHsm,
  hardenedVault,
  withTags,
} from "../../test/fixtures/resources.js";
import { parseWaivers } from "./waivers.js";

function waived(value: string, tagName = "vaultwatch-waiver") {
  return withTags(exampleVault(), { env: "prod", [tagName]: value });
}

describe("waivers", () => {
  it("turn a Fail into Waived and carry the expiry in the finding", () => {
    const finding = findingOf(waived("VW-NET-003:2027-03-31"), "VW-NET-003");
    expect(finding?.status).toBe("Waived");
    expect(finding?.waiver).toEqual({
      expires: "2027-03-31",
      expiresAt: "2027-03-31T23:59:59.999Z",
      state: "active",
      sources: [{ kind: "tag", expires: "2027-03-31", expiresAt: "2027-03-31T23:59:59.999Z", state: "active" }],
    });
    expect(finding?.reason).toContain("2027-03-31");
  });

  it("cover the whole expiry day in UTC, to its last millisecond", () => {
    const vault = waived("VW-NET-003:2027-03-31");
    expect(statusOf(vault, "VW-NET-003", { now: new Date("2027-03-31T00:00:00.000Z") })).toBe("Waived");
    expect(statusOf(vault, "VW-NET-003", { now: new Date("2027-03-31T23:59:59.999Z") })).toBe("Waived");
  });

  it("judge the day in UTC, not in the caller's time zone", () => {
    // 00:30 on 1 April in UTC+2 is still 31 March in UTC.
    expect(statusOf(waived("VW-NET-003:2027-03-31"), "VW-NET-003", { now: new Date("2027-04-01T00:30:00+02:00") })).toBe("Waived");
    // 23:30 on 31 March in UTC-1 is already 1 April in UTC.
    expect(statusOf(waived("VW-NET-003:2027-03-31"), "VW-NET-003", { now: new Date("2027-03-31T23:30:00-01:00") })).toBe("Fail");
  });

  it("have no effect after their date, and the finding says the waiver expired", () => {
    const finding = findingOf(waived("VW-NET-003:2027-03-31"), "VW-NET-003", { now: new Date("2027-04-01T00:00:00.000Z") });
    expect(finding?.status).toBe("Fail");
    expect(finding?.waiver).toMatchObject({ expires: "2027-03-31", state: "expired", sources: [{ kind: "tag", state: "expired" }] });
    expect(finding?.reason).toMatch(/expired/);
  });

  it("expire for a date already past at the pinned instant", () => {
    expect(statusOf(waived("VW-NET-003:2026-11-23"), "VW-NET-003")).toBe("Fail");
    expect(statusOf(waived("VW-NET-003:2026-11-24"), "VW-NET-003")).toBe("Waived");
  });

  it.each([
    ["semicolons", "VW-NET-003:2027-03-31;VW-IAM-001:2026-12-31"],
    ["commas", "VW-NET-003:2027-03-31,VW-IAM-001:2026-12-31"],
    ["separators with spaces", " VW-NET-003:2027-03-31 ; VW-IAM-001:2026-12-31 "],
    ["a trailing separator", "VW-NET-003:2027-03-31;VW-IAM-001:2026-12-31;"],
  ])("accept several entries separated by %s", (_label, value) => {
    const evaluation = evaluateFixture(waived(value));
    const status = (id: string) => evaluation.findings.find((finding) => finding.controlId === id)?.status;
    expect(status("VW-NET-003")).toBe("Waived");
    expect(status("VW-IAM-001")).toBe("Waived");
    expect(status("VW-DP-001")).toBe("Fail");
    expect(evaluation.warnings).toEqual([]);
  });

  it.each(["vaultwatch-waiver", "VaultWatch-Waiver", "VAULTWATCH-WAIVER"])("are read from the tag named %s", (tagName) => {
    expect(statusOf(waived("VW-NET-003:2027-03-31", tagName), "VW-NET-003")).toBe("Waived");
  });

  it("are not read from other tags", () => {
    expect(statusOf(waived("VW-NET-003:2027-03-31", "vaultwatch-waivers"), "VW-NET-003")).toBe("Fail");
    expect(statusOf(waived("VW-NET-003:2027-03-31", "waiver"), "VW-NET-003")).toBe("Fail");
  });

  it("leave Pass, NotApplicable and Unknown alone", () => {
    const tags = { "vaultwatch-waiver": "VW-NET-001:2027-03-31;VW-NET-002:2027-03-31" };
    const hardened = evaluateFixture(withTags(hardenedVault(), tags));
    expect(hardened.findings.find((finding) => finding.controlId === "VW-NET-001")?.status).toBe("Pass");
    expect(hardened.findings.find((finding) => finding.controlId === "VW-NET-002")?.status).toBe("NotApplicable");
    expect(statusOf(waived("VW-LOG-001:2027-03-31"), "VW-LOG-001")).toBe("Unknown");
    expect(statusOf(waived("VW-LOG-002:2027-03-31"), "VW-LOG-002")).toBe("NotApplicable");
  });

  it("of a control that does not apply to the resource type change nothing", () => {
    const hsm = withTags(hardenedManagedHsm(), { "vaultwatch-waiver": "VW-IAM-001:2027-03-31" });
    const evaluation = evaluateFixture(hsm);
    expect(evaluation.findings.map((finding) => finding.controlId)).not.toContain("VW-IAM-001");
    expect(evaluation.score).toBe(100);
  });

  it("ignore malformed entries with a warning each, and still apply the valid ones", () => {
    const value = "VW-NET-003:2027-03-31;VW-DP-001;VW-IAM-001:2027-02-30;VW-XYZ-001:2027-01-01;VW-DP-002:31/12/2027;garbage";
    const evaluation = evaluateFixture(waived(value));
    const status = (id: string) => evaluation.findings.find((finding) => finding.controlId === id)?.status;
    expect(status("VW-NET-003")).toBe("Waived");
    expect(status("VW-DP-001")).toBe("Fail");
    expect(status("VW-IAM-001")).toBe("Fail");
    expect(status("VW-DP-002")).toBe("Fail");
    expect(evaluation.warnings).toHaveLength(5);
    for (const entry of ["VW-DP-001", "VW-IAM-001:2027-02-30", "VW-XYZ-001:2027-01-01", "VW-DP-002:31/12/2027", "garbage"]) {
      expect(evaluation.warnings.some((warning) => warning.includes(entry))).toBe(true);
    }
    expect(evaluation.warnings.every((warning) => warning.startsWith(String(exampleVault().id)))).toBe(true);
  });

  it("count as passed in the score", () => {
    expect(evaluateFixture(exampleVault()).score).toBe(13);
    const allWaived = "VW-NET-001:2027-01-01;VW-NET-002:2027-01-01;VW-NET-003:2027-01-01;VW-NET-006:2027-01-01;VW-DP-001:2027-01-01;VW-DP-002:2027-01-01;VW-IAM-001:2027-01-01";
    expect(evaluateFixture(waived(allWaived)).score).toBe(100);
  });

  it("work on Resource Graph rows and Resource Notifications payloads", () => {
    expect(statusOf(asResourceGraphRow(waived("VW-NET-003:2027-03-31")), "VW-NET-003")).toBe("Waived");
    expect(statusOf(asResourceNotification(waived("VW-NET-003:2027-03-31")), "VW-NET-003")).toBe("Waived");
  });

  it("parse to one waiver per control with its inclusive end", () => {
    const { waivers, warnings } = parseWaivers({ "vaultwatch-waiver": "VW-NET-003:2027-03-31" });
    expect(warnings).toEqual([]);
    expect(waivers.get("VW-NET-003")).toEqual({
      controlId: "VW-NET-003",
      expires: "2027-03-31",
      endsAt: new Date("2027-04-01T00:00:00.000Z"),
    });
  });

  it("reject impossible calendar dates such as 29 February in a common year", () => {
    expect(parseWaivers({ "vaultwatch-waiver": "VW-NET-003:2027-02-29" }).warnings).toHaveLength(1);
    expect(parseWaivers({ "vaultwatch-waiver": "VW-NET-003:2028-02-29" }).warnings).toHaveLength(0);
  });
});
