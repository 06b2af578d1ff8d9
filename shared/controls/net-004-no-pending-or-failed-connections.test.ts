import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  exampleManagedHsm,
  exampleVault,
  flattenedConnection,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  privateEndpointConnection,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-004";

function vaultWith(...connections: unknown[]) {
  return withProperties(hardenedVault(), { privateEndpointConnections: connections });
}

describe("VW-NET-004 No private endpoint connection awaits approval or failed", () => {
  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty list", []],
  ])("passes a vault whose privateEndpointConnections is %s (no connection at all)", (_label, value) => {
    expect(statusOf(withProperties(hardenedVault(), { privateEndpointConnections: value }), CONTROL)).toBe("Pass");
  });

  it("passes the reference vault and HSM, which have no connection", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Pass");
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("passes approved, provisioned connections", () => {
    expect(statusOf(hardenedVault(), CONTROL)).toBe("Pass");
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("passes Rejected and Disconnected connections but lists them in its evidence", () => {
    const finding = findingOf(
      vaultWith(privateEndpointConnection({ status: "Rejected", name: "a" }), privateEndpointConnection({ status: "Disconnected", name: "b" })),
      CONTROL,
    );
    expect(finding?.status).toBe("Pass");
    expect(finding?.evidence).toMatchObject({
      rejectedOrDisconnected: [{ status: "Rejected" }, { status: "Disconnected" }],
    });
  });

  it.each(["Pending", "pending", "PENDING"])("fails a connection whose status is %s", (status) => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status })), CONTROL)).toBe("Fail");
  });

  it("fails a pending connection flattened onto the item, as SDKs print it", () => {
    expect(statusOf(vaultWith(flattenedConnection(privateEndpointConnection({ status: "Pending" }))), CONTROL)).toBe("Fail");
  });

  it("fails a pending connection beside an approved one", () => {
    const vault = vaultWith(privateEndpointConnection({ name: "ok" }), privateEndpointConnection({ status: "Pending", name: "new" }));
    expect(statusOf(vault, CONTROL)).toBe("Fail");
    expect(statusOf(vault, "VW-NET-003")).toBe("Pass");
  });

  it.each(["Failed", "failed"])("fails a connection whose provisioning state is %s, even when it is approved", (provisioningState) => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status: "Approved", provisioningState })), CONTROL)).toBe("Fail");
  });

  it("fails a Rejected connection whose provisioning failed", () => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status: "Rejected", provisioningState: "Failed" })), CONTROL)).toBe("Fail");
  });

  it("does not fail a connection that is still provisioning", () => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status: "Approved", provisioningState: "Updating" })), CONTROL)).toBe("Pass");
  });

  it("fails a Managed HSM with a pending connection", () => {
    const hsm = withProperties(hardenedManagedHsm(), {
      privateEndpointConnections: [privateEndpointConnection({ status: "Pending" }, "managedHsm")],
    });
    expect(statusOf(hsm, CONTROL)).toBe("Fail");
  });

  it("says how many connections await approval and how many failed, and lists them", () => {
    const finding = findingOf(
      vaultWith(
        privateEndpointConnection({ status: "Pending", name: "p1" }),
        privateEndpointConnection({ status: "Pending", name: "p2" }),
        privateEndpointConnection({ status: "Approved", provisioningState: "Failed", name: "f1" }),
      ),
      CONTROL,
    );
    expect(finding?.status).toBe("Fail");
    expect(finding?.reason).toContain("2 connection(s) await approval");
    expect(finding?.reason).toContain("1 connection(s) failed to provision");
    expect(finding?.evidence).toMatchObject({ connectionsByStatus: { Pending: 2, Approved: 1 } });
    expect((finding?.evidence.pending as unknown[]).length).toBe(2);
    expect((finding?.evidence.failed as unknown[]).length).toBe(1);
  });

  it("is Unknown when privateEndpointConnections is not a list", () => {
    expect(statusOf(withProperties(hardenedVault(), { privateEndpointConnections: "Pending" }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(vaultWith(privateEndpointConnection({ status: "Pending" })))) {
      expect(statusOf(raw, CONTROL)).toBe("Fail");
    }
  });

  it("is Medium severity", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("Medium");
  });
});
