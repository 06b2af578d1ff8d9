import { afterEach, describe, expect, it, vi } from "vitest";
import { NOW, evaluateFixture, postureOf, statusesOf } from "../../test/fixtures/evaluation.js";
import {
  EXAMPLE_HSM_ID,
  EXAMPLE_VAULT_ID,
  asResourceGraphRow,
  exampleManagedHsm,
  exampleVault,
  exampleVaultWithNetworkAcls,
  firewalledVault,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withProperties,
} from "../../test/fixtures/resources.js";
import { narrowIpRules } from "../controls/net-005-narrow-ip-rules.js";
import { evaluateResource } from "./evaluate.js";

describe("evaluating one resource", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe("gives every status of the reference resources exactly as the catalog defines them", () => {
    it("for the reference vault", () => {
      expect(statusesOf(exampleVault())).toEqual({
        "VW-NET-001": "Fail",
        "VW-NET-002": "Fail",
        "VW-NET-003": "Fail",
        "VW-NET-004": "Pass",
        "VW-NET-005": "NotApplicable",
        "VW-NET-006": "Fail",
        "VW-NET-007": "Pass",
        "VW-DP-001": "Fail",
        "VW-DP-002": "Fail",
        "VW-LOG-001": "Unknown",
        "VW-LOG-002": "NotApplicable",
        "VW-IAM-001": "Fail",
      });
    });

    it("for the reference vault with network ACLs", () => {
      expect(statusesOf(exampleVaultWithNetworkAcls())).toEqual({
        "VW-NET-001": "Fail",
        "VW-NET-002": "Pass",
        "VW-NET-003": "Fail",
        "VW-NET-004": "Pass",
        "VW-NET-005": "Fail",
        "VW-NET-006": "Fail",
        "VW-NET-007": "Pass",
        "VW-DP-001": "Fail",
        "VW-DP-002": "Fail",
        "VW-LOG-001": "Unknown",
        "VW-LOG-002": "NotApplicable",
        "VW-IAM-001": "Fail",
      });
    });

    it("for the reference Managed HSM", () => {
      expect(statusesOf(exampleManagedHsm())).toEqual({
        "VW-NET-001": "Fail",
        "VW-NET-002": "Fail",
        "VW-NET-003": "Fail",
        "VW-NET-004": "Pass",
        "VW-NET-005": "NotApplicable",
        "VW-NET-006": "Fail",
        "VW-NET-007": "Pass",
        "VW-DP-001": "Fail",
        "VW-DP-002": "Pass",
        "VW-LOG-001": "Unknown",
        "VW-LOG-002": "NotApplicable",
        "VW-IAM-002": "Unknown",
      });
    });

    it("for hardened resources, in every source shape", () => {
      const hardened = {
        "VW-NET-001": "Pass",
        "VW-NET-002": "NotApplicable",
        "VW-NET-003": "Pass",
        "VW-NET-004": "Pass",
        "VW-NET-005": "NotApplicable",
        "VW-NET-006": "Pass",
        "VW-NET-007": "NotApplicable",
        "VW-DP-001": "Pass",
        "VW-DP-002": "Pass",
        "VW-LOG-001": "Pass",
        "VW-LOG-002": "Pass",
      };
      for (const { raw } of inEveryShape(hardenedVault())) expect(statusesOf(raw)).toEqual({ ...hardened, "VW-IAM-001": "Pass" });
      for (const { raw } of inEveryShape(hardenedManagedHsm())) expect(statusesOf(raw)).toEqual({ ...hardened, "VW-IAM-002": "Pass" });
    });

    it("for a hardened vault left public behind a Deny firewall", () => {
      expect(statusesOf(firewalledVault())).toMatchObject({
        "VW-NET-001": "Fail",
        "VW-NET-002": "Pass",
        "VW-NET-005": "Pass",
        "VW-NET-007": "Pass",
      });
    });
  });

  it("summarises the resource from an ARM body, keeping the id's casing and naming the canonical type", () => {
    expect(evaluateFixture(exampleVault()).resource).toEqual({
      resourceId: EXAMPLE_VAULT_ID,
      resourceType: "Microsoft.KeyVault/vaults",
      kind: "vault",
      name: "sample-vault",
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      resourceGroup: "sample-resource-group",
      location: "westus",
    });
  });

  it("summarises a Resource Graph row with its lower-cased type and resource group column", () => {
    expect(evaluateFixture(asResourceGraphRow(exampleManagedHsm())).resource).toEqual({
      resourceId: EXAMPLE_HSM_ID,
      resourceType: "Microsoft.KeyVault/managedHSMs",
      kind: "managedHsm",
      name: "hsm1",
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      resourceGroup: "hsm-group",
      location: "westus",
    });
  });

  it("gives every finding the resource id, title, severity, reason and evidence, and a remediation only when it fails", () => {
    const findings = evaluateFixture(exampleVaultWithNetworkAcls()).findings;
    expect(findings.some((finding) => finding.status === "Fail")).toBe(true);
    expect(findings.some((finding) => finding.status !== "Fail")).toBe(true);
    for (const finding of findings) {
      expect(finding.resourceId).toBe(EXAMPLE_VAULT_ID);
      expect(finding.title.length).toBeGreaterThan(0);
      expect(["High", "Medium", "Low"]).toContain(finding.severity);
      expect(finding.reason.length).toBeGreaterThan(0);
      expect(typeof finding.evidence).toBe("object");
      if (finding.status === "Fail") {
        expect(finding.remediation?.commands.length).toBeGreaterThan(0);
        expect(finding.remediation?.note.length).toBeGreaterThan(0);
      } else {
        expect(finding.remediation).toBeUndefined();
      }
    }
  });

  it("turns a control that throws into Unknown with the error, and evaluates the others", () => {
    vi.spyOn(narrowIpRules, "evaluate").mockImplementation(() => {
      throw new Error("boom");
    });
    const evaluation = evaluateFixture(exampleVaultWithNetworkAcls());
    const finding = evaluation.findings.find((item) => item.controlId === "VW-NET-005");
    expect(finding?.status).toBe("Unknown");
    expect(finding?.reason).toContain("boom");
    expect(evaluation.findings).toHaveLength(12);
    expect(evaluation.findings.find((item) => item.controlId === "VW-NET-002")?.status).toBe("Pass");
  });

  it("reports what it could not read as warnings naming the resource and the property", () => {
    const evaluation = evaluateFixture(withProperties(hardenedVault(), { enablePurgeProtection: "yes" }));
    expect(evaluation.warnings).toHaveLength(1);
    expect(evaluation.warnings[0]).toContain(EXAMPLE_VAULT_ID);
    expect(evaluation.warnings[0]).toContain("properties.enablePurgeProtection");
  });

  it("is pure: the same posture and instant give the same evaluation", () => {
    const posture = postureOf(exampleVaultWithNetworkAcls());
    expect(evaluateResource(posture, { now: NOW })).toEqual(evaluateResource(posture, { now: NOW }));
  });
});
