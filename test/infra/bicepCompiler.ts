/**
 * The real Bicep compiler, for the infra tests: it builds and lints every template, and `bicep snapshot`
 * evaluates a deployment offline (parameters, variables, loops, nested modules) into the resources it
 * would create, with every value ARM can know before deploying. Values only known while deploying
 * (another resource's runtime properties) stay as ARM expressions in "[...]".
 *
 * Where the compiler comes from, in order: `bicep` on PATH, the Azure CLI's copy (~/.azure/bin/bicep),
 * then the NuGet package Azure.Bicep.CommandLine.linux-x64 that .ci/run restores with
 * `dotnet restore .ci/bicep/bicep.csproj` (into $NUGET_PACKAGES or ~/.nuget/packages).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { INFRA_DIR, filesUnder } from "./bicepSource.js";

/** The version .ci/bicep/bicep.csproj pins; a compiler found elsewhere may differ. */
export const PINNED_BICEP_VERSION = "0.49.2";
const NUGET_PACKAGE = "azure.bicep.commandline.linux-x64";

export type BicepCompiler = { readonly found: true; readonly path: string } | { readonly found: false; readonly reason: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBicep(env: NodeJS.ProcessEnv = process.env): BicepCompiler {
  const onPath = (env.PATH ?? "").split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, "bicep"));
  const azureCli = join(homedir(), ".azure", "bin", "bicep");
  const packagesRoot = env.NUGET_PACKAGES ?? join(homedir(), ".nuget", "packages");
  const packageDir = join(packagesRoot, NUGET_PACKAGE);
  const versions = existsSync(packageDir) ? readdirSync(packageDir) : [];
  // The pinned version first, then any other restored one.
  const ordered = [PINNED_BICEP_VERSION, ...versions.filter((version) => version !== PINNED_BICEP_VERSION)];
  const fromNuGet = ordered.map((version) => join(packageDir, version, "tools", "bicep"));
  const candidates = [...onPath, azureCli, ...fromNuGet];
  const path = candidates.find(executable);
  if (path !== undefined) return { found: true, path };
  return {
    found: false,
    reason: `no bicep on PATH, in ${azureCli} or in ${packageDir}; run \`dotnet restore .ci/bicep/bicep.csproj\` (or \`az bicep install\`)`,
  };
}

/**
 * Whether the compiler tests run: they run when a compiler is found, fail in CI (CI set) when none is,
 * and are skipped, saying why, on a developer machine without one.
 */
export function compilerTestsMode(compiler: BicepCompiler, env: NodeJS.ProcessEnv = process.env): "run" | "fail" | "skip" {
  if (compiler.found) return "run";
  return env.CI !== undefined && env.CI !== "" && env.CI !== "false" ? "fail" : "skip";
}

export interface BicepDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly level: "Error" | "Warning" | "Info";
  readonly code: string;
  readonly message: string;
}

const DIAGNOSTIC_LINE = /^(.+)\((\d+),(\d+)\) : (Error|Warning|Info) ([A-Za-z0-9-]+): (.*)$/;

/** The compiler's diagnostics, from its default text format (one per line on standard error). */
export function parseDiagnostics(output: string): BicepDiagnostic[] {
  return output.split("\n").flatMap((line) => {
    const match = DIAGNOSTIC_LINE.exec(line.trim());
    if (match === null) return [];
    const [, file = "", lineNumber = "0", , level, code = "", message = ""] = match;
    return [{ file, line: Number(lineNumber), level: level as BicepDiagnostic["level"], code, message }];
  });
}

export function formatDiagnostic(diagnostic: BicepDiagnostic): string {
  return `${relative(INFRA_DIR, diagnostic.file)}:${diagnostic.line} ${diagnostic.level} ${diagnostic.code}: ${diagnostic.message}`;
}

export interface BicepRun {
  readonly status: number | null;
  readonly output: string;
  readonly diagnostics: readonly BicepDiagnostic[];
}

/**
 * Runs the compiler without blocking the test worker (a blocked worker cannot report to vitest).
 */
export function runBicep(compilerPath: string, args: readonly string[], cwd: string = INFRA_DIR): Promise<BicepRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(compilerPath, args, {
      cwd,
      // No telemetry from a test run.
      env: { ...process.env, BICEP_TELEMETRY_ENABLED: "false", DOTNET_CLI_TELEMETRY_OPTOUT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output, diagnostics: parseDiagnostics(output) }));
  });
}

export interface CompiledInfra extends BicepRun {
  /** Folder holding one ARM JSON template per .bicep file, at the same relative path. */
  readonly outDir: string;
  template(relativeBicepPath: string): ArmTemplate;
}

export interface ArmTemplate {
  readonly parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[]; minValue?: number; maxValue?: number }>;
  readonly outputs?: Record<string, { type: string; value: unknown }>;
  readonly resources: unknown;
  readonly [key: string]: unknown;
}

/** `bicep build` over every .bicep file under infra/, into a temporary folder (never the repository). */
export async function buildInfra(compilerPath: string): Promise<CompiledInfra> {
  const outDir = mkdtempSync(join(tmpdir(), "vaultwatch-bicep-build-"));
  const run = await runBicep(compilerPath, ["build", "--pattern", "**/*.bicep", "--outdir", outDir, "--no-restore"]);
  return {
    ...run,
    outDir,
    template: (relativeBicepPath) =>
      JSON.parse(readFileSync(join(outDir, relativeBicepPath.replace(/\.bicep$/, ".json")), "utf8")) as ArmTemplate,
  };
}

/** `bicep lint` over every .bicep file under infra/, with infra/bicepconfig.json. */
export function lintInfra(compilerPath: string): Promise<BicepRun> {
  return runBicep(compilerPath, ["lint", "--pattern", "**/*.bicep", "--no-restore"]);
}

/** A value written as a Bicep literal, for a generated .bicepparam file. */
export function bicepLiteral(value: unknown): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(bicepLiteral).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{ ${Object.entries(value).map(([key, item]) => `'${key}': ${bicepLiteral(item)}`).join(", ")} }`;
  }
  throw new TypeError(`No Bicep literal for ${String(value)}`);
}

export interface PredictedResource {
  readonly type: string;
  readonly name: string;
  readonly apiVersion?: string;
  readonly location?: string;
  readonly properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface DeploymentSnapshot {
  readonly predictedResources: readonly PredictedResource[];
  readonly diagnostics: readonly unknown[];
  readonly outputs?: Record<string, unknown>;
}

export interface SnapshotScope {
  readonly tenantId?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  readonly managementGroupId?: string;
  readonly location?: string;
}

export const TEST_SCOPE = {
  tenantId: "72f988bf-0000-4000-8000-00000000aaaa",
  subscriptionId: "5d1ac3b2-0000-4000-8000-000000000001",
  location: "westeurope",
} as const;

/** Identifies a snapshot: the compiler, every file under infra/, the template, parameters and scope. */
function snapshotKey(compilerPath: string, template: string, parameters: Record<string, unknown>, scope: SnapshotScope): string {
  const hash = createHash("sha256").update(JSON.stringify([compilerPath, template, parameters, scope]));
  for (const file of filesUnder(INFRA_DIR, "")) hash.update(file).update(readFileSync(file));
  return hash.digest("hex");
}

const SNAPSHOT_CACHE_DIR = join(tmpdir(), "vaultwatch-bicep-snapshots");

/**
 * What deploying `template` (a path under infra/) with `parameters` would create, as `bicep snapshot`
 * evaluates it: nested modules expanded, names and computed properties resolved. Several test files
 * ask for the same deployment, so a snapshot is kept in the temporary folder under a key that changes
 * with any file under infra/.
 */
export async function snapshotDeployment(
  compilerPath: string,
  template: string,
  parameters: Record<string, unknown>,
  scope: SnapshotScope = TEST_SCOPE,
): Promise<DeploymentSnapshot> {
  const cached = join(SNAPSHOT_CACHE_DIR, `${snapshotKey(compilerPath, template, parameters, scope)}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, "utf8")) as DeploymentSnapshot;
  const snapshot = await takeSnapshot(compilerPath, template, parameters, scope);
  mkdirSync(SNAPSHOT_CACHE_DIR, { recursive: true });
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(snapshot));
  renameSync(partial, cached);
  return snapshot;
}

async function takeSnapshot(compilerPath: string, template: string, parameters: Record<string, unknown>, scope: SnapshotScope): Promise<DeploymentSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), "vaultwatch-bicep-snapshot-"));
  try {
    const paramFile = join(dir, "deployment.bicepparam");
    const using = relative(dir, join(INFRA_DIR, template));
    writeFileSync(
      paramFile,
      [`using '${using}'`, ...Object.entries(parameters).map(([name, value]) => `param ${name} = ${bicepLiteral(value)}`)].join("\n") + "\n",
    );
    const args = ["snapshot", paramFile, "--mode", "overwrite"];
    if (scope.tenantId !== undefined) args.push("--tenant-id", scope.tenantId);
    if (scope.subscriptionId !== undefined) args.push("--subscription-id", scope.subscriptionId);
    if (scope.resourceGroup !== undefined) args.push("--resource-group", scope.resourceGroup);
    if (scope.managementGroupId !== undefined) args.push("--management-group-id", scope.managementGroupId);
    if (scope.location !== undefined) args.push("--location", scope.location);
    const run = await runBicep(compilerPath, args, dir);
    const snapshotFile = join(dir, "deployment.snapshot.json");
    if (run.status !== 0 || !existsSync(snapshotFile)) {
      throw new Error(`bicep snapshot of ${template} failed (exit ${run.status}):\n${run.output}`);
    }
    return JSON.parse(readFileSync(snapshotFile, "utf8")) as DeploymentSnapshot;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function resourcesOfType(snapshot: DeploymentSnapshot, type: string): PredictedResource[] {
  return snapshot.predictedResources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

/** True for a value ARM only knows while deploying, left by the snapshot as an expression. */
export function isDeployTimeExpression(value: unknown): boolean {
  return typeof value === "string" && value.startsWith("[") && value.endsWith("]");
}
