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

const CONTROL = "VW-NET-003";

function vaultWith(...connections: unknown[]) {
  return withProperties(hardenedVault(), { privateEndpointConnections: connections });
}

describe("VW-NET-003 Reached through an approved private endpoint", () => {
  it("passes a vault with the reference connection, Approved and Succeeded, nested under properties", () => {
    expect(statusOf(vaultWith(privateEndpointConnection()), CONTROL)).toBe("Pass");
  });

  it("passes the same connection flattened onto the item, as SDKs and az print it", () => {
    expect(statusOf(vaultWith(flattenedConnection(privateEndpointConnection())), CONTROL)).toBe("Pass");
  });

  it("passes a Managed HSM with the reference HSM connection", () => {
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("compares the status and provisioning state case-insensitively", () => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status: "APPROVED", provisioningState: "succeeded" })), CONTROL)).toBe("Pass");
  });

  it("passes when one connection among pending, rejected and disconnected ones is approved and provisioned", () => {
    const vault = vaultWith(
      privateEndpointConnection({ status: "Pending", name: "a" }),
      privateEndpointConnection({ status: "Rejected", name: "b" }),
      privateEndpointConnection({ status: "Disconnected", name: "c" }),
      privateEndpointConnection({ status: "Approved", provisioningState: "Succeeded", name: "d" }),
    );
    expect(statusOf(vault, CONTROL)).toBe("Pass");
  });

  it("passes whatever the public access setting, because the private path exists either way", () => {
    expect(statusOf(withProperties(hardenedVault(), { publicNetworkAccess: "Enabled" }), CONTROL)).toBe("Pass");
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty list", []],
  ])("fails a vault whose privateEndpointConnections is %s", (_label, value) => {
    const finding = findingOf(withProperties(hardenedVault(), { privateEndpointConnections: value }), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ connectionsByStatus: {} });
  });

  it("fails the reference vault and HSM, which have no private endpoint", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Fail");
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Fail");
  });

  it.each(["Updating", "Creating", "Failed", "Deleting"])(
    "fails an Approved connection whose provisioning state is %s, because it has not provisioned",
    (provisioningState) => {
      expect(statusOf(vaultWith(privateEndpointConnection({ status: "Approved", provisioningState })), CONTROL)).toBe("Fail");
    },
  );

  it("fails an Approved connection without a provisioning state", () => {
    const connection = privateEndpointConnection();
    delete (connection.properties as Record<string, unknown>).provisioningState;
    expect(statusOf(vaultWith(connection), CONTROL)).toBe("Fail");
  });

  it.each(["Pending", "Rejected", "Disconnected"])("fails when the only connection is %s, even if provisioned", (status) => {
    expect(statusOf(vaultWith(privateEndpointConnection({ status, provisioningState: "Succeeded" })), CONTROL)).toBe("Fail");
  });

  it("fails a Managed HSM whose only connection awaits approval", () => {
    const hsm = withProperties(hardenedManagedHsm(), {
      privateEndpointConnections: [privateEndpointConnection({ status: "Pending" }, "managedHsm")],
    });
    expect(statusOf(hsm, CONTROL)).toBe("Fail");
  });

  it("counts the connections by status in its evidence", () => {
    const finding = findingOf(
      vaultWith(
        privateEndpointConnection({ status: "Pending", name: "a" }),
        privateEndpointConnection({ status: "Pending", name: "b" }),
        privateEndpointConnection({ status: "Rejected", name: "c" }),
        privateEndpointConnection({ status: "Approved", provisioningState: "Updating", name: "d" }),
      ),
      CONTROL,
    );
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ connectionsByStatus: { Pending: 2, Rejected: 1, Approved: 1 } });
  });

  it("is Unknown when privateEndpointConnections is not a list", () => {
    expect(statusOf(withProperties(hardenedVault(), { privateEndpointConnections: { status: "Approved" } }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(hardenedManagedHsm())) expect(statusOf(raw, CONTROL)).toBe("Pass");
  });

  it("is Medium severity and remedies with the private endpoint group id of the resource type", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("Medium");
    expect(findingOf(exampleVault(), CONTROL)?.remediation?.commands.join("\n")).toContain("--group-id vault");
    expect(findingOf(exampleManagedHsm(), CONTROL)?.remediation?.commands.join("\n")).toContain("--group-id managedhsm");
  });
});
