import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS, loadConfig } from "../../shared/config.js";
import { FINDINGS_STREAM_NAME } from "../../shared/sink/findingsSchema.js";
import { STATE_TABLE_NAME } from "../../shared/state/tableStateStore.js";
import { INFRA_DIR, allowedSweepIntervals, moduleParameterObjectKeys, parameters, parseBicep, variableObjectKeys } from "./bicepSource.js";

const main = parseBicep(join(INFRA_DIR, "main.bicep"));
const functionApp = parseBicep(join(INFRA_DIR, "app/function-app.bicep"));
const vaultwatchSettings = moduleParameterObjectKeys(main, "functionApp", "vaultwatchSettings");
const hostSettings = variableObjectKeys(functionApp, "hostSettings");
/** Settings the Functions host and the Application Insights agent read, not vaultwatch's code. */
const PLATFORM_SETTINGS = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

/** What the deployment puts in each setting, with representative values for those only known after provisioning. */
function deployedSettings(sweepIntervalHours: number): Record<string, string> {
  const schedule = /VAULTWATCH_SWEEP_SCHEDULE: '([^']+)'/.exec(main.source)?.[1] ?? "";
  return {
    VAULTWATCH_INGESTION_ENDPOINT: "https://dcr-vaultwatch-abcd-x1y2.westeurope-1.ingest.monitor.azure.com",
    VAULTWATCH_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
    VAULTWATCH_STREAM_NAME: FINDINGS_STREAM_NAME,
    VAULTWATCH_SUBSCRIPTION_IDS: "",
    VAULTWATCH_MANAGEMENT_GROUPS: "",
    VAULTWATCH_SWEEP_SCHEDULE: schedule.replace("${sweepIntervalHours}", String(sweepIntervalHours)),
    VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "25",
    VAULTWATCH_EVENTS_IDENTITY_ID: "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-vaultwatch/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events-abc",
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-0000000000aa",
    AzureWebJobsStorage__blobServiceUri: "https://stvaultwatch.blob.core.windows.net/",
    AzureWebJobsStorage__queueServiceUri: "https://stvaultwatch.queue.core.windows.net/",
    AzureWebJobsStorage__tableServiceUri: "https://stvaultwatch.table.core.windows.net/",
    AZURE_CLIENT_ID: "00000000-0000-0000-0000-0000000000aa",
    APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "ClientId=00000000-0000-0000-0000-0000000000aa;Authorization=AAD",
  };
}

describe("the Function App's settings", () => {
  it("are all settings vaultwatch or the platform reads, with no typo", () => {
    const known = [...Object.values(SETTINGS), ...PLATFORM_SETTINGS];
    expect([...vaultwatchSettings, ...hostSettings].filter((name) => !known.includes(name as (typeof known)[number]))).toEqual([]);
  });

  it("set every vaultwatch setting the deployment can know, and identity-based storage instead of a connection string", () => {
    expect(vaultwatchSettings.sort()).toEqual(
      [
        SETTINGS.ingestionEndpoint,
        SETTINGS.dcrImmutableId,
        SETTINGS.streamName,
        SETTINGS.subscriptionIds,
        SETTINGS.managementGroups,
        SETTINGS.sweepSchedule,
        SETTINGS.subscriptionsPerShard,
        SETTINGS.eventsIdentityId,
      ].sort(),
    );
    expect(hostSettings).toEqual(
      expect.arrayContaining([
        SETTINGS.storageBlobServiceUri,
        SETTINGS.storageQueueServiceUri,
        SETTINGS.storageTableServiceUri,
        SETTINGS.storageCredential,
        SETTINGS.storageClientId,
        SETTINGS.azureClientId,
      ]),
    );
    expect(hostSettings).not.toContain(SETTINGS.storageConnectionString);
  });

  it.each(allowedSweepIntervals().map((hours) => [hours]))("pass vaultwatch's own validation with %i-hour sweeps", (hours) => {
    const config = loadConfig(deployedSettings(hours));
    expect(config.storage.kind).toBe("identity");
    expect(config.sweep.schedule).toBe(`0 0 */${hours} * * *`);
    expect(config.sink.streamName).toBe(FINDINGS_STREAM_NAME);
  });

  it("the shard size the deployment accepts is the range vaultwatch accepts", () => {
    const shard = parameters(main).find((parameter) => parameter.name === "subscriptionsPerShard");
    expect(shard?.decorators.get("minValue")).toBe("1");
    expect(shard?.decorators.get("maxValue")).toBe("1000");
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
