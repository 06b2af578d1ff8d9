import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startStandalone } from "../../cli/commands/emulator.js";
import { type ScanCommandOptions, scan } from "../../cli/commands/scan.js";
import { UsageError } from "../../cli/errors.js";
import type { Emulator } from "../../emulator/index.js";

const REPORT = { format: "json", failOn: "high", progress: false } as const;
const EMULATOR_DEFAULTS = { emulatorResources: "200", emulatorSubscriptions: "4", emulatorSeed: "1" };

describe("vaultwatch emulator, scanned with vaultwatch scan --emulator-url", () => {
  let directory: string;
  let emulator: Emulator;
  let printed = "";

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "vaultwatch-standalone-"));
    const out = new PassThrough();
    out.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
    emulator = await startStandalone({ resources: "30", subscriptions: "2", seed: "3", port: "0", caFile: join(directory, "ca.pem") }, out);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await emulator.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("prints the endpoint, the CA path and the subscriptions, and writes the CA there", async () => {
    expect(printed).toContain(`listening on ${emulator.url}`);
    expect(printed).toContain(`CA certificate: ${join(directory, "ca.pem")}`);
    for (const subscription of emulator.estate.subscriptions()) expect(printed).toContain(subscription.subscriptionId);
    expect(await readFile(join(directory, "ca.pem"), "utf8")).toBe(emulator.caPem);
  });

  it("is scanned over HTTPS with its CA file, one subscription at a time", async () => {
    const subscription = emulator.estate.subscriptions()[0]?.subscriptionId as string;
    const output = join(directory, "report.json");
    const stderr = vi.mocked(process.stderr.write);
    stderr.mockClear();
    const code = await scan({ ...REPORT, ...EMULATOR_DEFAULTS, emulatorUrl: emulator.url, emulatorCa: join(directory, "ca.pem"), subscription: [subscription], output, stats: true });
    const report = JSON.parse(await readFile(output, "utf8")) as { resources: { subscriptionId: string }[] };
    expect(report.resources).toHaveLength(15);
    expect(report.resources.every((resource) => resource.subscriptionId === subscription)).toBe(true);
    expect(code).toBe(1);
    // One page of posture rows, and with --stats one event topic query for the subscription's wiring.
    expect(emulator.counters.requests.resourceGraph).toBe(2);
    const printedStats = stderr.mock.calls.map(([text]) => String(text)).join("");
    expect(printedStats).toContain("resourceGraph: 2 (throttled 0)");
    expect(printedStats).toContain(`event wiring of 1 subscription(s) in scope: 1 NotWired`);
    expect(printedStats).toContain(`  ${subscription}: NotWired`);
    expect(printedStats).toContain("batch: 1 (throttled 0)");
    expect(printedStats).toContain("diagnostic settings read through /batch: 15");
  });

  it("scan --stats tells your deployment's topics from others when given the delivery identity, and says when it cannot", async () => {
    const [wired, other] = emulator.estate.subscriptions().map((entry) => entry.subscriptionId);
    const identity = "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/rg-vw/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events";
    const topic = (subscriptionId: string, name: string) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/rg-vaultwatch-events/providers/Microsoft.EventGrid/systemTopics/${name}`,
      name,
      type: "Microsoft.EventGrid/systemTopics",
      location: "global",
      identity: { type: "UserAssigned", userAssignedIdentities: { [identity]: { principalId: "11111111-1111-4111-8111-111111111111", clientId: "22222222-2222-4222-8222-222222222222" } } },
      properties: { source: `/subscriptions/${subscriptionId}`, topicType: "Microsoft.Resources.Subscriptions", provisioningState: "Succeeded" },
    });
    emulator.estate.upsertSystemTopic(topic(wired as string, "evgt-vaultwatch"));
    const stderr = vi.mocked(process.stderr.write);
    const run = async (eventsIdentity?: string) => {
      stderr.mockClear();
      const output = join(directory, "wiring.json");
      await scan({ ...REPORT, ...EMULATOR_DEFAULTS, emulatorUrl: emulator.url, emulatorCa: join(directory, "ca.pem"), subscription: [wired as string, other as string], output, stats: true, ...(eventsIdentity === undefined ? {} : { eventsIdentity }) });
      return stderr.mock.calls.map(([text]) => String(text)).join("");
    };
    const attributed = await run(identity);
    expect(attributed).toContain("event wiring of 2 subscription(s) in scope: 1 Wired, 1 NotWired");
    expect(attributed).toContain(`  ${wired}: Wired (/subscriptions/${wired}/resourceGroups/rg-vaultwatch-events/providers/Microsoft.EventGrid/systemTopics/evgt-vaultwatch)`);
    const unattributed = await run();
    expect(unattributed).toContain(`  ${wired}: TopicWithoutIdentity`);
    expect(unattributed).toContain("without --events-identity");
    emulator.estate.deleteSystemTopic(topic(wired as string, "evgt-vaultwatch").id);
  });
});

describe("vaultwatch scan refuses a wrong command line before touching Azure", () => {
  const refused = (options: Partial<ScanCommandOptions>) => scan({ ...REPORT, ...EMULATOR_DEFAULTS, ...options });

  it.each([
    ["a subscription that is not a GUID", { subscription: ["prod"] }, /not a subscription id/],
    ["a subscription and a management group together", { subscription: ["00000000-0000-0000-0000-000000000000"], managementGroup: ["mg"] }, /cannot be combined/],
    ["a management group id with a path in it", { managementGroup: ["mg/../../x"] }, /not a management group id/],
    ["a plain-HTTP ARM endpoint", { armEndpoint: "http://management.azure.com" }, /must be https/],
    ["both --emulator and --emulator-url", { emulator: true, emulatorUrl: "https://127.0.0.1:1" }, /cannot be combined/],
    ["an estate size that is not a number", { emulator: true, emulatorResources: "lots" }, /whole number/],
    ["an --at that is not a date", { at: "yesterday" }, /ISO 8601/],
  ])("refuses %s", async (_, options, message) => {
    const failure = await refused(options).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toMatch(message);
  });
});
