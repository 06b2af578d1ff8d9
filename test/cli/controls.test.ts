import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./cliProcess.js";

const IDS = [
  "VW-NET-001",
  "VW-NET-002",
  "VW-NET-003",
  "VW-NET-004",
  "VW-NET-005",
  "VW-NET-006",
  "VW-NET-007",
  "VW-DP-001",
  "VW-DP-002",
  "VW-LOG-001",
  "VW-LOG-002",
  "VW-IAM-001",
  "VW-IAM-002",
];

describe.concurrent("vaultwatch controls", () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it("prints the catalog as a table by default: a header row, then one line per control", async () => {
    const run = await runCli(["controls"]);
    expect(run.code).toBe(0);
    const [header, ...lines] = run.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+SEVERITY\s+APPLIES TO\s+TITLE$/);
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(IDS);
    expect(lines[0]).toMatch(/^VW-NET-001\s+High\s+Key Vault, Managed HSM\s+Public network access is disabled$/);
    expect(lines[11]).toMatch(/^VW-IAM-001\s+Medium\s+Key Vault\s+Access is governed by Azure RBAC$/);
    expect(lines[12]).toMatch(/^VW-IAM-002\s+Medium\s+Managed HSM\s+The security domain is activated$/);
  });

  it("prints the catalog as JSON with id, title, severity and resource types", async () => {
    const run = await runCli(["controls", "--format", "json"]);
    expect(run.code).toBe(0);
    const catalog = JSON.parse(run.stdout) as { id: string; title: string; severity: string; appliesTo: string[] }[];
    expect(catalog.map((control) => control.id)).toEqual(IDS);
    expect(catalog[4]).toMatchObject({ id: "VW-NET-005", title: "IP rules allow only narrow public ranges", severity: "High" });
    expect(catalog[6]?.severity).toBe("Low");
    expect(catalog[12]?.appliesTo).toEqual(["Managed HSM"]);
  });

  it("prints the catalog as a Markdown table", async () => {
    const run = await runCli(["controls", "--format", "markdown"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("| ID | Severity | Applies to | Title | Why | Azure Policy built-ins | Compliance mappings |");
    expect(lines[1]).toBe("|---|---|---|---|---|---|---|");
    expect(lines.slice(2).map((line) => line.split("|")[1]?.trim())).toEqual(IDS);
  });

  it("exits 2 for a format it does not offer", async () => {
    const run = await runCli(["controls", "--format", "sarif"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("sarif");
  });
});
