import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeQueueMessage, encodeQueueMessage } from "../../shared/queues/queueMessage.js";
import { EVENT_QUEUE_NAME, QUEUE_MAX_DEQUEUE_COUNT, SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { RUNS_TABLE_NAME } from "../../shared/handlers/runRecords.js";
import { STATE_TABLE_NAME } from "../../shared/state/tableStateStore.js";
import { SPOOL_CONTAINER_NAME } from "../../shared/sink/blobSpool.js";

const ROOT = new URL("../../", import.meta.url);
interface HostJson {
  version: string;
  extensionBundle: unknown;
  functionTimeout: string;
  extensions: { queues: { messageEncoding: string; maxDequeueCount: number; visibilityTimeout: string } };
}
const json = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, ROOT), "utf8")) as T;

/** `hh:mm:ss` as host.json writes time spans. */
function minutesOf(span: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(span);
  if (match === null) throw new Error(`${span} is not hh:mm:ss`);
  return Number(match[1]) * 60 + Number(match[2]) + Number(match[3]) / 60;
}

describe("host.json", () => {
  const host = json<HostJson>("host.json");

  it("uses the version 4 extension bundle, which carries the queue, timer and Event Grid extensions", () => {
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle).toEqual({ id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.0.0, 5.0.0)" });
  });

  it("gives a shard more time than the Consumption plan's 10-minute cap allows, as only Flex Consumption (or Premium) does", () => {
    const minutes = minutesOf(host.functionTimeout);
    expect(minutes).toBeGreaterThan(10);
    expect(minutes).toBeLessThanOrEqual(60);
  });

  it("reads queue messages in the encoding vaultwatch writes them and poisons after the attempts the handlers count on", () => {
    expect(host.extensions.queues.messageEncoding).toBe("base64");
    expect(decodeQueueMessage(encodeQueueMessage({ a: 1 }))).toEqual({ a: 1 });
    expect(host.extensions.queues.maxDequeueCount).toBe(QUEUE_MAX_DEQUEUE_COUNT);
    expect(minutesOf(host.extensions.queues.visibilityTimeout)).toBeGreaterThan(0);
  });
});

describe("storage names", () => {
  it("are the ones the infra creates", () => {
    const names = json<{ queues: unknown; tables: unknown; containers: { spool: string } }>("infra/app/storage-names.json");
    expect(names.queues).toEqual({ shards: SHARD_QUEUE_NAME, events: EVENT_QUEUE_NAME });
    expect(names.tables).toEqual({ state: STATE_TABLE_NAME, runs: RUNS_TABLE_NAME });
    expect(names.containers.spool).toBe(SPOOL_CONTAINER_NAME);
  });
});

describe("the Function app entry", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("is the compiled registrations module the package names as main", () => {
    expect(json<{ main: string }>("package.json").main).toBe("dist/functions/index.js");
    expect(readFileSync(new URL("functions/index.ts", ROOT), "utf8")).toMatch(/app\.timer\(/);
  });

  it("refuses to load with a missing setting, naming it", async () => {
    vi.stubEnv("VAULTWATCH_INGESTION_ENDPOINT", "");
    vi.stubEnv("VAULTWATCH_DCR_IMMUTABLE_ID", "dcr-00000000000000000000000000000001");
    vi.stubEnv("AzureWebJobsStorage", "UseDevelopmentStorage=true");
    await expect(import("../../functions/index.js")).rejects.toThrow(/VAULTWATCH_INGESTION_ENDPOINT is not set/);
  });

  it("loads with valid settings, registering its functions (skipped outside the Functions host)", async () => {
    vi.stubEnv("VAULTWATCH_INGESTION_ENDPOINT", "https://dce.westeurope-1.ingest.monitor.azure.com");
    vi.stubEnv("VAULTWATCH_DCR_IMMUTABLE_ID", "dcr-00000000000000000000000000000001");
    vi.stubEnv("AzureWebJobsStorage", "UseDevelopmentStorage=true");
    const warnings: string[] = [];
    const spy = vi.spyOn(console, "warn").mockImplementation((message: unknown) => void warnings.push(String(message)));
    try {
      await import("../../functions/index.js");
    } finally {
      spy.mockRestore();
    }
    const registered = warnings.flatMap((warning) => /register function "([^"]+)"/.exec(warning)?.[1] ?? []);
    expect(registered).toEqual(["sweepTimer", "sweepShard", "resourceEventsFromQueue", "resourceEventsFromEventGrid"]);
  });
});
