import { describe, expect, it } from "vitest";
import { resourceKeys, subscriptionPartitionKey } from "./resourceKeys.js";

const ID = "/subscriptions/6F2B1C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D/resourceGroups/RG-App/providers/Microsoft.KeyVault/vaults/KV-App";

describe("table keys of a resource", () => {
  it("are the same whatever casing the caller used for the id", () => {
    expect(resourceKeys(ID)).toEqual(resourceKeys(ID.toLowerCase()));
  });

  it("differ between resources", () => {
    expect(resourceKeys(ID).rowKey).not.toBe(resourceKeys(`${ID}2`).rowKey);
  });

  it("hold only characters Table Storage allows in keys", () => {
    const keys = resourceKeys(ID);
    expect(keys.partitionKey).toBe("6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    expect(keys.rowKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuse ids that are not ARM ids, saying why", () => {
    expect(() => resourceKeys("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")).toThrow(/not a subscription GUID/);
    expect(() => resourceKeys(`${ID}?api-version=1`)).toThrow(/never hold/);
    expect(() => resourceKeys(`${ID}/../../other`)).toThrow(/'\.\.' segment/);
    expect(() => resourceKeys("")).toThrow(/empty/);
  });
});

describe("the partition of a subscription", () => {
  it("is the partition every resource of that subscription is kept in", () => {
    expect(subscriptionPartitionKey("6F2B1C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")).toBe(resourceKeys(ID).partitionKey);
  });

  it("refuses anything but a GUID", () => {
    expect(() => subscriptionPartitionKey("6f2b1c3d' or PartitionKey ne '")).toThrow(/is not a subscription GUID/);
  });
});
