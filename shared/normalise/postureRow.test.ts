import { describe, expect, it } from "vitest";
import { foldProjectedColumns } from "./postureRow.js";

describe("folding a posture row back into the ARM shape", () => {
  it("puts the lifted columns under properties and leaves out those that were null", () => {
    expect(
      foldProjectedColumns({
        id: "/x",
        type: "microsoft.keyvault/vaults",
        tags: { a: "b" },
        publicNetworkAccess: "Disabled",
        networkAcls: null,
        enablePurgeProtection: false,
        securityDomainProperties: null,
      }),
    ).toEqual({ id: "/x", type: "microsoft.keyvault/vaults", tags: { a: "b" }, properties: { publicNetworkAccess: "Disabled", enablePurgeProtection: false } });
  });

  it("passes on what is not a row, for the normaliser to report", () => {
    expect(foldProjectedColumns("oops")).toBe("oops");
    expect(foldProjectedColumns(null)).toBeNull();
  });

  it("leaves an ARM body, a full Resource Graph row and a row without projected columns as they are", () => {
    const armBody = { id: "/x", type: "Microsoft.KeyVault/vaults", properties: { publicNetworkAccess: "Enabled" } };
    expect(foldProjectedColumns(armBody)).toBe(armBody);
    const bare = { id: "/x", type: "Microsoft.KeyVault/vaults", name: "x" };
    expect(foldProjectedColumns(bare)).toBe(bare);
  });
});
