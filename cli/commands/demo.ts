import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { printSummary } from "../demo/demoSummary.js";
import { runDemo } from "../demo/runDemo.js";

/** The bundled sample estate: realistic vaults and HSMs in ARM shape, with their diagnostic settings. */
export const DEMO_ESTATE_PATH = fileURLToPath(new URL("../../../samples/demo-estate.json", import.meta.url));

export function registerDemoCommand(program: Command, onExitCode: (code: number) => void): void {
  program
    .command("demo")
    .description("run the whole pipeline on the bundled estate: emulator, Azurite, sweep, a story of changes as events, an HTML report")
    .option("--report <file>", "where to write the HTML report", "vaultwatch-report.html")
    .action(async (options: { report: string }) => {
      const started = Date.now();
      const print = (line: string): void => void process.stdout.write(`${line}\n`);
      const result = await runDemo({ estatePath: DEMO_ESTATE_PATH, reportPath: resolve(options.report), print });
      printSummary(result.summary, print);
      print(`\nReport: ${result.reportPath}`);
      print(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; the emulator and Azurite are stopped.`);
      // Failures in a sample estate are the point of the demo, so they do not set the exit code.
      onExitCode(0);
    });
}
