/**
 * Azurite (the Azure Storage emulator from npm) as a child process on free loopback ports, in memory, for
 * tests and the demo. Never used in production: Azurite is an optional dependency, installed with the CLI package for
 * `vaultwatch demo` and left out of the Functions deployment (which installs without optional dependencies).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Azurite's documented development account; a public, well-known key that opens nothing outside Azurite. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface LocalAzurite {
  /** Connection string with explicit http endpoints, as `AzureWebJobsStorage` would hold it. */
  readonly connectionString: string;
  readonly blobEndpoint: string;
  readonly queueEndpoint: string;
  readonly tableEndpoint: string;
  /** Stops the process and removes its working folder; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  readonly startTimeoutMs?: number;
  /** Cap on Azurite's in-memory blob store, in MB (Azurite's default is half the machine's memory). */
  readonly memoryLimitMb?: number;
}

// Azurite ignores a closed IPC channel; this preload makes it exit when its parent goes away, so a crashed
// test run cannot leave it running.
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent('process.on("disconnect", () => process.exit(0));')}`;
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

function azuriteScript(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve("azurite/package.json");
  } catch {
    throw new Error("Azurite is not installed: `vaultwatch demo` needs it (an optional dependency of vaultwatch; install it with `npm install azurite`).");
  }
  return join(dirname(manifest), "dist", "src", "azurite.js");
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<LocalAzurite> {
  const script = azuriteScript();
  // Azurite writes nothing with in-memory persistence, but it resolves its workspace to the cwd: keep that out of the repo.
  const workspace = await mkdtemp(join(tmpdir(), "vaultwatch-azurite-"));
  const args = [
    "--import",
    EXIT_WITH_PARENT,
    script,
    ...["--blobHost", "127.0.0.1", "--blobPort", "0"],
    ...["--queueHost", "127.0.0.1", "--queuePort", "0"],
    ...["--tableHost", "127.0.0.1", "--tablePort", "0"],
    "--inMemoryPersistence",
    ...["--extentMemoryLimit", String(options.memoryLimitMb ?? 256)],
    "--skipApiVersionCheck",
    "--disableTelemetry",
    "--silent",
  ];
  const child = spawn(process.execPath, args, { cwd: workspace, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.connected) child.disconnect();
    if (!(await waitForExit(child, 5_000))) {
      child.kill("SIGKILL");
      await waitForExit(child, 5_000);
    }
    await rm(workspace, { recursive: true, force: true });
  };

  try {
    const endpoints = await new Promise<Record<string, string>>((resolve, reject) => {
      const found: Record<string, string> = {};
      let output = "";
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 30_000} ms. Output:\n${output.slice(-2_000)}`)),
        options.startTimeoutMs ?? 30_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        for (const line of output.split("\n")) {
          const match = LISTENING.exec(line);
          if (match?.[1] !== undefined && match[2] !== undefined) found[match[1].toLowerCase()] = match[2];
        }
        if (found.blob !== undefined && found.queue !== undefined && found.table !== undefined) {
          clearTimeout(timer);
          child.stdout?.off("data", onData);
          resolve(found);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited before it was ready (code ${code}, signal ${signal}). Output:\n${output.slice(-2_000)}`));
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // Keep draining so a chatty Azurite never blocks on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
    const endpoint = (base: string | undefined) => `${base}/${AZURITE_ACCOUNT_NAME}`;
    const blobEndpoint = endpoint(endpoints.blob);
    const queueEndpoint = endpoint(endpoints.queue);
    const tableEndpoint = endpoint(endpoints.table);
    return {
      connectionString:
        `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
        `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
      blobEndpoint,
      queueEndpoint,
      tableEndpoint,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
