import { Command, CommanderError } from "commander";
import { TOOL_VERSION } from "../shared/version.js";
import { InputError, ScopeError, UsageError } from "./errors.js";
import { printable } from "./output/safeText.js";

type Register = (program: Command, onExitCode: (code: number) => void) => void;

/**
 * Each command's module, loaded only when that command runs (all of them for help): `evaluate` should not pay
 * for the Azure SDK and emulator modules that `scan` and `demo` need.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  demo: async () => (await import("./commands/demo.js")).registerDemoCommand,
  evaluate: async () => (await import("./commands/evaluate.js")).registerEvaluateCommand,
  scan: async () => (await import("./commands/scan.js")).registerScanCommand,
  controls: async () => (await import("./commands/controls.js")).registerControlsCommand,
  emulator: async () => (await import("./commands/emulator.js")).registerEmulatorCommand,
};

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
  const requested = argv[2];
  const names = requested !== undefined && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
  for (const name of names) {
    const register = await COMMANDS[name]?.();
    register?.(program, setExitCode);
  }
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    if (error instanceof InputError || error instanceof UsageError || error instanceof ScopeError || isAzureReadError(error)) {
      // Resource data can reach an error message (a name, a quoted value): keep it to printable text.
      process.stderr.write(`vaultwatch: ${printable(error.message)}\n`);
      return 2;
    }
    throw error;
  }
}

/** By name, so that `evaluate` does not load the Azure SDK just to recognise a read error it never raises. */
function isAzureReadError(error: unknown): error is Error {
  return error instanceof Error && error.name === "AzureReadError";
}
