import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { evaluateFile } from "./evaluate.js";

/** The bundled sample estate: realistic vaults and HSMs in ARM and Resource Graph shapes. */
export const DEMO_ESTATE_PATH = fileURLToPath(new URL("../../../samples/demo-estate.json", import.meta.url));

export function registerDemoCommand(program: Command, onExitCode: (code: number) => void): void {
  program
    .command("demo")
    .description("evaluate the bundled sample estate of vaults and Managed HSMs")
    .action(async () => {
      // The demo shows findings; failures in a sample estate are expected, so they do not set the exit code.
      await evaluateFile(DEMO_ESTATE_PATH, { format: "table", failOn: "high" });
      onExitCode(0);
    });
}
