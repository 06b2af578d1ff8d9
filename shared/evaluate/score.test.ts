import { describe, expect, it } from "vitest";
import { evaluateFixture } from "../../test/fixtures/evaluation.js";
import {
  exampleManagedHsm,
  exampleVault,
  exampleVaultWithNetworkAcls,
  firewalledVault,
  hardenedManagedHsm,
  hardenedVault,
  withDiagnosticSettings,
  withNetworkAcls,
  withProperties,
  withTags,
} from "../../test/fixtures/resources.js";
import type { Severity, Status } from "../model/finding.js";
import { estateScoreOf, scoreOf } from "./score.js";

function findings(...entries: [Severity, Status][]) {
  return entries.map(([severity, status]) => ({ severity, status }));
}

describe("the resource score", () => {
  describe("arithmetic", () => {
    it("is null, not 100, when nothing could be judged", () => {
      expect(scoreOf([])).toBeNull();
      expect(scoreOf(findings(["High", "NotApplicable"], ["Medium", "Unknown"], ["Low", "NotApplicable"]))).toBeNull();
    });

    it("leaves resources without a score out of the estate mean", () => {
      expect(estateScoreOf([40, null, 61])).toBe(51); // 50.5 rounds half up
      expect(estateScoreOf([null, null])).toBeNull();
      expect(estateScoreOf([])).toBeNull();
    });

    it("is 100 when everything applicable passes and 0 when everything fails", () => {
      expect(scoreOf(findings(["High", "Pass"], ["Low", "Pass"]))).toBe(100);
      expect(scoreOf(findings(["High", "Fail"], ["Low", "Fail"], ["Medium", "Unknown"]))).toBe(0);
    });

    it("weighs High 10, Medium 5 and Low 2", () => {
      expect(scoreOf(findings(["High", "Pass"], ["Medium", "Fail"]))).toBe(67); // 10/15 = 66.7
      expect(scoreOf(findings(["High", "Fail"], ["Medium", "Pass"]))).toBe(33); // 5/15 = 33.3
      expect(scoreOf(findings(["Medium", "Pass"], ["Low", "Fail"]))).toBe(71); // 5/7 = 71.4
      expect(scoreOf(findings(["High", "Fail"], ["Low", "Pass"]))).toBe(17); // 2/12 = 16.7
    });

    it("rounds half up: 62.5 gives 63", () => {
      // passed 10 + 10 + 5 = 25 of 40
      expect(scoreOf(findings(["High", "Pass"], ["High", "Pass"], ["Medium", "Pass"], ["High", "Fail"], ["Medium", "Fail"]))).toBe(63);
    });

    it("rounds half up at the low and high ends too: 12.5 gives 13 and 87.5 gives 88", () => {
      expect(scoreOf(findings(["Low", "Pass"], ["High", "Fail"], ["Low", "Fail"], ["Low", "Fail"]))).toBe(13); // 2/16
      expect(scoreOf(findings(["High", "Pass"], ["Low", "Pass"], ["Low", "Pass"], ["Low", "Fail"]))).toBe(88); // 14/16
    });

    it("counts Waived as passed", () => {
      expect(scoreOf(findings(["High", "Waived"], ["Medium", "Fail"]))).toBe(67);
      expect(scoreOf(findings(["High", "Waived"]))).toBe(100);
    });

    it("counts NotApplicable and Unknown in neither sum", () => {
      const base = findings(["High", "Pass"], ["Medium", "Fail"]);
      expect(scoreOf([...base, ...findings(["High", "Unknown"], ["High", "NotApplicable"], ["Low", "Unknown"])])).toBe(scoreOf(base));
    });

    it("is always an integer", () => {
      const score = scoreOf(findings(["High", "Pass"], ["Medium", "Pass"], ["High", "Fail"], ["Low", "Fail"], ["Low", "Fail"]));
      expect(Number.isInteger(score)).toBe(true);
      expect(score).toBe(52); // 15/29 = 51.7
    });
  });

  describe("of whole resources", () => {
    it("is 13 for the reference vault: 7 passed of 54 applicable", () => {
      expect(evaluateFixture(exampleVault()).score).toBe(13);
    });

    it("is 24 for the reference Managed HSM: 12 passed of 49 applicable", () => {
      expect(evaluateFixture(exampleManagedHsm()).score).toBe(24);
    });

    it("is 27 for the reference network ACL vault: 17 passed of 64 applicable", () => {
      expect(evaluateFixture(exampleVaultWithNetworkAcls()).score).toBe(27);
    });

    it("is 100 for hardened resources", () => {
      expect(evaluateFixture(hardenedVault()).score).toBe(100);
      expect(evaluateFixture(hardenedManagedHsm()).score).toBe(100);
    });

    it("is 86 for a hardened vault left public behind its firewall: 61 passed of 71", () => {
      expect(evaluateFixture(firewalledVault()).score).toBe(86);
    });

    it("is 63 for a vault whose applicable controls weigh 40 and whose passes weigh 25", () => {
      // No diagnostic settings (LOG-001 Unknown, LOG-002 n/a), bypass unreadable (NET-006 Unknown), public access
      // off (NET-002/005/007 n/a): NET-001 10 + NET-003 5 + NET-004 5 + IAM-001 5 pass; DP-001 10 + DP-002 5 fail.
      const vault = withNetworkAcls(
        withProperties(withDiagnosticSettings(hardenedVault(), null), { enablePurgeProtection: false, enableSoftDelete: false }),
        { bypass: 5 },
      );
      const evaluation = evaluateFixture(vault);
      expect(evaluation.findings.find((finding) => finding.controlId === "VW-NET-006")?.status).toBe("Unknown");
      expect(evaluation.score).toBe(63);
    });

    it.each([123, "x", true, [], "oops"])("is null, with one warning naming properties, when properties is %j", (properties) => {
      const evaluation = evaluateFixture({ ...exampleVault(), properties });
      expect(evaluation.findings.every((finding) => finding.status === "Unknown" || finding.status === "NotApplicable")).toBe(true);
      expect(evaluation.score).toBeNull();
      expect(evaluation.warnings).toHaveLength(1);
      expect(evaluation.warnings[0]).toMatch(/properties should be an object/);
      expect(evaluation.warnings[0]).toContain(evaluation.resource.resourceId);
    });

    it("rises when a waiver covers a failure: the reference vault goes from 13 to 22 with VW-NET-003 waived", () => {
      const waived = withTags(exampleVault(), { "vaultwatch-waiver": "VW-NET-003:2027-03-31" });
      expect(evaluateFixture(waived).score).toBe(22); // 12/54 = 22.2
    });
  });
});
