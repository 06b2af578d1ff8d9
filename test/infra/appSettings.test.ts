import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SETTINGS, loadConfig } from "../../shared/config.js";
import { FINDINGS_STREAM_NAME } from "../../shared/sink/findingsSchema.js";
import { STATE_TABLE_NAME } from "../../shared/state/tableStateStore.js";
import { type DeploymentSnapshot, buildInfra, compilerTestsMode, findBicep, isDeployTimeExpression, resourcesOfType, snapshotDeployment } from "./bicepCompiler.js";
import { INFRA_DIR } from "./bicepSource.js";

/** Settings the Functions host and the Application Insights agent read, not vaultwatch's code. */
const PLATFORM_SETTINGS = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

/** Representative values for the settings only known once the deployment runs (left as "[reference(...)]"). */
const RUNTIME_VALUES: Readonly<Record<string, string>> = {
  VAULTWATCH_INGESTION_ENDPOINT: "https://dcr-vaultwatch-abcd-x1y2.westeurope-1.ingest.monitor.azure.com",
  VAULTWATCH_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
  AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-0000000000aa",
  AzureWebJobsStorage__blobServiceUri: "https://stvaultwatch.blob.core.windows.net/",
  AzureWebJobsStorage__queueServiceUri: "https://stvaultwatch.queue.core.windows.net/",
  AzureWebJobsStorage__tableServiceUri: "https://stvaultwatch.table.core.windows.net/",
  VAULTWATCH_EVENTS_IDENTITY_ID:
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-vaultwatch/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events-abc",
  AZURE_CLIENT_ID: "00000000-0000-0000-0000-0000000000aa",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "ClientId=00000000-0000-0000-0000-0000000000aa;Authorization=AAD",
};

const compiler = findBicep();

describe.skipIf(compilerTestsMode(compiler) === "skip")("the Function App's settings, as the compiler evaluates the deployment", () => {
  const byInterval = new Map<number, Record<string, string>>();
  let intervals: number[] = [];
  let shardRange: { minValue?: number; maxValue?: number } = {};

  beforeAll(async () => {
    if (!compiler.found) throw new Error(compiler.reason);
    const main = (await buildInfra(compiler.path)).template("main.bicep");
    intervals = (main.parameters?.sweepIntervalHours?.allowedValues ?? []) as number[];
    shardRange = main.parameters?.subscriptionsPerShard ?? {};
    for (let i = 0; i < intervals.length; i += 2) {
      await Promise.all(
        intervals.slice(i, i + 2).map(async (hours) => {
          const snapshot: DeploymentSnapshot = await snapshotDeployment(compiler.path, "main.bicep", {
            environmentName: "prod",
            location: "westeurope",
            sweepIntervalHours: hours,
          });
          const [appSettings] = resourcesOfType(snapshot, "Microsoft.Web/sites/config");
          byInterval.set(hours, (appSettings?.properties ?? {}) as Record<string, string>);
        }),
      );
    }
  }, 600_000);

  /** The settings as deployed, with representative values where only the running deployment knows them. */
  const deployedSettings = (hours: number): Record<string, string> =>
    Object.fromEntries(
      Object.entries(byInterval.get(hours) ?? {}).map(([name, value]) => [name, isDeployTimeExpression(value) ? (RUNTIME_VALUES[name] ?? value) : value]),
    );

  it("are all settings vaultwatch or the platform reads, with no typo", () => {
    const known: string[] = [...Object.values(SETTINGS), ...PLATFORM_SETTINGS];
    expect(Object.keys(deployedSettings(6)).filter((name) => !known.includes(name))).toEqual([]);
  });

  it("set every vaultwatch setting the deployment can know, and identity-based storage instead of a connection string", () => {
    const names = Object.keys(deployedSettings(6));
    expect(names).toEqual(
      expect.arrayContaining([
        SETTINGS.ingestionEndpoint,
        SETTINGS.dcrImmutableId,
        SETTINGS.streamName,
        SETTINGS.subscriptionIds,
        SETTINGS.managementGroups,
        SETTINGS.sweepSchedule,
        SETTINGS.subscriptionsPerShard,
        SETTINGS.eventsIdentityId,
        SETTINGS.storageBlobServiceUri,
        SETTINGS.storageQueueServiceUri,
        SETTINGS.storageTableServiceUri,
        SETTINGS.storageCredential,
        SETTINGS.storageClientId,
        SETTINGS.azureClientId,
      ]),
    );
    expect(names).not.toContain(SETTINGS.storageConnectionString);
    expect(deployedSettings(6)[SETTINGS.storageCredential]).toBe("managedidentity");
  });

  it("only runtime-known settings are left for the deployment to resolve", () => {
    const unresolved = Object.entries(byInterval.get(6) ?? {}).filter(([, value]) => isDeployTimeExpression(value)).map(([name]) => name);
    expect(unresolved.filter((name) => !(name in RUNTIME_VALUES))).toEqual([]);
  });

  it("pass vaultwatch's own validation at every allowed sweep interval, with the schedule that interval means", () => {
    expect(intervals.length).toBeGreaterThan(1);
    for (const hours of intervals) {
      const config = loadConfig(deployedSettings(hours));
      expect(config.storage.kind, `${hours}h`).toBe("identity");
      expect(config.sweep.schedule, `${hours}h`).toBe(`0 0 */${hours} * * *`);
      expect(config.sink.streamName, `${hours}h`).toBe(FINDINGS_STREAM_NAME);
    }
  });

  it("the shard size the deployment accepts is the range vaultwatch accepts", () => {
    expect(shardRange).toMatchObject({ minValue: 1, maxValue: 1000 });
    expect(() => loadConfig({ ...deployedSettings(6), VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "1000" })).not.toThrow();
    expect(() => loadConfig({ ...deployedSettings(6), VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "1001" })).toThrow();
  });
});

describe("storage names", () => {
  it("are the queues, tables and containers the team agreed on, and the state table the code opens", () => {
    const names = JSON.parse(readFileSync(join(INFRA_DIR, "app/storage-names.json"), "utf8")) as Record<string, Record<string, string>>;
    expect(names).toEqual({
      queues: { shards: "vaultwatch-shards", events: "vaultwatch-events" },
      tables: { state: STATE_TABLE_NAME, runs: "vaultwatchRuns" },
      containers: { spool: "vaultwatch-spool", deadLetter: "vaultwatch-deadletter" },
    });
  });
});
