/**
 * The package a user installs: `npm pack`, then `npm install <tarball>` into an empty folder (from the registry, as
 * a user would), then the installed `vaultwatch` run from a different folder. Slow (an install of the Azure SDKs),
 * so everything is done once and the cases read the results.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, ensureBuilt } from "../cli/cliProcess.js";

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function outcome(command: string, args: readonly string[], cwd: string, timeout = INSTALL_TIMEOUT_MS): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(command, [...args], { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) };
  }
}

describe("the npm package (npm pack, installed into an empty folder)", () => {
  let scratch: string;
  let files: string[];
  let bin: string;
  let elsewhere: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "vaultwatch-pack-"));
    // Build through the tests' shared lock rather than `prepare`, so packing never rewrites dist/ under another test.
    ensureBuilt();
    const packed = await outcome("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], REPO_ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    files = manifest!.files.map((file) => file.path);
    const project = join(scratch, "empty-project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "trying-vaultwatch", version: "1.0.0", private: true }));
    const installed = await outcome("npm", ["install", "--no-audit", "--no-fund", join(scratch, manifest!.filename)], project);
    expect(installed.code, installed.stderr).toBe(0);
    bin = join(project, "node_modules", ".bin", "vaultwatch");
    elsewhere = join(scratch, "somewhere-else");
    mkdirSync(elsewhere);
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }, 300_000);

  it("ships the CLI, its compiled code and the demo estate, and no sources, tests or Functions deployment files", () => {
    expect(files).toEqual(expect.arrayContaining(["bin/vaultwatch.js", "dist/cli/main.js", "samples/demo-estate.json", "package.json", "README.md"]));
    // npm always packs the file `main` names; the Functions host needs `main` to be its entry, and it is one small file.
    const unwanted = files.filter((path) => /\.test\.js$|^test\/|^infra\/|^dist\/functions\/|^dist\/bench\/|^dist\/scripts\/|\.ts$/.test(path) && !path.endsWith(".d.ts"));
    expect(unwanted.filter((path) => path !== "dist/functions/index.js")).toEqual([]);
  });

  it("runs `vaultwatch evaluate` from another folder", async () => {
    const estate = join(elsewhere, "vaults.json");
    writeFileSync(estate, readFileSync(join(REPO_ROOT, "test", "fixtures", "cli", "estate.arm-list.json")));
    const result = await outcome(bin, ["evaluate", "vaults.json", "--format", "json"], elsewhere, 120_000);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { resources: unknown[] }).resources).toHaveLength(5);
  }, 120_000);

  it("runs `vaultwatch demo` from another folder, Azurite included, and writes its report there", async () => {
    const result = await outcome(bin, ["demo"], elsewhere, 300_000);
    expect(result.stderr).not.toMatch(/not installed|Cannot find|ERR_MODULE_NOT_FOUND/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/estate score/i);
    expect(existsSync(join(elsewhere, "vaultwatch-report.html"))).toBe(true);
  }, 300_000);
});
