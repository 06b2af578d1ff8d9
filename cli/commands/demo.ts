import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { printSummary } from "../demo/demoSummary.js";
import { runDemo } from "../demo/runDemo.js";
import { InputError } from "../errors.js";

/** The bundled sample estate: realistic vaults and HSMs in ARM shape, with their diagnostic settings. */
export const DEMO_ESTATE_PATH = fileURLToPath(new URL("../../../samples/demo-estate.json", import.meta.url));

export function registerDemoCommand(program: Command, onExitCode: (code: number) => void): void {
  program
    .command("demo")
    .description("run the whole pipeline on the bundled estate: emulator, Azurite, sweep, a story of changes as events, an HTML report")
    .option("--report <file>", "where to write the HTML report", "vaultwatch-report.html")
    .action(async (options: { report: string }) => {
      // The report is written last: find out now, not after the whole demo, that it cannot be.
      await checkWritable(resolve(options.report));
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

/** A clear input error when `path` cannot be written: its folder is missing or read-only, or it is a folder. */
async function checkWritable(path: string): Promise<void> {
  const problem = async (): Promise<string | undefined> => {
    try {
      const stats = await stat(path);
      if (stats.isDirectory()) return "it is a folder";
      await access(path, constants.W_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") return `it cannot be written (${code ?? String(error)})`;
    }
    try {
      await access(dirname(path), constants.W_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? `the folder ${dirname(path)} does not exist` : `the folder ${dirname(path)} cannot be written (${code ?? String(error)})`;
    }
  };
  const reason = await problem();
  if (reason !== undefined) throw new InputError(`--report ${path}: ${reason}; the demo did not run.`);
}
