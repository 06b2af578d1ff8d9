import { describe, expect, it } from "vitest";
import { InputError } from "../../cli/errors.js";
import { parseJson, readResourceItems, resourceItemsOf } from "../../cli/input.js";
import { evaluateItems, newTally } from "../../shared/evaluate/evaluateItems.js";
import { NOW } from "../fixtures/evaluation.js";
import { fixturePath } from "./cliProcess.js";

async function evaluateFile(name: string) {
  const tally = newTally();
  const evaluations = [...evaluateItems(await readResourceItems(fixturePath(name)), { now: NOW }, tally)];
  return { tally, evaluations };
}

function inputError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("reading evaluate's input", () => {
  describe("accepts every documented shape", () => {
    it("a JSON array of resources", async () => {
      const { evaluations } = await evaluateFile("compliant.json");
      expect(evaluations.map((evaluation) => evaluation.resource.name)).toEqual(["kv-hardened", "hsm-hardened"]);
    });

    it("an ARM list, { value: [...] }", async () => {
      expect((await readResourceItems(fixturePath("estate.arm-list.json"))).length).toBe(5);
    });

    it("a Resource Graph response, { data: [...] }", async () => {
      const { evaluations, tally } = await evaluateFile("estate.resource-graph.json");
      expect(evaluations.map((evaluation) => evaluation.resource.name)).toEqual(["sample-vault", "hsm-hardened"]);
      expect(tally.skippedByType.get("microsoft.storage/storageaccounts")).toBe(1);
    });

    it("a Resource Graph table-format response, { data: { columns, rows } }", async () => {
      const { evaluations } = await evaluateFile("estate.resource-graph-table.json");
      expect(evaluations.map((evaluation) => [evaluation.resource.name, evaluation.resource.resourceGroup, evaluation.score])).toEqual([
        ["kv-firewalled", "sample-resource-group", 84],
      ]);
    });

    it("a single resource object as az keyvault show prints it", async () => {
      const { evaluations } = await evaluateFile("vault.az-show.json");
      expect(evaluations.map((evaluation) => [evaluation.resource.name, evaluation.score])).toEqual([["kv-from-az", 100]]);
    });

    it("a single Resource Notifications payload", async () => {
      const { evaluations } = await evaluateFile("hsm.resource-notification.json");
      expect(evaluations.map((evaluation) => [evaluation.resource.name, evaluation.score])).toEqual([["hsm-notified", 90]]);
    });

    it("a list holding only other types, which leaves nothing to evaluate and counts what it skipped", async () => {
      const { evaluations, tally } = await evaluateFile("only-other-types.json");
      expect(evaluations).toEqual([]);
      expect(Object.fromEntries(tally.skippedByType)).toEqual({ "microsoft.storage/storageaccounts": 1 });
    });

    it("an empty array or an empty ARM list", () => {
      expect(resourceItemsOf([])).toEqual([]);
      expect(resourceItemsOf({ value: [], nextLink: null })).toEqual([]);
    });

    it("a UTF-8 byte order mark before the document", () => {
      expect(parseJson('\ufeff[{"id":"x"}]', "file.json")).toEqual([{ id: "x" }]);
    });
  });

  describe("refuses with a specific message", () => {
    it("a missing file", async () => {
      await expect(readResourceItems("test/fixtures/cli/nope.json")).rejects.toThrow("test/fixtures/cli/nope.json: no such file");
    });

    it("a directory", async () => {
      await expect(readResourceItems(fixturePath(""))).rejects.toThrow("is a directory, expected a JSON file");
    });

    it("empty input", () => {
      expect(inputError(() => parseJson(" \n\t", "standard input"))).toMatch(/^standard input: empty input, expected a JSON array/);
    });

    it.each([
      ['{"a" 1}', "line 1, column 6"],
      ["[1,2", "line 1, column 5"],
      ["[\n  1,\n  2\n]]", "line 4, column 2"],
      ["[1,]", "line 1, column 4"],
      ['[{"a": tru}]', "line 1, column 11"],
      ["xyz", "line 1, column 1"],
      ['[\n  {"id": "x",\n   "type": tru }\n]', "line 3, column 15"],
      ["[NaN]", "line 1, column 2"],
      ["{'id': 1}", "line 1, column 2"],
    ])("invalid JSON %j, at %s", (text, position) => {
      expect(inputError(() => parseJson(text, "input.json"))).toContain(`input.json: invalid JSON at ${position}`);
    });

    it.each([
      ["a number", 42, "found number"],
      ["a string", "vaults", "found string"],
      ["null", null, "found null"],
      ["true", true, "found boolean"],
      ["an object that is no resource or list", { vaults: [] }, "found an object with keys vaults"],
      ["an ARM list whose value is not a list", { value: "x" }, "found an object with keys value"],
    ])("a top-level %s", (_label, document, found) => {
      const message = inputError(() => resourceItemsOf(document));
      expect(message).toContain('expected a JSON array of resources, an ARM list ({ "value": [...] })');
      expect(message).toContain(found);
    });
  });
});
