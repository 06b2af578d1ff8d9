import { describe, expect, it } from "vitest";
import { NOW } from "../../test/fixtures/evaluation.js";
import {
  asResourceGraphRow,
  exampleManagedHsm,
  exampleVault,
  generatedResources,
} from "../../test/fixtures/resources.js";
import { evaluateItems, newTally } from "./evaluateItems.js";

const STORAGE_ACCOUNT_ROW = {
  id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs",
  name: "logs",
  type: "microsoft.storage/storageaccounts",
  properties: {},
};

describe("evaluating a list of items", () => {
  it("evaluates vaults and HSMs, counts other types by type, and reports malformed items with their index and why", () => {
    const tally = newTally();
    const items = [
      exampleVault(),
      STORAGE_ACCOUNT_ROW,
      asResourceGraphRow(exampleManagedHsm()),
      { id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/typeless" },
      "a string",
      null,
      { type: "Microsoft.KeyVault/vaults", name: "idless" },
      { ...STORAGE_ACCOUNT_ROW, type: "Microsoft.Storage/storageAccounts" },
    ];
    const evaluations = [...evaluateItems(items, { now: NOW }, tally)];
    expect(evaluations.map((evaluation) => evaluation.resource.name)).toEqual(["sample-vault", "hsm1"]);
    expect(tally.evaluated).toBe(2);
    expect(Object.fromEntries(tally.skippedByType)).toEqual({ "microsoft.storage/storageaccounts": 2 });
    expect(tally.malformed).toHaveLength(4);
    expect(tally.malformed[0]).toMatch(/^item 3: .*typeless has no type/);
    expect(tally.malformed[1]).toMatch(/^item 4: .*not a JSON object/);
    expect(tally.malformed[2]).toMatch(/^item 5: .*not a JSON object/);
    expect(tally.malformed[3]).toMatch(/^item 6: .*no id/);
  });

  it("evaluates one item at a time as the caller pulls, not the whole input at once", () => {
    let pulled = 0;
    function* source() {
      for (const resource of generatedResources(50)) {
        pulled += 1;
        yield resource;
      }
    }
    const evaluations = evaluateItems(source(), { now: NOW });
    evaluations.next();
    expect(pulled).toBe(1);
    evaluations.next();
    expect(pulled).toBe(2);
  });

  it("evaluates a few thousand generated resources in every source shape without error", () => {
    const tally = newTally();
    let findings = 0;
    let resources = 0;
    for (const evaluation of evaluateItems(generatedResources(3000), { now: NOW }, tally)) {
      resources += 1;
      findings += evaluation.findings.length;
      expect(evaluation.score).toBeGreaterThanOrEqual(0);
      expect(evaluation.score).toBeLessThanOrEqual(100);
    }
    expect(resources).toBe(3000);
    expect(tally.evaluated).toBe(3000);
    expect(tally.malformed).toEqual([]);
    expect(findings).toBe(3000 * 12);
  });
});
