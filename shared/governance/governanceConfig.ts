/**
 * `vaultwatch.config.json`: how an organisation adapts the catalog without forking it (the contract's "Configuration and
 * exceptions"). The zod schema below is the one definition: it validates the file, and the JSON Schema shipped in
 * the repository (`vaultwatch.config.schema.json`, for editors) is generated from it by `npm run generate`.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { CONTROLS } from "../controls/catalog.js";
import type { ControlId, Severity } from "../model/finding.js";
import { scopeProblem } from "./scope.js";

export const CONFIG_FILE_NAME = "vaultwatch.config.json";
export const CONFIG_SCHEMA_FILE = "vaultwatch.config.schema.json";

const CONTROL_IDS = CONTROLS.map((control) => control.id) as [ControlId, ...ControlId[]];

const controlIdSchema = z.enum(CONTROL_IDS).describe("A control of the vaultwatch catalog.");
const severitySchema = z.enum(["High", "Medium", "Low"]);
const text = (what: string) => z.string().trim().min(1, { error: `${what} must not be empty` });

const scopeSchema = z
  .string()
  .regex(/^\/subscriptions\/[^/]+(\/.*)?$/i, { error: "expected an ARM id that starts with /subscriptions/<subscription id>" })
  .superRefine((value, context) => {
    const problem = scopeProblem(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: `not a subscription, resource group or resource id: ${problem}` });
  })
  .describe("An ARM id: a subscription, a resource group or a resource. Compared case-insensitively on whole path segments.");

const dateSchema = z.iso.date({ error: "expected a calendar date YYYY-MM-DD" });

const controlSettingsSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe("false: the control is not evaluated (no finding, no weight in the score)."),
    severity: severitySchema.optional().describe("Replaces the catalog severity on findings and in the score."),
  })
  .describe("How the organisation uses one control.");

const exclusionSchema = z
  .strictObject({
    scope: scopeSchema.optional(),
    tags: z
      .record(z.string().min(1), z.string())
      .refine((tags) => Object.keys(tags).length > 0, { error: "tags must name at least one tag" })
      .optional()
      .describe("Every tag named must be on the resource with this value (tag names compare case-insensitively, values exactly)."),
    reason: text("reason").describe("Why these resources are kept out of evaluation; shown in summaries."),
  })
  .refine((exclusion) => exclusion.scope !== undefined || exclusion.tags !== undefined, {
    error: "an exclusion needs a scope, tags, or both",
  })
  .describe("Resources kept out of evaluation; they are counted and listed in summaries.");

const exceptionSchema = z
  .strictObject({
    controls: z.array(controlIdSchema).min(1, { error: "controls must name at least one control" }),
    scope: scopeSchema,
    reason: text("reason"),
    approvedBy: text("approvedBy").describe("Who approved the exception."),
    ticket: text("ticket").optional().describe("The change or risk ticket that records the approval."),
    expires: dateSchema.describe("Last day covered (inclusive, UTC); after it the exception has no effect and findings say it expired."),
  })
  .describe("An approved exception: turns Fail into Waived for the controls named, inside the scope, until it expires.");

export const governanceConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    controls: z.partialRecord(controlIdSchema, controlSettingsSchema).optional(),
    exclude: z.array(exclusionSchema).optional(),
    exceptions: z.array(exceptionSchema).optional(),
    tagWaivers: z
      .enum(["allow", "off"])
      .optional()
      .describe('"off": the vaultwatch-waiver tag is ignored, and resources that carry one are counted in summaries. Default "allow".'),
    azurePolicyExemptions: z
      .enum(["honour", "ignore"])
      .optional()
      .describe('"honour" (default): Azure Policy exemptions of the built-ins a control relates to waive its failures.'),
  })
  .describe("vaultwatch configuration: controls turned off or re-graded, exclusions, approved exceptions, tag waivers, Azure Policy exemptions.");

type ConfigDocument = z.infer<typeof governanceConfigSchema>;

export interface Exclusion {
  readonly scope?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly reason: string;
}

export interface ConfiguredException {
  readonly controls: readonly ControlId[];
  readonly scope: string;
  readonly reason: string;
  readonly approvedBy: string;
  readonly ticket?: string;
  /** Last day covered, YYYY-MM-DD, inclusive, UTC. */
  readonly expires: string;
}

/** A validated configuration with its defaults applied. */
export interface GovernanceConfig {
  /** The file it came from, for messages; absent for the built-in default. */
  readonly source?: string;
  readonly disabledControls: ReadonlySet<ControlId>;
  readonly severityOverrides: ReadonlyMap<ControlId, Severity>;
  readonly exclusions: readonly Exclusion[];
  readonly exceptions: readonly ConfiguredException[];
  readonly tagWaivers: "allow" | "off";
  readonly azurePolicyExemptions: "honour" | "ignore";
}

export const DEFAULT_GOVERNANCE: GovernanceConfig = {
  disabledControls: new Set(),
  severityOverrides: new Map(),
  exclusions: [],
  exceptions: [],
  tagWaivers: "allow",
  azurePolicyExemptions: "honour",
};

/** An invalid configuration file: each problem names the file, the JSON path and the rule broken. */
export class GovernanceConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid vaultwatch configuration:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
    this.name = "GovernanceConfigError";
  }
}

/** Validates a parsed document; throws `GovernanceConfigError` listing every problem. */
export function parseGovernanceConfig(document: unknown, source: string): GovernanceConfig {
  const parsed = governanceConfigSchema.safeParse(document, { reportInput: true });
  if (!parsed.success) throw new GovernanceConfigError(source, parsed.error.issues.map((issue) => `${source}: ${jsonPath(issue.path)}: ${describeIssue(issue)}`));
  return resolve(parsed.data, source);
}

/** Reads and validates a configuration file. `parseJson` lets the CLI report syntax errors with line and column. */
export async function loadGovernanceConfigFile(path: string, parseJson: (text: string, source: string) => unknown = plainJsonParse): Promise<GovernanceConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GovernanceConfigError(path, [`${path}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(error)})`}`]);
  }
  return parseGovernanceConfig(parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, path), path);
}

function plainJsonParse(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GovernanceConfigError(source, [`${source}: $: invalid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
}

function resolve(document: ConfigDocument, source: string): GovernanceConfig {
  const disabledControls = new Set<ControlId>();
  const severityOverrides = new Map<ControlId, Severity>();
  for (const [id, settings] of Object.entries(document.controls ?? {}) as [ControlId, z.infer<typeof controlSettingsSchema> | undefined][]) {
    if (settings?.enabled === false) disabledControls.add(id);
    if (settings?.severity !== undefined) severityOverrides.set(id, settings.severity);
  }
  return {
    source,
    disabledControls,
    severityOverrides,
    exclusions: (document.exclude ?? []).map((exclusion) => ({
      ...(exclusion.scope === undefined ? {} : { scope: exclusion.scope }),
      ...(exclusion.tags === undefined ? {} : { tags: exclusion.tags }),
      reason: exclusion.reason,
    })),
    exceptions: (document.exceptions ?? []).map((exception) => ({
      controls: [...new Set(exception.controls)],
      scope: exception.scope,
      reason: exception.reason,
      approvedBy: exception.approvedBy,
      ...(exception.ticket === undefined ? {} : { ticket: exception.ticket }),
      expires: exception.expires,
    })),
    tagWaivers: document.tagWaivers ?? "allow",
    azurePolicyExemptions: document.azurePolicyExemptions ?? "honour",
  };
}

/** `$.exceptions[0].approvedBy`: the JSON path of an issue, as editors and jq spell it. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `${text}.${String(key)}` : `${text}[${JSON.stringify(String(key))}]`),
    "$",
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, found ${kindOf(issue.input)}`;
    case "unrecognized_keys":
      return `unknown propert${issue.keys.length === 1 ? "y" : "ies"} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (check the spelling against ${CONFIG_SCHEMA_FILE})`;
    case "invalid_value":
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}, found ${JSON.stringify(issue.input)}`;
    case "invalid_key":
      return `${JSON.stringify(String(issue.path.at(-1) ?? issue.input))} is not a vaultwatch control id (expected one of ${CONTROL_IDS.join(", ")})`;
    default:
      return issue.message;
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 60))}` : `${typeof value} ${JSON.stringify(value)}`;
}

/** The JSON Schema editors use to complete and check the file, generated from the zod schema. */
export function governanceJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(governanceConfigSchema, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
  return { ...schema, title: "vaultwatch configuration" };
}
