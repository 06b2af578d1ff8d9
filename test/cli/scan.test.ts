import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type ScanCommandOptions, scan } from "../../cli/commands/scan.js";
import { ScopeError } from "../../cli/errors.js";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { AzureReadError } from "../../shared/readers/readError.js";

const REPORT = { format: "json", failOn: "high", progress: false } as const;
const EMULATOR_DEFAULTS = { emulatorResources: "40", emulatorSubscriptions: "2", emulatorSeed: "5" };
const UNREADABLE = "0badc0de-0000-4000-8000-00000000beef";

/** `vaultwatch scan` in-process, with what it writes to standard output and standard error. */
async function scanned(options: Partial<ScanCommandOptions>) {
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const outcome = await scan({ ...REPORT, ...EMULATOR_DEFAULTS, ...options }).then(
      (code) => ({ code, error: undefined }),
      (error: unknown) => ({ code: undefined, error }),
    );
    return {
      ...outcome,
      stdout: stdout.mock.calls.map(([text]) => String(text)).join(""),
      stderr: stderr.mock.calls.map(([text]) => String(text)).join(""),
    };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe("vaultwatch scan never reports green for what it could not read", () => {
  let emulator: Emulator;
  let directory: string;
  let readable: string[];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "vaultwatch-scan-"));
    const generated = generateEstate({ resources: 40, subscriptions: 2, seed: 5 });
    emulator = await startEmulator({ estate: generated.estate });
    readable = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId);
  });
  afterAll(async () => {
    await emulator.stop();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => vi.stubEnv("NODE_EXTRA_CA_CERTS", ""));
  afterEach(() => vi.unstubAllEnvs());

  const running = (options: Partial<ScanCommandOptions>) =>
    scanned({ emulatorUrl: emulator.url, emulatorCa: join(directory, "ca.pem"), ...options });

  it("names a subscription it cannot read in a warning and exits 2, still reporting the readable ones", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(directory, "ca.pem"), emulator.caPem);
    const output = join(directory, "partial.json");
    const run = await running({ subscription: [readable[0] as string, UNREADABLE], output });
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`warning: 1 subscription\\(s\\) cannot be read by this identity and were not scanned: ${UNREADABLE}`));
    const report = JSON.parse(await readFile(output, "utf8")) as { resources: { subscriptionId: string }[] };
    expect(report.resources.length).toBeGreaterThan(0);
    expect(report.resources.every((resource) => resource.subscriptionId === readable[0])).toBe(true);
  });

  it("fails with exit 2 and nothing on standard output when no requested subscription can be read", async () => {
    const run = await running({ subscription: [UNREADABLE] });
    expect(run.error).toBeInstanceOf(ScopeError);
    expect((run.error as Error).message).toContain(UNREADABLE);
    expect(run.stdout).toBe("");
  });

  it("says so when the scope holds no vault or HSM", async () => {
    const run = await scanned({ emulator: true, emulatorResources: "0", subscription: undefined });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no Key Vault vault or Managed HSM was found in any subscription this identity can read");
    expect(JSON.parse(run.stdout)).toMatchObject({ resources: [], summary: { resources: 0, estateScore: null } });
  });

  it("writes nothing to standard output and names a TLS failure as one when the certificate is not trusted", async () => {
    const run = await scanned({ emulatorUrl: emulator.url, subscription: [readable[0] as string] });
    expect(run.error).toBeInstanceOf(AzureReadError);
    expect((run.error as Error).message).toMatch(/TLS connection could not be trusted/);
    expect((run.error as Error).message).toMatch(/--emulator-ca/);
    expect((run.error as Error).message).not.toMatch(/refused/);
    expect(run.stdout).toBe("");
  });

  it("writes nothing to standard output and names a refused connection as one", async () => {
    const run = await scanned({ emulatorUrl: "https://127.0.0.1:9", subscription: [readable[0] as string] });
    expect(run.error).toBeInstanceOf(AzureReadError);
    expect((run.error as Error).message).toMatch(/connection was refused/);
    expect(run.stdout).toBe("");
  });
});
