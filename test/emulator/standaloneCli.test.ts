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
    // One page of vaults and HSMs, and one of Azure Policy exemptions (there are none, so nothing more is read).
    expect(emulator.counters.requests.resourceGraph).toBe(2);
    const printedStats = stderr.mock.calls.map(([text]) => String(text)).join("");
    expect(printedStats).toContain("resourceGraph: 2 (throttled 0)");
    expect(printedStats).toContain("batch: 1 (throttled 0)");
    expect(printedStats).toContain("diagnostic settings read through /batch: 15");
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
