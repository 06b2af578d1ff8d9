import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError, type Environment, SETTINGS } from "../config.js";
import { type GovernanceConfig, GovernanceConfigError, parseGovernanceConfig } from "./governanceConfig.js";

/** The name the Functions deployment package's own package.json carries (scripts/packageFunctions.ts writes it). */
export const FUNCTIONS_PACKAGE_NAME = "vaultwatch-functions";
const PACKAGE_NAMES = new Set(["vaultwatch", FUNCTIONS_PACKAGE_NAME]);

/**
 * The package root: the nearest folder up from this module whose package.json is vaultwatch's: the repository
 * (source or dist/) or the Functions deployment package, where this module is bundled into the entry.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let folder = dirname(from);
  for (;;) {
    try {
      if (PACKAGE_NAMES.has((JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { name?: string }).name ?? "")) return folder;
    } catch {
      // keep walking up
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error("Cannot find the vaultwatch package root above this module.");
    folder = parent;
  }
}

/**
 * The Function App's configuration file, named by `VAULTWATCH_CONFIG_FILE` (relative to the deployed package, where
 * `vaultwatch.config.json` ships with the code, so every change goes through the repository's review). Unset: no
 * configuration. Read once at start; a missing or invalid file stops the app with a message that names the setting,
 * the file, the JSON path and the rule broken.
 */
export function loadAppGovernance(env: Environment = process.env, root: () => string = packageRoot): GovernanceConfig | undefined {
  const setting = env[SETTINGS.configFile]?.trim();
  if (setting === undefined || setting === "") return undefined;
  const path = isAbsolute(setting) ? setting : join(root(), setting);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError([`${SETTINGS.configFile}: cannot read ${setting} (${code === "ENOENT" ? "no such file in the deployed package" : (code ?? String(error))}).`]);
  }
  try {
    let document: unknown;
    try {
      document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      throw new GovernanceConfigError(setting, [`${setting}: $: invalid JSON (${error instanceof Error ? error.message : String(error)})`]);
    }
    return parseGovernanceConfig(document, setting);
  } catch (error) {
    if (error instanceof GovernanceConfigError) throw new ConfigurationError(error.problems.map((problem) => `${SETTINGS.configFile}: ${problem}`));
    throw error;
  }
}
