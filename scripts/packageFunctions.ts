/**
 * The Functions deployment package: what `azd deploy` zips and uploads (azure.yaml `dist: dist/deploy`).
 *
 * The entry (functions/index.ts) is bundled with esbuild into ES modules for Node 22, with code splitting so
 * that each trigger's handler and the Azure SDK clients it needs sit in chunks loaded only when that trigger
 * first runs (index.ts imports them dynamically). Everything is bundled, @azure/functions included, except
 * `@azure/functions-core`, which the Functions Node.js worker itself provides to the app at run time. The
 * package is therefore the bundle, host.json and a package.json naming the entry: no node_modules, no dev
 * dependencies, no test, benchmark, emulator or CLI code (the bundle holds only what the entry imports).
 *
 * Why bundle: a cold start pays for resolving and reading every module file; one Node process loading a few
 * chunks instead of thousands of package files is what Microsoft's Run From Package and the older
 * azure-functions-pack advice both aim at. `npm run bench` measures the effect from this package.
 */
import { build, type Metafile } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FUNCTIONS_PACKAGE_NAME } from "../shared/governance/appGovernance.js";

/** This file runs from scripts/ (vitest) or dist/scripts/ (compiled): either way the repository root. */
const scriptsParent = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO_ROOT = basename(scriptsParent) === "dist" ? dirname(scriptsParent) : scriptsParent;
/** Where `npm run build` writes the package, and where azure.yaml's `dist` points azd. */
export const DEPLOY_DIR = join(REPO_ROOT, "dist", "deploy");
/** Provided by the Functions Node.js worker at run time; never installed, never bundled. */
export const WORKER_PROVIDED = ["@azure/functions-core"];
/** The organisation's vaultwatch configuration, at the repository root when it has one. */
export const GOVERNANCE_FILE = "vaultwatch.config.json";

export interface FunctionsPackage {
  readonly dir: string;
  /** esbuild's account of every input that went into the bundle (not shipped). */
  readonly metafile: Metafile;
  /** Every file of the package, relative to `dir`, with its size in bytes. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

function listFiles(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path: relative(dir, path), bytes: statSync(path).size };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Builds the deployment package into `outDir` (emptied first). */
export async function buildFunctionsPackage(outDir: string = DEPLOY_DIR, repoRoot: string = REPO_ROOT): Promise<FunctionsPackage> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: { index: join(repoRoot, "functions", "index.ts") },
    outdir: outDir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: WORKER_PROVIDED,
    // CommonJS packages inside the ES module bundle (@azure/functions among them) call require(); give them
    // Node's, so require("@azure/functions-core") reaches the module the worker registers.
    banner: { js: "import { createRequire as __vaultwatchCreateRequire } from 'node:module'; const require = __vaultwatchCreateRequire(import.meta.url);" },
    minify: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  writeFileSync(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: FUNCTIONS_PACKAGE_NAME, version: manifest.version, private: true, type: "module", main: "index.js", engines: { node: ">=22" } }, null, 2)}\n`,
  );
  copyFileSync(join(repoRoot, "host.json"), join(outDir, "host.json"));
  // The governance file ships with the code it configures (VAULTWATCH_CONFIG_FILE names it inside the package),
  // so a change to it is reviewed and deployed like any other change.
  if (existsSync(join(repoRoot, GOVERNANCE_FILE))) copyFileSync(join(repoRoot, GOVERNANCE_FILE), join(outDir, GOVERNANCE_FILE));
  return { dir: outDir, metafile: result.metafile, files: listFiles(outDir) };
}

/** Input files of the bundle, as paths relative to the repository (node_modules packages by package name). */
export function bundledInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs);
}

export function packageName(input: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const built = await buildFunctionsPackage();
  const bytes = built.files.reduce((total, file) => total + file.bytes, 0);
  process.stdout.write(`functions package: ${relative(REPO_ROOT, built.dir)} (${built.files.length} files, ${(bytes / 1024).toFixed(0)} KiB)\n`);
}
