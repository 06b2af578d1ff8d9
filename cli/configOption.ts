import { type GovernanceConfig, GovernanceConfigError, loadGovernanceConfigFile } from "../shared/governance/governanceConfig.js";
import { InputError } from "./errors.js";
import { parseJson } from "./input.js";

/** `--config <file>`: the validated configuration, or an input error (exit 2) naming the file, JSON path and rule. */
export async function readConfigOption(path: string | undefined): Promise<GovernanceConfig | undefined> {
  if (path === undefined) return undefined;
  try {
    return await loadGovernanceConfigFile(path, parseJson);
  } catch (error) {
    if (error instanceof GovernanceConfigError) throw new InputError(error.message);
    throw error;
  }
}
