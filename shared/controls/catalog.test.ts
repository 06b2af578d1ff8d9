import { describe, expect, it } from "vitest";
import { evaluateFixture } from "../../test/fixtures/evaluation.js";
import { exampleManagedHsm, exampleVault } from "../../test/fixtures/resources.js";
import { normaliseResource } from "../normalise/normaliseResource.js";
import { CONTROLS, findControl, isControlId } from "./catalog.js";

/** The catalog table of CONTROLS.md, transcribed: ID, applies to (V vault, H HSM), severity, title. */
const CATALOG: [id: string, applies: string, severity: string, title: string][] = [
  ["VW-NET-001", "VH", "High", "Public network access is disabled"],
  ["VW-NET-002", "VH", "High", "Firewall denies by default"],
  ["VW-NET-003", "VH", "Medium", "Reached through an approved private endpoint"],
  ["VW-NET-004", "VH", "Medium", "No private endpoint connection awaits approval or failed"],
  ["VW-NET-005", "VH", "High", "IP rules allow only narrow public ranges"],
  ["VW-NET-006", "VH", "Low", "Trusted Azure services do not bypass the firewall"],
  ["VW-NET-007", "VH", "Low", "Virtual network rules are effective"],
  ["VW-DP-001", "VH", "High", "Purge protection is enabled"],
  ["VW-DP-002", "VH", "Medium", "Soft delete is enabled with a valid retention"],
  ["VW-LOG-001", "VH", "Medium", "Audit logs are collected"],
  ["VW-LOG-002", "VH", "Low", "Audit logs reach a Log Analytics workspace"],
  ["VW-IAM-001", "V", "Medium", "Access is governed by Azure RBAC"],
  ["VW-IAM-002", "H", "Medium", "The security domain is activated"],
];

describe("the control catalog", () => {
  it("holds the thirteen controls of CONTROLS.md in its order, with their severities, titles and resource types", () => {
    expect(
      CONTROLS.map((control) => [
        control.id,
        `${control.appliesTo.includes("vault") ? "V" : ""}${control.appliesTo.includes("managedHsm") ? "H" : ""}`,
        control.severity,
        control.title,
      ]),
    ).toEqual(CATALOG);
  });

  it("gives a vault one finding per vault control, in catalog order, every status included", () => {
    const ids = evaluateFixture(exampleVault()).findings.map((finding) => finding.controlId);
    expect(ids).toEqual(CATALOG.filter(([, applies]) => applies.includes("V")).map(([id]) => id));
  });

  it("gives a Managed HSM one finding per HSM control, in catalog order", () => {
    const ids = evaluateFixture(exampleManagedHsm()).findings.map((finding) => finding.controlId);
    expect(ids).toEqual(CATALOG.filter(([, applies]) => applies.includes("H")).map(([id]) => id));
  });

  it("finds a control by its id in any case, and nothing for an unknown id", () => {
    expect(findControl("vw-net-005")?.id).toBe("VW-NET-005");
    expect(findControl("VW-NET-999")).toBeUndefined();
    expect(isControlId("VW-IAM-002")).toBe(true);
    expect(isControlId("VW-IAM-003")).toBe(false);
  });

  it("gives every control a rationale and a remediation naming the resource", () => {
    for (const control of CONTROLS) expect(control.rationale.length).toBeGreaterThan(20);
    for (const [fixture, name] of [
      [exampleVault(), "sample-vault"],
      [exampleManagedHsm(), "hsm1"],
    ] as const) {
      const normalised = normaliseResource(fixture);
      if (!normalised.ok) throw new Error("fixture does not normalise");
      for (const control of CONTROLS.filter((candidate) => candidate.appliesTo.includes(normalised.resource.kind))) {
        const remediation = control.remediation(normalised.resource);
        expect(remediation.commands.join("\n"), control.id).toContain(name);
        expect(remediation.note.length, control.id).toBeGreaterThan(20);
      }
    }
    // The findings carry it only where there is something to fix.
    for (const finding of evaluateFixture(exampleVault()).findings) {
      expect(finding.remediation !== undefined, finding.controlId).toBe(finding.status === "Fail" || finding.status === "Waived");
    }
  });
});
