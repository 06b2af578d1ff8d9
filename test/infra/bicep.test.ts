import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CompiledInfra,
  type BicepRun,
  type DeploymentSnapshot,
  buildInfra,
  compilerTestsMode,
  findBicep,
  formatDiagnostic,
  lintInfra,
  resourcesOfType,
  runBicep,
  snapshotDeployment,
  TEST_SCOPE,
} from "./bicepCompiler.js";
import { INFRA_DIR, REPO_ROOT, filesUnder } from "./bicepSource.js";

const compiler = findBicep();
const mode = compilerTestsMode(compiler);
const bicepPath = compiler.found ? compiler.path : "";
const mainParameters = JSON.parse(readFileSync(join(INFRA_DIR, "main.parameters.json"), "utf8")) as {
  parameters: Record<string, { value: unknown }>;
};

if (mode === "fail") {
  it("CI has the Bicep compiler (restored by .ci/run)", () => {
    throw new Error(compiler.found ? "unreachable" : compiler.reason);
  });
}
if (mode === "skip" && !compiler.found) {
  console.warn(`Bicep compiler tests skipped: ${compiler.reason}`);
}

describe.skipIf(mode !== "run")(`the Bicep templates, built and linted by the real compiler${compiler.found ? "" : ` (skipped: ${compiler.reason})`}`, () => {
  let built: CompiledInfra;
  let linted: BicepRun;

  beforeAll(async () => {
    [built, linted] = await Promise.all([buildInfra(bicepPath), lintInfra(bicepPath)]);
  }, 600_000);

  it("every .bicep file under infra/ is compiled, including modules added later", () => {
    const sources = filesUnder(INFRA_DIR, ".bicep").map((path) => relative(INFRA_DIR, path));
    expect(sources).toEqual(expect.arrayContaining(["main.bicep", "onboard/subscription.bicep", "onboard/management-group.bicep"]));
    expect(sources.filter((source) => !existsSync(join(built.outDir, source.replace(/\.bicep$/, ".json"))))).toEqual([]);
  });

  it("builds with no error and no warning", () => {
    expect(built.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(built.status).toBe(0);
  });

  it("lints with no error and no warning under infra/bicepconfig.json", () => {
    expect(linted.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(linted.status).toBe(0);
  });

  it("compiles without a registry: every module is a local file", () => {
    const registryModules = filesUnder(INFRA_DIR, ".bicep").filter((path) => /^module\s+\w+\s+'(br|ts)[:/]/m.test(readFileSync(path, "utf8")));
    expect(registryModules.map((path) => relative(REPO_ROOT, path))).toEqual([]);
  });

  describe("the check catches the defects a parser could not", () => {
    let broken: BicepRun;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "vaultwatch-bicep-broken-"));
      copyFileSync(join(INFRA_DIR, "bicepconfig.json"), join(dir, "bicepconfig.json"));
      writeFileSync(
        join(dir, "broken.bicep"),
        [
          "param settings object",
          "resource insights 'Microsoft.Insights/components@2020-02-02' existing = {",
          "  name: 'appi'",
          "}",
          "resource plan 'Microsoft.Web/serverfarms@2099-01-01' = {",
          "  name: 'plan'",
          "  location: 'westeurope'",
          "}",
          "resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {",
          "  name: 'stbroken'",
          "  location: 'westeurope'",
          "  kind: 'StorageV2'",
          "  properties: {",
          "    minimumTlsVersion: 12",
          "    notAProperty: true",
          "  }",
          "}",
          "resource site 'Microsoft.Web/sites@2024-04-01' = {",
          "  name: 'func'",
          "  location: 'westeurope'",
          "  properties: {",
          "    siteConfig: {",
          "      appSettings: [for setting in items(union(settings, { KEY: insights.properties.ConnectionString })): {",
          "        name: setting.key",
          "        value: setting.value",
          "      }]",
          "    }",
          "  }",
          "}",
          "",
        ].join("\n"),
      );
      broken = await runBicep(bicepPath, ["build", join(dir, "broken.bicep"), "--outdir", dir, "--no-restore"], dir);
    }, 300_000);

    it.each([
      ["BCP081", "an api-version the compiler has no types for"],
      ["BCP035", "a missing required property (the storage account's sku)"],
      ["BCP036", "a property of the wrong type"],
      ["BCP037", "a property the resource type does not have"],
      ["BCP178", "a loop over a value known only while deploying (the old app settings loop)"],
    ])("%s: %s", (code) => {
      expect(broken.diagnostics.map((diagnostic) => diagnostic.code)).toContain(code);
    });
  });

  it("bicepconfig.json makes the linter's rules errors, and says why for any it does not", () => {
    const lines = readFileSync(join(INFRA_DIR, "bicepconfig.json"), "utf8").split("\n");
    const notErrors = lines.flatMap((line, index) =>
      /"level":\s*"(off|info|warning)"/.test(line) && !(lines[index - 1] ?? "").trim().startsWith("//") ? [`line ${index + 1}: ${line.trim()}`] : [],
    );
    expect(notErrors).toEqual([]);
    expect(lines.filter((line) => line.includes('"level": "error"')).length).toBeGreaterThan(20);
  });

  describe("main.bicep and main.parameters.json (azd)", () => {
    it("main.bicep deploys at subscription scope", () => {
      expect(String(built.template("main.bicep").$schema)).toContain("subscriptionDeploymentTemplate");
    });

    it("every parameter without a default is set in main.parameters.json, which sets only declared ones", () => {
      const declared = built.template("main.bicep").parameters ?? {};
      const required = Object.entries(declared).filter(([, parameter]) => !("defaultValue" in parameter)).map(([name]) => name);
      expect(required).toEqual(expect.arrayContaining(["environmentName", "location"]));
      expect(required.filter((name) => !(name in mainParameters.parameters))).toEqual([]);
      expect(Object.keys(mainParameters.parameters).filter((name) => !(name in declared))).toEqual([]);
    });

    it("takes the environment name, location and deploying principal from azd", () => {
      expect(mainParameters.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
      expect(mainParameters.parameters.location?.value).toBe("${AZURE_LOCATION}");
      expect(mainParameters.parameters.principalId?.value).toBe("${AZURE_PRINCIPAL_ID}");
    });

    it("names its outputs in SCREAMING_CASE so azd stores them as environment values", () => {
      const outputs = Object.keys(built.template("main.bicep").outputs ?? {});
      expect(outputs.filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name))).toEqual([]);
      expect(outputs).toEqual(
        expect.arrayContaining(["AZURE_LOCATION", "AZURE_TENANT_ID", "VAULTWATCH_INGESTION_ENDPOINT", "VAULTWATCH_DCR_IMMUTABLE_ID", "VAULTWATCH_WORKBOOK_URL"]),
      );
    });

    it("offers the sweep intervals the alert windows are sized for, defaulting to six hours", () => {
      const sweep = built.template("main.bicep").parameters?.sweepIntervalHours;
      expect(sweep?.allowedValues).toEqual([1, 2, 3, 4, 6, 8]);
      expect(sweep?.defaultValue).toBe(6);
    });
  });

  describe("what `azd up` deploys with the defaults", () => {
    let deployment: DeploymentSnapshot;

    beforeAll(async () => {
      deployment = await snapshotDeployment(bicepPath, "main.bicep", { environmentName: "prod", location: "westeurope" });
    }, 300_000);

    it("tags the Function App with the azure.yaml service name, so azd deploys the package to it", () => {
      const azureYaml = readFileSync(join(REPO_ROOT, "azure.yaml"), "utf8");
      const service = /^services:\n {2}([a-z0-9-]+):\n((?: {4}.*\n)+)/m.exec(azureYaml);
      expect(service?.[2]).toContain("host: function");
      const [site] = resourcesOfType(deployment, "Microsoft.Web/sites");
      expect(site?.tags).toMatchObject({ "azd-env-name": "prod", "azd-service-name": service?.[1] });
    });

    it("runs the package on Node 22 on a Flex Consumption plan", () => {
      const [site] = resourcesOfType(deployment, "Microsoft.Web/sites");
      const [plan] = resourcesOfType(deployment, "Microsoft.Web/serverfarms");
      expect((site?.properties?.functionAppConfig as { runtime: unknown }).runtime).toEqual({ name: "node", version: "22" });
      expect(plan?.sku).toMatchObject({ name: "FC1", tier: "FlexConsumption" });
    });

    it("sets the app settings through the sites/config appsettings resource, Application Insights included", () => {
      const [settings] = resourcesOfType(deployment, "Microsoft.Web/sites/config");
      expect(settings?.name).toMatch(/\/appsettings$/);
      expect(Object.keys(settings?.properties ?? {})).toEqual(expect.arrayContaining(["APPLICATIONINSIGHTS_CONNECTION_STRING", "VAULTWATCH_SWEEP_SCHEDULE"]));
      const [site] = resourcesOfType(deployment, "Microsoft.Web/sites");
      expect((site?.properties?.siteConfig as Record<string, unknown>).appSettings).toBeUndefined();
    });
  });

  describe("names that must not collide", () => {
    const snapshots = new Map<string, DeploymentSnapshot>();
    const deploy = (key: string): DeploymentSnapshot => {
      const snapshot = snapshots.get(key);
      if (snapshot === undefined) throw new Error(`no snapshot ${key}`);
      return snapshot;
    };
    const snapshotOf = (parameters: Record<string, unknown>, subscriptionId: string = TEST_SCOPE.subscriptionId) =>
      snapshotDeployment(bicepPath, "main.bicep", { location: "westeurope", readAccessRole: "Custom", ...parameters }, { ...TEST_SCOPE, subscriptionId });
    const names = (snapshot: DeploymentSnapshot, type: string) => resourcesOfType(snapshot, type).map((resource) => resource.name);
    const roleNames = (snapshot: DeploymentSnapshot) =>
      resourcesOfType(snapshot, "Microsoft.Authorization/roleDefinitions").map((resource) => resource.properties?.roleName);

    beforeAll(async () => {
      const variants: [string, Record<string, unknown>, string?][] = [
        ["prod", { environmentName: "prod" }],
        ["prod-again", { environmentName: "prod" }],
        ["prod-notifications", { environmentName: "prod", eventSource: "ResourceNotifications" }],
        ["staging", { environmentName: "staging" }],
        ["prod-elsewhere", { environmentName: "prod" }, "5d1ac3b2-0000-4000-8000-000000000002"],
      ];
      // Two at a time: the machine is shared.
      for (let i = 0; i < variants.length; i += 2) {
        await Promise.all(variants.slice(i, i + 2).map(async ([key, parameters, subscriptionId]) => snapshots.set(key, await snapshotOf(parameters, subscriptionId))));
      }
    }, 600_000);

    it("switching the event source creates a system topic of the other type instead of retyping the existing one", () => {
      const viaResourceManager = resourcesOfType(deploy("prod"), "Microsoft.EventGrid/systemTopics");
      const viaNotifications = resourcesOfType(deploy("prod-notifications"), "Microsoft.EventGrid/systemTopics");
      expect(viaResourceManager.map((topic) => topic.properties?.topicType)).toEqual(["Microsoft.Resources.Subscriptions"]);
      expect(viaNotifications.map((topic) => topic.properties?.topicType)).toEqual(["Microsoft.ResourceNotifications.Resources"]);
      expect(viaResourceManager[0]?.name).not.toBe(viaNotifications[0]?.name);
    });

    it("two environments watching one subscription each keep their own event subscription", () => {
      const prod = names(deploy("prod"), "Microsoft.EventGrid/systemTopics/eventSubscriptions");
      const staging = names(deploy("staging"), "Microsoft.EventGrid/systemTopics/eventSubscriptions");
      expect(prod).toHaveLength(1);
      expect(staging).toHaveLength(1);
      expect(prod[0]).not.toBe(staging[0]);
    });

    it("the custom role's name is unique in the tenant, even for environments of the same name in two subscriptions", () => {
      const here = roleNames(deploy("prod"));
      const elsewhere = roleNames(deploy("prod-elsewhere"));
      const staging = roleNames(deploy("staging"));
      expect(here).toHaveLength(1);
      expect(new Set([...here, ...elsewhere, ...staging]).size).toBe(3);
    });

    it("deploying the same environment again gives the same names, so it updates instead of duplicating", () => {
      for (const type of ["Microsoft.EventGrid/systemTopics", "Microsoft.EventGrid/systemTopics/eventSubscriptions", "Microsoft.Authorization/roleDefinitions"]) {
        expect(names(deploy("prod-again"), type), type).toEqual(names(deploy("prod"), type));
      }
    });
  });
});

