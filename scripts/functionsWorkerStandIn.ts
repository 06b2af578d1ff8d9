/**
 * Loads a deployment package's entry the way the Azure Functions Node.js worker does, without the worker:
 * a fresh Node process whose `require("@azure/functions-core")` answers with a stand-in that records what
 * @azure/functions registers (the worker answers that same request with its own core API), then
 * `import()` of the package's `main`. The process runs in the package folder with NODE_PATH cleared, so the
 * entry reaches only what the package itself holds.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export interface RegisteredFunction {
  readonly name: string;
  /** The trigger binding as the worker receives it (type, and its options such as queueName or schedule). */
  readonly trigger: Record<string, unknown>;
}

export interface PackageLoad {
  readonly registered: readonly RegisteredFunction[];
  /** Whether @azure/functions handed the worker its programming model. */
  readonly programmingModelSet: boolean;
  /** Wall time of the process, start to exit. */
  readonly milliseconds: number;
}

const STAND_IN = `
const Module = require("node:module");
const registered = [];
let programmingModelSet = false;
const core = {
  version: "stand-in",
  setProgrammingModel() { programmingModelSet = true; },
  getProgrammingModel() { return undefined; },
  registerFunction(metadata, callback) {
    const trigger = Object.values(metadata.bindings).find((binding) => binding.direction === "in" && /Trigger$/.test(binding.type));
    registered.push({ name: metadata.name, trigger: trigger ?? {}, handler: typeof callback });
    return { dispose() {} };
  },
  registerHook() { return { dispose() {} }; },
  log() {},
  Disposable: class { dispose() {} },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === "@azure/functions-core" ? core : load.call(this, request, ...rest);
};
process.on("exit", () => {
  process.stdout.write("\\n@@registrations " + JSON.stringify({ registered, programmingModelSet }) + "\\n");
});
`;

/**
 * Loads `packageDir`'s entry (its package.json `main`) in a fresh process with the stand-in worker core, then
 * `alsoImport` (paths relative to the package), as the triggers' first invocations would.
 */
export async function loadPackageEntry(
  packageDir: string,
  env: NodeJS.ProcessEnv,
  alsoImport: readonly string[] = [],
  nodePath: string = process.execPath,
): Promise<PackageLoad> {
  const helperDir = mkdtempSync(join(tmpdir(), "vaultwatch-worker-stand-in-"));
  try {
    const standIn = join(helperDir, "functions-core-stand-in.cjs");
    writeFileSync(standIn, STAND_IN);
    const main = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { main: string }).main;
    const urls = [main, ...alsoImport].map((path) => pathToFileURL(join(packageDir, path)).href);
    const started = process.hrtime.bigint();
    const { status, stdout, stderr } = await run(nodePath, ["--require", standIn, "--input-type=module", "-e", urls.map((url) => `await import(${JSON.stringify(url)});`).join("\n")], packageDir, {
      ...env,
      NODE_PATH: "",
    });
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    if (status !== 0) throw new Error(`loading ${main} from ${packageDir} failed (exit ${status}):\n${stderr.slice(-3000)}`);
    const line = stdout.split("\n").find((candidate) => candidate.startsWith("@@registrations "));
    if (line === undefined) throw new Error(`the stand-in recorded nothing:\n${stdout}\n${stderr}`);
    const recorded = JSON.parse(line.slice("@@registrations ".length)) as { registered: RegisteredFunction[]; programmingModelSet: boolean };
    return { registered: recorded.registered, programmingModelSet: recorded.programmingModelSet, milliseconds };
  } finally {
    rmSync(helperDir, { recursive: true, force: true });
  }
}

/** Wall time of a bare `node` start with nothing imported: the floor for loading an entry. */
export async function bareNodeMilliseconds(nodePath: string = process.execPath): Promise<number> {
  const started = process.hrtime.bigint();
  const { status } = await run(nodePath, ["--input-type=module", "-e", ""], tmpdir(), process.env);
  if (status !== 0) throw new Error("bare node failed to start");
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
