import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigurationError } from "../config.js";
import { loadAppGovernance } from "./appGovernance.js";

const folder = mkdtempSync(join(tmpdir(), "vaultwatch-app-config-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function problemsOf(setting: string): readonly string[] {
  try {
    loadAppGovernance({ VAULTWATCH_CONFIG_FILE: setting }, () => folder);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

describe("the Function App's configuration file", () => {
  it("is optional: without VAULTWATCH_CONFIG_FILE the catalog applies unchanged", () => {
    expect(loadAppGovernance({}, () => folder)).toBeUndefined();
    expect(loadAppGovernance({ VAULTWATCH_CONFIG_FILE: " " }, () => folder)).toBeUndefined();
  });

  it("is read from the deployed package, relative to its root", () => {
    writeFileSync(join(folder, "vaultwatch.config.json"), JSON.stringify({ controls: { "VW-NET-006": { enabled: false } }, tagWaivers: "off" }));
    const governance = loadAppGovernance({ VAULTWATCH_CONFIG_FILE: "vaultwatch.config.json" }, () => folder);
    expect([...(governance?.disabledControls ?? [])]).toEqual(["VW-NET-006"]);
    expect(governance?.tagWaivers).toBe("off");
  });

  it("stops the app when the file is missing, naming the setting and the file", () => {
    expect(problemsOf("missing.config.json")).toEqual(["VAULTWATCH_CONFIG_FILE: cannot read missing.config.json (no such file in the deployed package)."]);
  });

  it("stops the app when the file is invalid, naming the setting, the file, the JSON path and the rule", () => {
    writeFileSync(join(folder, "bad.config.json"), JSON.stringify({ exceptions: [{ controls: ["VW-NET-003"], scope: "/subscriptions/00000000-0000-0000-0000-000000000000", reason: "r", approvedBy: "a" }] }));
    expect(problemsOf("bad.config.json")).toEqual(["VAULTWATCH_CONFIG_FILE: bad.config.json: $.exceptions[0].expires: is required (expected string)"]);
    writeFileSync(join(folder, "broken.config.json"), "{ not json");
    expect(problemsOf("broken.config.json")[0]).toMatch(/^VAULTWATCH_CONFIG_FILE: broken.config.json: \$: invalid JSON/);
  });
});
