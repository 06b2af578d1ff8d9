import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { wholeNumber } from "./scan.js";

export interface EmulatorCommandOptions {
  readonly resources: string;
  readonly subscriptions: string;
  readonly seed: string;
  readonly port: string;
  readonly caFile?: string;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command("emulator")
    .description("run the loopback Azure emulator (Resource Graph, ARM, Logs Ingestion) with a generated estate until interrupted")
    .option("--resources <n>", "vaults and Managed HSMs in the estate", "200")
    .option("--subscriptions <m>", "subscriptions the estate spreads over", "4")
    .option("--seed <s>", "seed of the generated estate (same seed, same estate)", "1")
    .option("--port <p>", "port on 127.0.0.1 (0 picks a free one)", "0")
    .option("--ca-file <path>", "where to write the emulator's CA certificate (default: a new temporary directory)")
    .action(async (options: EmulatorCommandOptions) => {
      const emulator = await startStandalone(options);
      await untilInterrupted();
      await emulator.stop();
    });
}

export async function startStandalone(options: EmulatorCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<Emulator> {
  const resources = wholeNumber("--resources", options.resources, 0);
  const subscriptions = wholeNumber("--subscriptions", options.subscriptions, 1);
  const seed = wholeNumber("--seed", options.seed, 0);
  const port = wholeNumber("--port", options.port, 0);
  const generated = generateEstate({ resources, subscriptions, seed });
  const emulator = await startEmulator({ estate: generated.estate, port });
  const caPath = options.caFile ?? join(await mkdtemp(join(tmpdir(), "vaultwatch-emulator-")), "ca.pem");
  await writeFile(caPath, emulator.caPem, { mode: 0o644 });
  const subscriptionIds = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId);
  out.write(
    [
      `vaultwatch emulator listening on ${emulator.url}`,
      `CA certificate: ${caPath}`,
      `estate: ${generated.vaults} vault(s), ${generated.managedHsms} Managed HSM(s) over ${subscriptions} subscription(s) (seed ${seed})`,
      `subscriptions: ${subscriptionIds.join(" ")}`,
      `management groups: ${generated.rootManagementGroupId} (root), ${generated.managementGroupIds.join(", ")}`,
      "",
      "Scan it with:",
      `  NODE_EXTRA_CA_CERTS=${caPath} vaultwatch scan --emulator-url ${emulator.url}`,
      "Any bearer token is accepted. Counters: GET /_emulator/counters. Stop with Ctrl+C.",
      "",
    ].join("\n"),
  );
  return emulator;
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
