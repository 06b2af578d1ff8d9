import { Command, Option } from "commander";
import { CONTROLS } from "../../shared/controls/catalog.js";
import { mappingsOf, policyDefinitionIdsOf } from "../../shared/controls/complianceMappings.js";
import type { GovernanceConfig } from "../../shared/governance/governanceConfig.js";
import { readConfigOption } from "../configOption.js";
import { markdownCell } from "../output/markdownFormat.js";

const KINDS = { vault: "Key Vault", managedHsm: "Managed HSM" } as const;

export function registerControlsCommand(program: Command): void {
  program
    .command("controls")
    .description("print the control catalog, with each control's Azure Policy built-ins and compliance mappings")
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json", "markdown"]).default("table"))
    .option("--config <file>", "vaultwatch.config.json: show which controls it disables and which severities it overrides")
    .action(async (options: { format: "table" | "json" | "markdown"; config?: string }) => {
      process.stdout.write(renderCatalog(options.format, await readConfigOption(options.config)));
    });
}

export function renderCatalog(format: "table" | "json" | "markdown", governance?: GovernanceConfig): string {
  const rows = CONTROLS.map((control) => {
    const severity = governance?.severityOverrides.get(control.id) ?? control.severity;
    return {
      id: control.id,
      title: control.title,
      severity,
      ...(severity === control.severity ? {} : { catalogSeverity: control.severity }),
      ...(governance === undefined ? {} : { enabled: !governance.disabledControls.has(control.id) }),
      appliesTo: control.appliesTo.map((kind) => KINDS[kind]),
      rationale: control.rationale,
      policyDefinitionIds: policyDefinitionIdsOf(control),
      mappings: mappingsOf(control),
    };
  });
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  const configured = (row: (typeof rows)[number]): string =>
    `${row.enabled === false ? " (disabled by the configuration)" : ""}${row.catalogSeverity === undefined ? "" : ` (catalog severity ${row.catalogSeverity})`}`;
  if (format === "markdown") {
    return (
      "| ID | Severity | Applies to | Title | Why | Azure Policy built-ins | Compliance mappings |\n|---|---|---|---|---|---|---|\n" +
      rows
        .map(
          (row) =>
            `| ${row.id} | ${row.severity}${configured(row)} | ${row.appliesTo.join(", ")} | ${markdownCell(row.title)} | ${markdownCell(row.rationale)} | ` +
            `${row.policyDefinitionIds.map((id) => id.split("/").pop()).join("<br>") || "none"} | ` +
            `${mappingsByFramework(row.mappings).map(markdownCell).join("<br>") || "none"} |`,
        )
        .join("\n") +
      "\n"
    );
  }
  const line = (id: string, severity: string, appliesTo: string, title: string) => `${id.padEnd(12)}${severity.padEnd(10)}${appliesTo.padEnd(25)}${title}`;
  return [line("ID", "SEVERITY", "APPLIES TO", "TITLE"), ...rows.map((row) => line(row.id, row.severity, row.appliesTo.join(", "), `${row.title}${configured(row)}`))].join("\n") + "\n";
}

/** `CIS Azure Foundations v3.0.0: 3.3.5, 3.3.6`, one line per framework. */
function mappingsByFramework(mappings: readonly { framework: string; requirement: string }[]): string[] {
  const byFramework = new Map<string, string[]>();
  for (const mapping of mappings) byFramework.set(mapping.framework, [...(byFramework.get(mapping.framework) ?? []), mapping.requirement]);
  return [...byFramework].map(([framework, requirements]) => `${framework}: ${requirements.join(", ")}`);
}
