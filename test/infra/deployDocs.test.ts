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
});
