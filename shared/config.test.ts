import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig, loadSinkConfig, loadStorageConfig, type Environment } from "./config.js";

const DCR = "dcr-0123456789abcdef0123456789abcdef";
const AZURITE_LIKE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

const VALID: Environment = {
  VAULTWATCH_INGESTION_ENDPOINT: "https://vaultwatch-dcr-a1b2.westeurope-1.ingest.monitor.azure.com/",
  VAULTWATCH_DCR_IMMUTABLE_ID: DCR,
  AzureWebJobsStorage: AZURITE_LIKE,
};

function problemsOf(env: Environment, load: (env: Environment) => unknown = loadConfig): readonly string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

describe("configuration", () => {
  it("reads a minimal valid app's settings and applies the documented defaults", () => {
    expect(loadConfig(VALID)).toEqual({
      sink: {
        ingestionEndpoint: "https://vaultwatch-dcr-a1b2.westeurope-1.ingest.monitor.azure.com",
        dcrImmutableId: DCR,
        streamName: "Custom-VaultwatchFindings",
      },
      storage: { kind: "connectionString", connectionString: AZURITE_LIKE },
      scope: { subscriptionIds: [], managementGroups: [] },
      sweep: { schedule: "0 0 */6 * * *", subscriptionsPerShard: 25 },
      armEndpoint: "https://management.azure.com",
      azureClientId: undefined,
    });
  });

  it("reads scope lists, trimming spaces and dropping duplicates that differ only in casing", () => {
    const config = loadConfig({
      ...VALID,
      VAULTWATCH_SUBSCRIPTION_IDS: " 6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, 6F2B1C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D ,11111111-2222-3333-4444-555555555555",
      VAULTWATCH_MANAGEMENT_GROUPS: "mg-corp,mg-online",
      VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "50",
      VAULTWATCH_SWEEP_SCHEDULE: "0 */30 * * * MON-FRI",
    });
    expect(config.scope).toEqual({
      subscriptionIds: ["6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "11111111-2222-3333-4444-555555555555"],
      managementGroups: ["mg-corp", "mg-online"],
    });
    expect(config.sweep).toEqual({ schedule: "0 */30 * * * MON-FRI", subscriptionsPerShard: 50 });
  });

  it("names every missing setting at once, with the form it expects", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^VAULTWATCH_INGESTION_ENDPOINT is not set; expected the https logs-ingestion endpoint/);
    expect(problems[1]).toMatch(/^VAULTWATCH_DCR_IMMUTABLE_ID is not set; expected "dcr-" followed by 32 hex digits/);
    expect(problems[2]).toMatch(/^Storage is not configured; expected either AzureWebJobsStorage .* or identity-based AzureWebJobsStorage__blobServiceUri/);
  });

  it("refuses an endpoint that is not https, or not a URL", () => {
    expect(problemsOf({ ...VALID, VAULTWATCH_INGESTION_ENDPOINT: "http://dce.example" }, loadSinkConfig)).toEqual([
      expect.stringMatching(/^VAULTWATCH_INGESTION_ENDPOINT: expected .* got "http:\/\/dce.example": it must use https/),
    ]);
    expect(problemsOf({ ...VALID, VAULTWATCH_INGESTION_ENDPOINT: "dce.example" }, loadSinkConfig)[0]).toMatch(/which is not a URL/);
    expect(problemsOf({ ...VALID, VAULTWATCH_INGESTION_ENDPOINT: "https://dce.example/?sig=1" }, loadSinkConfig)[0]).toMatch(/query or fragment/);
  });

  it("refuses a DCR resource id or name where the immutable id belongs", () => {
    expect(problemsOf({ ...VALID, VAULTWATCH_DCR_IMMUTABLE_ID: "vaultwatch-dcr" }, loadSinkConfig)).toEqual([
      'VAULTWATCH_DCR_IMMUTABLE_ID: expected "dcr-" followed by 32 hex digits (the DCR\'s immutableId); got "vaultwatch-dcr".',
    ]);
  });

  it("refuses a stream that is not a custom stream", () => {
    expect(problemsOf({ ...VALID, VAULTWATCH_STREAM_NAME: "VaultwatchFindings_CL" }, loadSinkConfig)[0]).toMatch(
      /^VAULTWATCH_STREAM_NAME: expected a custom stream name "Custom-/,
    );
  });

  it("refuses malformed lists, naming the offending item", () => {
    const problems = problemsOf({ ...VALID, VAULTWATCH_SUBSCRIPTION_IDS: "6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d,,prod-sub" });
    expect(problems).toEqual([
      expect.stringMatching(/^VAULTWATCH_SUBSCRIPTION_IDS: .* item 2 is empty\.$/),
      expect.stringMatching(/^VAULTWATCH_SUBSCRIPTION_IDS: .* "prod-sub" is not one\.$/),
    ]);
    expect(problemsOf({ ...VALID, VAULTWATCH_MANAGEMENT_GROUPS: "mg/corp" })[0]).toMatch(/"mg\/corp" is not one/);
  });

  it("refuses a schedule that is not six-field NCRONTAB, saying which field is wrong", () => {
    expect(problemsOf({ ...VALID, VAULTWATCH_SWEEP_SCHEDULE: "0 */6 * * *" })[0]).toMatch(/six fields .* with 5 field\(s\)/);
    expect(problemsOf({ ...VALID, VAULTWATCH_SWEEP_SCHEDULE: "0 0 25 * * *" })[0]).toMatch(/the hour "25" is outside 0-23/);
    expect(problemsOf({ ...VALID, VAULTWATCH_SWEEP_SCHEDULE: "0 0 */0 * * *" })[0]).toMatch(/bad step/);
  });

  it("refuses a shard size outside what one Resource Graph query takes", () => {
    expect(problemsOf({ ...VALID, VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "0" })[0]).toMatch(/from 1 to 1000; got 0/);
    expect(problemsOf({ ...VALID, VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "many" })[0]).toMatch(/got "many"/);
  });

  it("accepts identity-based storage only with all three service URIs", () => {
    const identity = {
      AzureWebJobsStorage__blobServiceUri: "https://stvw.blob.core.windows.net",
      AzureWebJobsStorage__queueServiceUri: "https://stvw.queue.core.windows.net",
      AzureWebJobsStorage__tableServiceUri: "https://stvw.table.core.windows.net",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "11111111-2222-3333-4444-555555555555",
    };
    expect(loadStorageConfig(identity)).toEqual({
      kind: "identity",
      blobServiceUri: "https://stvw.blob.core.windows.net",
      queueServiceUri: "https://stvw.queue.core.windows.net",
      tableServiceUri: "https://stvw.table.core.windows.net",
      clientId: "11111111-2222-3333-4444-555555555555",
    });
    const { AzureWebJobsStorage__tableServiceUri: _omitted, ...withoutTable } = identity;
    expect(problemsOf(withoutTable, loadStorageConfig)).toEqual([expect.stringMatching(/^AzureWebJobsStorage__tableServiceUri is not set/)]);
    expect(problemsOf({ ...identity, AzureWebJobsStorage__credential: "secret" }, loadStorageConfig)[0]).toMatch(/expected "managedidentity"/);
  });

  it("refuses both storage forms at once", () => {
    expect(problemsOf({ ...VALID, AzureWebJobsStorage__blobServiceUri: "https://stvw.blob.core.windows.net" }, loadStorageConfig)[0]).toMatch(
      /are both set/,
    );
  });

  it("never repeats a malformed connection string, which may hold an account key", () => {
    const leaky = "AccountKey=c2VjcmV0;Endpoint";
    const problems = problemsOf({ ...VALID, AzureWebJobsStorage: leaky }, loadStorageConfig);
    expect(problems[0]).toMatch(/^AzureWebJobsStorage: expected a storage connection string; .* \(value not shown\)\.$/);
    expect(problems.join("\n")).not.toContain("c2VjcmV0");
  });

  it("treats a blank setting as unset", () => {
    expect(loadConfig({ ...VALID, VAULTWATCH_STREAM_NAME: "  ", VAULTWATCH_SUBSCRIPTION_IDS: "" }).sink.streamName).toBe(
      "Custom-VaultwatchFindings",
    );
  });
});
