/**
 * Where the deployment's files are. The templates themselves are read by the real Bicep compiler
 * (bicepCompiler.ts), never by a parser of our own.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const INFRA_DIR = join(REPO_ROOT, "infra");

/** Every file under `dir` whose name ends with `suffix`, as absolute paths, sorted. */
export function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export function repoRelative(path: string): string {
  return relative(REPO_ROOT, path);
}
