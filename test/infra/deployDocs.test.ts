import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INFRA_DIR, REPO_ROOT } from "./bicepSource.js";
import { alertRules } from "./infraKql.js";

const guide = readFileSync(join(REPO_ROOT, "docs/deploy.md"), "utf8");

describe("the deployment guide (docs/deploy.md)", () => {
  it("explains every role the deployment assigns", () => {
    const roles = JSON.parse(readFileSync(join(INFRA_DIR, "roles/built-in-roles.json"), "utf8")) as Record<string, { name: string }>;
    expect(Object.values(roles).filter((role) => !guide.includes(`| ${role.name}`)).map((role) => role.name)).toEqual([]);
  });

  it("lists every action of the custom role", () => {
    const custom = JSON.parse(readFileSync(join(INFRA_DIR, "roles/vaultwatch-reader.json"), "utf8")) as { actions: string[] };
    expect(custom.actions.filter((action) => !guide.includes(`\`${action}\``))).toEqual([]);
  });

  it("describes every alert rule by the name the portal shows", () => {
    expect(alertRules().filter((rule) => !guide.includes(rule.displayName.split(" (")[0] as string)).map((rule) => rule.name)).toEqual([]);
  });

  it("documents every azd environment value main.parameters.json reads", () => {
    const parameters = readFileSync(join(INFRA_DIR, "main.parameters.json"), "utf8");
    const azdOwned = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE", "AZURE_RESOURCE_GROUP"];
    const variables = [...parameters.matchAll(/\$\{([A-Z0-9_]+)(?:=[^}]*)?\}/g)].map((match) => match[1] as string);
    expect(variables.filter((name) => !azdOwned.includes(name) && !guide.includes(`\`${name}\``))).toEqual([]);
  });

  it("walks from azd up to the workbook", () => {
    const walkthrough = guide.slice(guide.indexOf("## Deploy"));
    const steps = ["azd env new", "azd up", "VAULTWATCH_WORKBOOK_URL", "Open the workbook"];
    const positions = steps.map((step) => walkthrough.indexOf(step));
    expect(positions.filter((position) => position < 0)).toEqual([]);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("gives each alert the window Azure Monitor deploys at the default six-hour sweep, and names no window the service refuses", () => {
    const accepted = (JSON.parse(readFileSync(join(INFRA_DIR, "alerts/window-sizes.json"), "utf8")) as { windows: { minutes: number; duration: string }[] }).windows;
    const label = (minutes: number) => (minutes % 1440 === 0 ? `${minutes / 1440} day${minutes === 1440 ? "" : "s"}` : minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);
    const rows = guide.split("\n").filter((line) => line.startsWith("| vaultwatch: "));
    for (const rule of alertRules()) {
      const window = accepted.find((candidate) => candidate.minutes >= rule.windowInSweepIntervals * 6 * 60);
      const row = rows.find((line) => line.includes(rule.displayName.split(" (")[0] as string)) ?? "";
      expect(row, rule.name).toMatch(new RegExp(`\\(Sev ${rule.severity}, (?:[^,()]+, )+${label(window?.minutes ?? 0)}( window)?\\)`));
    }
    const windowsNamed = rows.flatMap((line) => [...line.matchAll(/\(Sev \d, (?:[^,()]+, )+(\d+) (min|h|days?)( window)?\)/g)]);
    const minutes = windowsNamed.map((match) => Number(match[1]) * (match[2] === "min" ? 1 : match[2] === "h" ? 60 : 1440));
    expect(minutes.filter((value) => !accepted.some((window) => window.minutes === value))).toEqual([]);
  });

  it("says Node 22, and why Resource Notifications is not the default", () => {
    expect(guide).toContain("Node.js 22");
    expect(guide).not.toMatch(/Node(\.js)? 20/);
    expect(guide).toContain("doesn't yet support all the resource types");
  });
});
