import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  INFRA_DIR,
  LOAD_FUNCTIONS,
  allowedSweepIntervals,
  REPO_ROOT,
  filesUnder,
  functionCalls,
  memberAccesses,
  moduleCalls,
  outputNames,
  parameters,
  parseBicep,
  repoRelative,
  syntaxErrors,
  targetScope,
} from "./bicepSource.js";

const bicepPaths = filesUnder(INFRA_DIR, ".bicep");
const bicepFiles = bicepPaths.map((path) => parseBicep(path));
const mainBicep = parseBicep(join(INFRA_DIR, "main.bicep"));
const mainParameters = JSON.parse(readFileSync(join(INFRA_DIR, "main.parameters.json"), "utf8")) as {
  parameters: Record<string, { value: unknown }>;
};

/** A registry module pinned to one exact semantic version. */
const PINNED_REGISTRY_MODULE = /^br(\/public|:[a-z0-9.-]+\.azurecr\.io):[a-z0-9][a-z0-9/._-]*:\d+\.\d+\.\d+$/;

describe("Bicep templates", () => {
  it("include the azd entry point and its modules", () => {
    expect(bicepPaths.map(repoRelative)).toEqual(
      expect.arrayContaining(["infra/main.bicep", "infra/onboard/subscription.bicep", "infra/onboard/management-group.bicep"]),
    );
  });

  it.each(bicepFiles.map((file) => [repoRelative(file.path), file] as const))("%s parses with no error nodes", (_name, file) => {
    expect(syntaxErrors(file)).toEqual([]);
  });

  it("the syntax check reports a broken template", () => {
    const broken = parseBicep("broken.bicep", "param name string =\nresource r 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: name\n");
    expect(syntaxErrors(broken)).not.toEqual([]);
  });

  it.each(bicepFiles.map((file) => [repoRelative(file.path), file] as const))(
    "%s loads only data files that exist, by literal path",
    (_name, file) => {
      const loads = functionCalls(file).filter((call) => LOAD_FUNCTIONS.includes(call.name));
      const problems = loads.flatMap((call) => {
        if (call.firstArgument === undefined) return [`line ${call.line}: ${call.name} needs a literal path`];
        const target = resolve(dirname(file.path), call.firstArgument);
        return existsSync(target) ? [] : [`line ${call.line}: ${call.name}('${call.firstArgument}') → ${repoRelative(target)} does not exist`];
      });
      expect(problems).toEqual([]);
    },
  );

  it("load the generated table and stream columns, the alert queries and the workbook", () => {
    const loaded = bicepFiles.flatMap((file) =>
      functionCalls(file)
        .filter((call) => LOAD_FUNCTIONS.includes(call.name) && call.firstArgument !== undefined)
        .map((call) => repoRelative(resolve(dirname(file.path), call.firstArgument as string))),
    );
    expect(loaded).toEqual(
      expect.arrayContaining([
        "infra/generated/findings-table.columns.json",
        "infra/generated/findings-stream.columns.json",
        "infra/alerts/alert-rules.json",
        "infra/workbook/vaultwatch.workbook.json",
        ...filesUnder(join(INFRA_DIR, "alerts"), ".kql").map(repoRelative),
      ]),
    );
  });

  it.each(bicepFiles.map((file) => [repoRelative(file.path), file] as const))(
    "%s references only local modules that exist or registry modules pinned to an exact version",
    (_name, file) => {
      const problems = moduleCalls(file).flatMap((module) => {
        if (module.reference.startsWith("br")) {
          return PINNED_REGISTRY_MODULE.test(module.reference) ? [] : [`line ${module.line}: ${module.reference} is not pinned to an exact version`];
        }
        const target = resolve(dirname(file.path), module.reference);
        return existsSync(target) ? [] : [`line ${module.line}: ${module.reference} does not exist`];
      });
      expect(problems).toEqual([]);
    },
  );

  it("the registry pin check refuses floating and unpinned references", () => {
    for (const reference of ["br/public:avm/res/web/site:latest", "br/public:avm/res/web/site:0.15", "br/public:avm/res/web/site"]) {
      expect(PINNED_REGISTRY_MODULE.test(reference)).toBe(false);
    }
    expect(PINNED_REGISTRY_MODULE.test("br/public:avm/res/web/serverfarm:0.1.1")).toBe(true);
  });

  it.each(bicepFiles.map((file) => [repoRelative(file.path), file] as const))(
    "%s passes every required parameter of each local module it calls, and no unknown one",
    (_name, file) => {
      const problems = moduleCalls(file)
        .filter((module) => !module.reference.startsWith("br"))
        .flatMap((module) => {
          const declared = parameters(parseBicep(resolve(dirname(file.path), module.reference)));
          const missing = declared.filter((parameter) => !parameter.hasDefault && !module.passed.includes(parameter.name));
          const unknown = module.passed.filter((name) => !declared.some((parameter) => parameter.name === name));
          return [
            ...missing.map((parameter) => `module ${module.symbol} (line ${module.line}) does not pass required ${parameter.name}`),
            ...unknown.map((name) => `module ${module.symbol} (line ${module.line}) passes ${name}, which ${module.reference} does not declare`),
          ];
        });
      expect(problems).toEqual([]);
    },
  );

  it("read names only from abbreviations.json keys that exist", () => {
    const abbreviations = JSON.parse(readFileSync(join(INFRA_DIR, "abbreviations.json"), "utf8")) as Record<string, string>;
    const unknown = bicepFiles.flatMap((file) =>
      memberAccesses(file, "abbrs")
        .filter((access) => !(access.key in abbreviations))
        .map((access) => `${repoRelative(file.path)}:${access.line} abbrs.${access.key}`),
    );
    expect(unknown).toEqual([]);
  });

  it("read role ids only from built-in-roles.json entries that exist", () => {
    const roles = JSON.parse(readFileSync(join(INFRA_DIR, "roles/built-in-roles.json"), "utf8")) as Record<string, unknown>;
    const unknown = bicepFiles.flatMap((file) =>
      memberAccesses(file, "roles")
        .filter((access) => !(access.key in roles))
        .map((access) => `${repoRelative(file.path)}:${access.line} roles.${access.key}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe("main.bicep and main.parameters.json (azd)", () => {
  it("main.bicep deploys at subscription scope", () => {
    expect(targetScope(mainBicep)).toBe("subscription");
  });

  it("every parameter without a default is set in main.parameters.json", () => {
    const required = parameters(mainBicep).filter((parameter) => !parameter.hasDefault).map((parameter) => parameter.name);
    expect(required.filter((name) => !(name in mainParameters.parameters))).toEqual([]);
    expect(required).toEqual(expect.arrayContaining(["environmentName", "location"]));
  });

  it("main.parameters.json sets only parameters main.bicep declares", () => {
    const declared = parameters(mainBicep).map((parameter) => parameter.name);
    expect(Object.keys(mainParameters.parameters).filter((name) => !declared.includes(name))).toEqual([]);
  });

  it("takes the environment name, location and deploying principal from azd", () => {
    expect(mainParameters.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
    expect(mainParameters.parameters.location?.value).toBe("${AZURE_LOCATION}");
    expect(mainParameters.parameters.principalId?.value).toBe("${AZURE_PRINCIPAL_ID}");
  });

  it("names its outputs in SCREAMING_CASE so azd stores them as environment values", () => {
    const outputs = outputNames(mainBicep);
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name))).toEqual([]);
    expect(outputs).toEqual(
      expect.arrayContaining(["AZURE_LOCATION", "AZURE_TENANT_ID", "VAULTWATCH_INGESTION_ENDPOINT", "VAULTWATCH_DCR_IMMUTABLE_ID", "VAULTWATCH_WORKBOOK_URL"]),
    );
  });

  it("offers the sweep intervals the alert windows are sized for, defaulting to six hours", () => {
    const sweep = parameters(mainBicep).find((parameter) => parameter.name === "sweepIntervalHours");
    expect(sweep?.hasDefault).toBe(true);
    expect(mainBicep.source).toMatch(/param sweepIntervalHours int = 6\n/);
    expect(allowedSweepIntervals()).toEqual([1, 2, 3, 4, 6, 8]);
  });

  it("tags resources with azd-env-name and the function app with the azure.yaml service name", () => {
    expect(mainBicep.source).toContain("'azd-env-name': environmentName");
    const azureYaml = readFileSync(join(REPO_ROOT, "azure.yaml"), "utf8");
    const service = /^services:\n {2}([a-z0-9-]+):\n((?: {4}.*\n)+)/m.exec(azureYaml);
    expect(service?.[1]).toBe("vaultwatch");
    expect(service?.[2]).toContain("host: function");
    expect(service?.[2]).toContain("project: .");
    expect(mainBicep.source).toContain(`var serviceName = '${service?.[1]}'`);
    const functionApp = readFileSync(join(INFRA_DIR, "app/function-app.bicep"), "utf8");
    expect(functionApp).toContain("'azd-service-name': serviceName");
  });

  it("runs the package on Node 20 from dist/functions/index.js", () => {
    const functionApp = readFileSync(join(INFRA_DIR, "app/function-app.bicep"), "utf8");
    expect(functionApp).toMatch(/runtime: \{\n\s+name: 'node'\n\s+version: '20'\n/);
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { main: string; engines: { node: string } };
    expect(packageJson.main).toBe("dist/functions/index.js");
    expect(packageJson.engines.node).toBe(">=20");
    expect(existsSync(join(REPO_ROOT, "host.json"))).toBe(true);
  });
});
