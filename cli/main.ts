import { Command, CommanderError } from "commander";
import { TOOL_VERSION } from "../shared/version.js";
import { registerControlsCommand } from "./commands/controls.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerEmulatorCommand } from "./commands/emulator.js";
import { registerEvaluateCommand } from "./commands/evaluate.js";
import { registerScanCommand } from "./commands/scan.js";
import { InputError, UsageError } from "./errors.js";

/** Exit codes: 0 clean, 1 failures at or above --fail-on, 2 usage or input error. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("vaultwatch")
    .description("Compliance monitor for Azure Key Vault vaults and Managed HSMs")
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError("(run vaultwatch --help for usage)");
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  registerDemoCommand(program, setExitCode);
  registerEvaluateCommand(program, setExitCode);
  registerScanCommand(program);
  registerControlsCommand(program);
  registerEmulatorCommand(program);
  try {
    await program.parseAsync([...argv]);
    return exitCode === 0 ? Number(process.exitCode ?? 0) : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    if (error instanceof InputError || error instanceof UsageError) {
      process.stderr.write(`vaultwatch: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
