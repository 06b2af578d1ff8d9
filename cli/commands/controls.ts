import { Command, Option } from "commander";
import { CONTROLS } from "../../shared/controls/catalog.js";
import { markdownCell } from "../output/markdownFormat.js";

const KINDS = { vault: "Key Vault", managedHsm: "Managed HSM" } as const;

export function registerControlsCommand(program: Command): void {
  program
    .command("controls")
    .description("print the control catalog")
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json", "markdown"]).default("table"))
    .action((options: { format: "table" | "json" | "markdown" }) => {
      process.stdout.write(renderCatalog(options.format));
    });
}

export function renderCatalog(format: "table" | "json" | "markdown"): string {
  const rows = CONTROLS.map((control) => ({
    id: control.id,
    title: control.title,
    severity: control.severity,
    appliesTo: control.appliesTo.map((kind) => KINDS[kind]),
    rationale: control.rationale,
  }));
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "markdown") {
    return (
      "| ID | Severity | Applies to | Title | Why |\n|---|---|---|---|---|\n" +
      rows
        .map((row) => `| ${row.id} | ${row.severity} | ${row.appliesTo.join(", ")} | ${markdownCell(row.title)} | ${markdownCell(row.rationale)} |`)
        .join("\n") +
      "\n"
    );
  }
  const line = (id: string, severity: string, appliesTo: string, title: string) => `${id.padEnd(12)}${severity.padEnd(10)}${appliesTo.padEnd(25)}${title}`;
  return [line("ID", "SEVERITY", "APPLIES TO", "TITLE"), ...rows.map((row) => line(row.id, row.severity, row.appliesTo.join(", "), row.title))].join("\n") + "\n";
}
