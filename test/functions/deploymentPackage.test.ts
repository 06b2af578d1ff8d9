import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { type PackageLoad, loadPackageEntry } from "../../scripts/functionsWorkerStandIn.js";
import { type FunctionsPackage, GOVERNANCE_FILE, REPO_ROOT, WORKER_PROVIDED, buildFunctionsPackage, packageName } from "../../scripts/packageFunctions.js";

/** `ignore` applies gitignore syntax, which is what .funcignore is written in. It is CommonJS: take its export as is. */
const ignore = createRequire(import.meta.url)("ignore") as (options?: { ignorecase?: boolean }) => { add(patterns: string): { ignores(path: string): boolean } };
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const SETTINGS = {
  PATH: process.env.PATH,
  VAULTWATCH_INGESTION_ENDPOINT: "https://dce-vaultwatch.westeurope-1.ingest.monitor.azure.com",
  VAULTWATCH_DCR_IMMUTABLE_ID: "dcr-00000000000000000000000000000001",
  VAULTWATCH_SWEEP_SCHEDULE: "0 0 */4 * * *",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};
/** Packages whose code must wait for a trigger's first run: the Azure SDK clients the handlers build. */
const LAZY_PACKAGES = ["@azure/identity", "@azure/arm-keyvault", "@azure/arm-resourcegraph", "@azure/monitor-ingestion", "@azure/data-tables", "@azure/storage-blob", "@azure/storage-queue"];

describe("the Functions deployment package, built as `azd deploy` builds it and unpacked into an empty folder", () => {
  let built: FunctionsPackage;
  let deployed: string;
  let shipped: string[];
  let load: PackageLoad;

  beforeAll(async () => {
    // azd: `npm run build` (which runs scripts/packageFunctions.ts), then zips azure.yaml's `dist` folder less
    // what .funcignore excludes. Here: the same build into a temporary folder, and the files the zip would
    // hold copied into an empty folder outside the repository, where no node_modules above can help it.
    built = await buildFunctionsPackage(mkdtempSync(join(tmpdir(), "vaultwatch-package-build-")));
    const funcignore = ignore().add(readFileSync(join(REPO_ROOT, ".funcignore"), "utf8"));
    shipped = built.files.map((file) => file.path).filter((path) => !funcignore.ignores(path));
    deployed = mkdtempSync(join(tmpdir(), "vaultwatch-package-deployed-"));
    for (const path of shipped) {
      mkdirSync(dirname(join(deployed, path)), { recursive: true });
      copyFileSync(join(built.dir, path), join(deployed, path));
    }
    load = await loadPackageEntry(deployed, SETTINGS);
  }, 300_000);

  it("is the folder azure.yaml points azd at, written by the build script azd runs", () => {
    expect(readFileSync(join(REPO_ROOT, "azure.yaml"), "utf8")).toMatch(/^ {4}dist: dist\/deploy$/m);
    expect(manifest.scripts.build).toContain("node dist/scripts/packageFunctions.js");
  });

  it("holds the bundled entry, its chunks, host.json and package.json, and no node_modules or sources", () => {
    expect(shipped).toEqual(expect.arrayContaining(["index.js", "host.json", "package.json"]));
    expect(shipped.filter((path) => !/^(index\.js|host\.json|package\.json|vaultwatch\.config\.json|chunks\/[\w-]+\.js|[\w./-]+\.LEGAL\.txt)$/.test(path))).toEqual([]);
    expect(readFileSync(join(deployed, "host.json"), "utf8")).toBe(readFileSync(join(REPO_ROOT, "host.json"), "utf8"));
  });

  it("declares its entry and nothing to install", () => {
    const deployedManifest = JSON.parse(readFileSync(join(deployed, "package.json"), "utf8")) as Record<string, unknown>;
    expect(deployedManifest).toMatchObject({ type: "module", main: "index.js" });
    expect(deployedManifest.dependencies).toBeUndefined();
    expect(deployedManifest.devDependencies).toBeUndefined();
  });

  it("bundles production code only: the entry and shared/, and no dev dependency", () => {
    const inputs = Object.keys(built.metafile.inputs);
    const ownCode = inputs.filter((input) => packageName(input) === undefined).map((input) => relative(REPO_ROOT, join(REPO_ROOT, input)));
    expect(ownCode.filter((path) => !path.startsWith("functions/") && !path.startsWith("shared/"))).toEqual([]);
    expect(ownCode.filter((path) => path.endsWith(".test.ts"))).toEqual([]);
    expect(ownCode).not.toContain("shared/state/localAzurite.ts");
    expect(ownCode).not.toContain("shared/handlers/measure.ts");
    const packages = new Set(inputs.flatMap((input) => packageName(input) ?? []));
    expect([...packages].filter((name) => name in manifest.devDependencies)).toEqual([]);
    expect(packages).toContain("@azure/functions");
  });

  it("leaves external only what the Functions worker provides", () => {
    const externals = new Set(
      Object.values(built.metafile.outputs).flatMap((output) => output.imports.filter((imported) => imported.external).map((imported) => imported.path)),
    );
    expect([...externals].filter((path) => !isBuiltin(path) && !WORKER_PROVIDED.includes(path))).toEqual([]);
  });

  it("registers exactly the four functions, with their triggers, loading from the package alone", () => {
    expect(load.programmingModelSet).toBe(true);
    expect(load.registered.map((registration) => [registration.name, registration.trigger.type])).toEqual([
      ["sweepTimer", "timerTrigger"],
      ["sweepShard", "queueTrigger"],
      ["resourceEventsFromQueue", "queueTrigger"],
      ["resourceEventsFromEventGrid", "eventGridTrigger"],
    ]);
    const byName = new Map(load.registered.map((registration) => [registration.name, registration.trigger]));
    expect(byName.get("sweepTimer")).toMatchObject({ schedule: SETTINGS.VAULTWATCH_SWEEP_SCHEDULE });
    expect(byName.get("sweepShard")).toMatchObject({ queueName: SHARD_QUEUE_NAME, connection: "AzureWebJobsStorage" });
    expect(byName.get("resourceEventsFromQueue")).toMatchObject({ queueName: EVENT_QUEUE_NAME, connection: "AzureWebJobsStorage" });
  });

  it("refuses to load without its settings, naming the missing one", async () => {
    const { VAULTWATCH_INGESTION_ENDPOINT: _omitted, ...incomplete } = SETTINGS;
    await expect(loadPackageEntry(deployed, incomplete)).rejects.toThrow(/VAULTWATCH_INGESTION_ENDPOINT is not set/);
  });

  it("applies the governance file VAULTWATCH_CONFIG_FILE names inside the package, and refuses to start on an invalid one", async () => {
    writeFileSync(join(deployed, GOVERNANCE_FILE), JSON.stringify({ controls: { "VW-NET-006": { enabled: false } } }));
    const loaded = await loadPackageEntry(deployed, { ...SETTINGS, VAULTWATCH_CONFIG_FILE: GOVERNANCE_FILE });
    expect(loaded.registered).toHaveLength(4);
    writeFileSync(join(deployed, GOVERNANCE_FILE), JSON.stringify({ controls: { "VW-NET-006": { enabled: "no" } } }));
    await expect(loadPackageEntry(deployed, { ...SETTINGS, VAULTWATCH_CONFIG_FILE: GOVERNANCE_FILE })).rejects.toThrow(
      /VAULTWATCH_CONFIG_FILE: .*controls\["VW-NET-006"\]\.enabled/,
    );
    rmSync(join(deployed, GOVERNANCE_FILE));
  });

  it("every chunk a trigger imports on its first run loads from the package alone", async () => {
    const chunks = shipped.filter((path) => path.startsWith("chunks/") && path.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(3);
    const loaded = await loadPackageEntry(deployed, SETTINGS, chunks);
    expect(loaded.registered).toHaveLength(4);
  });

  it("loads no Azure SDK client until a trigger runs: the entry imports them only dynamically", () => {
    const outputs = built.metafile.outputs;
    const entryOutput = Object.keys(outputs).find((path) => path.endsWith("/index.js") && !path.includes("/chunks/"));
    expect(entryOutput).toBeDefined();
    // Everything the entry loads at start: itself and the chunks it imports statically, transitively.
    const loadedAtStart = new Set<string>();
    const visit = (output: string): void => {
      if (loadedAtStart.has(output)) return;
      loadedAtStart.add(output);
      for (const imported of outputs[output]?.imports ?? []) if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    };
    visit(entryOutput as string);
    const eagerPackages = new Set(
      [...loadedAtStart].flatMap((output) => Object.keys(outputs[output]?.inputs ?? {}).flatMap((input) => packageName(input) ?? [])),
    );
    expect(LAZY_PACKAGES.filter((name) => eagerPackages.has(name))).toEqual([]);
    const lazyChunks = Object.values(outputs).flatMap((output) => Object.keys(output.inputs).flatMap((input) => packageName(input) ?? []));
    expect(lazyChunks).toEqual(expect.arrayContaining(LAZY_PACKAGES));
  });
});
