/**
 * A small evaluator for the part of the Azure Policy rule language vaultwatch's policy uses, so its `if` and
 * `existenceCondition` can be run against sample resources. What it covers, and no more:
 * - logical operators `allOf`, `anyOf`, `not`;
 * - leaf conditions on `field` with `equals`, `notEquals`, `in`, `notIn`, `like`, `exists`, `containsKey`, compared
 *   case-insensitively as Azure Policy compares strings;
 * - fields `type`, `name`, `location`, `id`, `identity.userAssignedIdentities` and the aliases listed in ALIASES
 *   (mapped to the property paths Microsoft's alias list gives them); any other field throws, so a rule that starts
 *   using one fails its test instead of passing silently;
 * - policy expressions `[parameters('name')]`, `[subscription().id]` and `[subscription().subscriptionId]`.
 * It does not model how Azure finds the resources of `details.type` in the existence scope (the test hands them
 * in), nor alias quirks such as `[*]` array aliases, which the rule does not use.
 *
 * For the DeployIfNotExists deployment it also evaluates the ARM template expressions the policy's own template
 * uses (`parameters`, `variables`, `subscription()`, `concat`, `take`, `createObject`), again throwing on others.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Policy aliases the evaluator knows, with the resource property path each one reads. */
export const ALIASES: Readonly<Record<string, string>> = {
  "Microsoft.EventGrid/systemTopics/topicType": "properties.topicType",
  "Microsoft.EventGrid/systemTopics/source": "properties.source",
};

const DIRECT_FIELDS: Readonly<Record<string, string>> = {
  type: "type",
  name: "name",
  location: "location",
  id: "id",
  "identity.userAssignedIdentities": "identity.userAssignedIdentities",
};

export interface PolicyContext {
  readonly parameters: Readonly<Record<string, Json>>;
  readonly subscriptionId: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readPath(resource: JsonObject, path: string): Json | undefined {
  let current: Json | undefined = resource;
  for (const part of path.split(".")) {
    if (!isObject(current)) return undefined;
    // ARM property names are case-insensitive.
    const object: JsonObject = current;
    const key: string | undefined = Object.keys(object).find((candidate) => candidate.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : object[key];
  }
  return current;
}

export function fieldValue(resource: JsonObject, field: string): Json | undefined {
  const path = DIRECT_FIELDS[field] ?? ALIASES[field];
  if (path === undefined) throw new Error(`The evaluator does not know the field or alias "${field}".`);
  return readPath(resource, path);
}

/** Resolves a policy expression string; any other string is a literal. */
export function policyValue(value: Json, context: PolicyContext): Json {
  if (typeof value !== "string" || !value.startsWith("[") || value.startsWith("[[")) return value;
  const parameter = /^\[parameters\('([^']+)'\)\]$/.exec(value);
  if (parameter?.[1] !== undefined) {
    if (!(parameter[1] in context.parameters)) throw new Error(`The rule reads parameter "${parameter[1]}", which has no value.`);
    return context.parameters[parameter[1]] as Json;
  }
  if (value === "[subscription().id]") return `/subscriptions/${context.subscriptionId}`;
  if (value === "[subscription().subscriptionId]") return context.subscriptionId;
  throw new Error(`The evaluator does not support the policy expression ${value}.`);
}

function lower(value: Json | undefined): Json | undefined {
  return typeof value === "string" ? value.toLowerCase() : value;
}

function likeToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

/** Whether `condition` holds for `resource`. */
export function evaluateCondition(condition: Json, resource: JsonObject, context: PolicyContext): boolean {
  if (!isObject(condition)) throw new Error(`A condition must be an object; got ${JSON.stringify(condition)}.`);
  if ("allOf" in condition) return (condition.allOf as Json[]).every((inner) => evaluateCondition(inner, resource, context));
  if ("anyOf" in condition) return (condition.anyOf as Json[]).some((inner) => evaluateCondition(inner, resource, context));
  if ("not" in condition) return !evaluateCondition(condition.not as Json, resource, context);
  if (typeof condition.field !== "string") throw new Error(`The evaluator supports field conditions only; got ${JSON.stringify(condition)}.`);
  const actual = fieldValue(resource, condition.field);
  const operators = Object.keys(condition).filter((key) => key !== "field");
  if (operators.length !== 1) throw new Error(`A field condition needs exactly one operator; got ${operators.join(", ")}.`);
  const operator = operators[0] as string;
  const expected = policyValue(condition[operator] as Json, context);
  switch (operator) {
    case "equals":
      return actual !== undefined && lower(actual) === lower(expected);
    case "notEquals":
      return actual === undefined || lower(actual) !== lower(expected);
    case "in":
      return Array.isArray(expected) && expected.some((item) => lower(item) === lower(actual));
    case "notIn":
      return !(Array.isArray(expected) && expected.some((item) => lower(item) === lower(actual)));
    case "like":
      return typeof actual === "string" && typeof expected === "string" && likeToRegExp(expected).test(actual.toLowerCase());
    case "exists":
      return (actual !== undefined && actual !== null) === (String(expected).toLowerCase() === "true");
    case "containsKey":
      return isObject(actual) && typeof expected === "string" && Object.keys(actual).some((key) => key.toLowerCase() === expected.toLowerCase());
    default:
      throw new Error(`The evaluator does not support the operator "${operator}".`);
  }
}

export interface DeployIfNotExistsRule {
  readonly if: Json;
  readonly then: { readonly effect: string; readonly details: { readonly type: string; readonly existenceCondition: Json } & JsonObject };
}

export type Compliance = "NotApplicable" | "Compliant" | "NonCompliant";

/**
 * The compliance of `resource` under an if-not-exists rule, given the resources of the existence scope: not
 * applicable when `if` does not match; compliant when some related resource of `details.type` meets the
 * existence condition.
 */
export function evaluateIfNotExists(rule: DeployIfNotExistsRule, resource: JsonObject, related: readonly JsonObject[], context: PolicyContext): Compliance {
  if (!evaluateCondition(rule.if, resource, context)) return "NotApplicable";
  const candidates = related.filter((candidate) => String(candidate.type).toLowerCase() === rule.then.details.type.toLowerCase());
  return candidates.some((candidate) => evaluateCondition(rule.then.details.existenceCondition, candidate, context)) ? "Compliant" : "NonCompliant";
}

// ── ARM template expressions of the policy's deployment ─────────────────────────────────────────────────────

export interface TemplateContext {
  readonly parameters: Readonly<Record<string, Json>>;
  readonly variables?: Readonly<Record<string, Json>>;
  readonly subscriptionId: string;
}

/** Splits a function's argument list at top-level commas. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      parts.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== "") parts.push(last);
  return parts;
}

function evaluateExpression(text: string, context: TemplateContext): Json {
  const source = text.trim();
  if (/^'.*'$/.test(source)) return source.slice(1, -1);
  if (/^\d+$/.test(source)) return Number(source);
  if (source === "subscription().id") return `/subscriptions/${context.subscriptionId}`;
  if (source === "subscription().subscriptionId") return context.subscriptionId;
  const call = /^([A-Za-z]+)\((.*)\)$/s.exec(source);
  if (call === null) throw new Error(`The evaluator does not support the template expression ${source}.`);
  const [, name = "", argumentText = ""] = call;
  const args = splitArguments(argumentText).map((argument) => evaluateExpression(argument, context));
  switch (name) {
    case "parameters": {
      const key = String(args[0]);
      if (!(key in context.parameters)) throw new Error(`The template reads parameter "${key}", which has no value.`);
      return context.parameters[key] as Json;
    }
    case "variables": {
      const key = String(args[0]);
      const value = context.variables?.[key];
      if (value === undefined) throw new Error(`The template reads variable "${key}", which is not defined.`);
      return value;
    }
    case "concat":
      return args.map(String).join("");
    case "take":
      return String(args[0]).slice(0, Number(args[1]));
    case "createObject": {
      const object: JsonObject = {};
      for (let index = 0; index + 1 < args.length; index += 2) object[String(args[index])] = args[index + 1] as Json;
      return object;
    }
    default:
      throw new Error(`The evaluator does not support the template function ${name}().`);
  }
}

/** A template value with its `[...]` expressions evaluated (objects and arrays recursively). */
export function templateValue(value: Json, context: TemplateContext): Json {
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    if (value.startsWith("[") && value.endsWith("]")) return evaluateExpression(value.slice(1, -1), context);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => templateValue(item, context));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, templateValue(inner, context)]));
  return value;
}
