import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./cliProcess.js";

describe("vaultwatch demo --report", () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("refuses an unwritable report path before the demo runs, saying why", async () => {
    const run = await runCli(["demo", "--report", "/no/such/dir/r.html"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("vaultwatch: --report /no/such/dir/r.html: the folder /no/such/dir does not exist; the demo did not run.");
    expect(run.stderr).not.toContain("ENOENT");
  });
});
