import { type GovernanceConfig, GovernanceConfigError, loadGovernanceConfigFile } from "../shared/governance/governanceConfig.js";
import { InputError } from "./errors.js";
import { parseJson } from "./input.js";

/** `--config <file>`: the validated configuration, or an input error (exit 2) naming the file, JSON path and rule. */
export async function readConfigOption(path: string | undefined): Promise<GovernanceConfig | undefined> {
  if (path === undefined) return undefined;
  try {
    return await loadGovernanceConfigFile(path, parseJson);
  } catch (error) {
    // One line: the CLI prints error messages as printable text, with line breaks escaped.
    if (error instanceof GovernanceConfigError) {
      const prefix = `${error.source}: `;
      // A file that cannot be read has one problem that names no JSON path: say it as it is.
      if (error.problems.length === 1 && !error.problems[0]?.startsWith(`${prefix}$`)) throw new InputError(error.problems[0] ?? error.message);
      const problems = error.problems.map((problem) => (problem.startsWith(prefix) ? problem.slice(prefix.length) : problem));
      throw new InputError(`${error.source} is not a valid vaultwatch configuration: ${problems.join("; ")}`);
    }
    throw error;
  }
}
