/**
 * Reads the Bicep files under infra/ with tree-sitter-bicep. No Bicep compiler runs here, so the tests
 * check what a parser can: syntax, the data files the templates load, parameters and module references.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Parser from "tree-sitter";
import Bicep from "tree-sitter-bicep";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const INFRA_DIR = join(REPO_ROOT, "infra");

type SyntaxNode = Parser.SyntaxNode;

const parser = new Parser();
parser.setLanguage(Bicep as unknown as Parser.Language);

/** Every file under `dir` whose name ends with `suffix`, as absolute paths, sorted. */
export function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export function repoRelative(path: string): string {
  return relative(REPO_ROOT, path);
}

export interface BicepFile {
  readonly path: string;
  readonly source: string;
  readonly root: SyntaxNode;
}

export function parseBicep(path: string, source: string = readFileSync(path, "utf8")): BicepFile {
  return { path, source, root: parser.parse(source).rootNode };
}

function descendants(node: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop() as SyntaxNode;
    found.push(current);
    stack.push(...current.children);
  }
  return found;
}

/** Where the parser had to recover: ERROR nodes and tokens it assumed missing, as "line:column text". */
export function syntaxErrors(file: BicepFile): string[] {
  return descendants(file.root)
    .filter((node) => node.type === "ERROR" || node.isMissing)
    .map((node) => `${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.isMissing ? `missing ${node.type}` : JSON.stringify(node.text.slice(0, 60))}`);
}

/** The text of a string literal without its quotes, or undefined when it interpolates. */
function literalString(node: SyntaxNode | null | undefined): string | undefined {
  if (node?.type !== "string") return undefined;
  const parts = node.namedChildren;
  if (parts.some((part) => part.type !== "string_content" && part.type !== "escape_sequence")) return undefined;
  return parts.map((part) => part.text).join("");
}

export interface FunctionCall {
  readonly name: string;
  /** First argument when it is a plain string literal; undefined otherwise. */
  readonly firstArgument: string | undefined;
  readonly line: number;
}

export function functionCalls(file: BicepFile): FunctionCall[] {
  return descendants(file.root)
    .filter((node) => node.type === "call_expression" && node.parent?.type !== "decorator")
    .map((node) => {
      const callee = node.namedChildren[0];
      const args = node.namedChildren.find((child) => child.type === "arguments");
      return {
        name: callee?.text ?? "",
        firstArgument: literalString(args?.namedChildren[0]),
        line: node.startPosition.row + 1,
      };
    });
}

export const LOAD_FUNCTIONS = ["loadJsonContent", "loadTextContent", "loadYamlContent", "loadFileAsBase64"];

export interface ModuleReference {
  readonly symbol: string;
  readonly reference: string;
  readonly line: number;
}

export function moduleReferences(file: BicepFile): ModuleReference[] {
  return file.root.namedChildren
    .filter((node) => node.type === "module_declaration")
    .map((node) => ({
      symbol: node.namedChildren.find((child) => child.type === "identifier")?.text ?? "",
      reference: literalString(node.namedChildren.find((child) => child.type === "string")) ?? "",
      line: node.startPosition.row + 1,
    }));
}

export interface Parameter {
  readonly name: string;
  readonly hasDefault: boolean;
  /** Decorator name → its first argument's source text (e.g. allowed → "[\n  1\n  2\n]"). */
  readonly decorators: ReadonlyMap<string, string>;
}

export function parameters(file: BicepFile): Parameter[] {
  const found: Parameter[] = [];
  const children = file.root.namedChildren;
  children.forEach((node, index) => {
    if (node.type !== "parameter_declaration") return;
    const decorators = new Map<string, string>();
    const previous = children[index - 1];
    if (previous?.type === "decorators") {
      for (const decorator of previous.namedChildren) {
        const call = decorator.namedChildren[0];
        const name = call?.namedChildren[0]?.text;
        const argument = call?.namedChildren.find((child) => child.type === "arguments")?.namedChildren[0];
        if (name !== undefined) decorators.set(name, argument?.text ?? "");
      }
    }
    found.push({
      name: node.namedChildren.find((child) => child.type === "identifier")?.text ?? "",
      hasDefault: node.children.some((child) => child.type === "="),
      decorators,
    });
  });
  return found;
}

/** `targetScope = '…'`, or resourceGroup when the file does not say. */
export function targetScope(file: BicepFile): string {
  const assignment = file.root.namedChildren.find((node) => node.type === "target_scope_assignment");
  return literalString(assignment?.namedChildren.find((child) => child.type === "string")) ?? "resourceGroup";
}

/** Every plain string literal in the file, with its line. */
export function stringLiterals(file: BicepFile): { readonly value: string; readonly line: number }[] {
  return descendants(file.root)
    .filter((node) => node.type === "string")
    .flatMap((node) => {
      const value = literalString(node);
      return value === undefined ? [] : [{ value, line: node.startPosition.row + 1 }];
    });
}

export interface ModuleCall extends ModuleReference {
  /** Names of the parameters the declaration passes. */
  readonly passed: readonly string[];
}

function objectPropertyNames(object: SyntaxNode | undefined): string[] {
  return (object?.namedChildren ?? [])
    .filter((child) => child.type === "object_property")
    .map((property) => property.namedChildren[0]?.text.replace(/^'|'$/g, "") ?? "");
}

function objectProperty(object: SyntaxNode | undefined, name: string): SyntaxNode | undefined {
  const property = (object?.namedChildren ?? []).find(
    (child) => child.type === "object_property" && child.namedChildren[0]?.text === name,
  );
  return property?.namedChildren[1];
}

/** Module declarations with the parameter names each passes (looping declarations included). */
export function moduleCalls(file: BicepFile): ModuleCall[] {
  return file.root.namedChildren
    .filter((node) => node.type === "module_declaration")
    .map((node) => {
      const body = node.namedChildren.find((child) => child.type === "object" || child.type === "for_statement" || child.type === "if_statement");
      const object = body?.type === "object" ? body : body?.namedChildren.find((child) => child.type === "object");
      return {
        symbol: node.namedChildren.find((child) => child.type === "identifier")?.text ?? "",
        reference: literalString(node.namedChildren.find((child) => child.type === "string")) ?? "",
        line: node.startPosition.row + 1,
        passed: objectPropertyNames(objectProperty(object, "params")),
      };
    });
}

/** Names of the file's outputs. */
export function outputNames(file: BicepFile): string[] {
  return file.root.namedChildren
    .filter((node) => node.type === "output_declaration")
    .map((node) => node.namedChildren.find((child) => child.type === "identifier")?.text ?? "");
}

/** Keys read from a variable, e.g. `abbrs.webSitesFunctions` → "webSitesFunctions" for variable "abbrs". */
export function memberAccesses(file: BicepFile, variable: string): { readonly key: string; readonly line: number }[] {
  return descendants(file.root)
    .filter((node) => node.type === "member_expression" && node.namedChildren[0]?.text === variable)
    .map((node) => ({ key: node.namedChildren[1]?.text ?? "", line: node.startPosition.row + 1 }));
}

/** Property names of the object assigned to `var name = { … }` (top level only). */
export function variableObjectKeys(file: BicepFile, name: string): string[] {
  const declaration = file.root.namedChildren.find(
    (node) => node.type === "variable_declaration" && node.namedChildren[0]?.text === name,
  );
  return objectPropertyNames(declaration?.namedChildren.find((child) => child.type === "object"));
}

/** Property names of the object a module declaration passes as parameter `parameter`. */
export function moduleParameterObjectKeys(file: BicepFile, moduleSymbol: string, parameter: string): string[] {
  const declaration = file.root.namedChildren.find(
    (node) => node.type === "module_declaration" && node.namedChildren.find((child) => child.type === "identifier")?.text === moduleSymbol,
  );
  const body = declaration?.namedChildren.find((child) => child.type === "object");
  return objectPropertyNames(objectProperty(objectProperty(body, "params"), parameter));
}

/** The values of main.bicep's @allowed decorator on sweepIntervalHours: the schedules a deployment can have. */
export function allowedSweepIntervals(): number[] {
  const main = parseBicep(join(INFRA_DIR, "main.bicep"));
  const sweep = parameters(main).find((parameter) => parameter.name === "sweepIntervalHours");
  return (sweep?.decorators.get("allowed") ?? "").match(/\d+/g)?.map(Number) ?? [];
}

/** Property names under `properties:` of the resource declared as `symbol`. */
export function resourcePropertiesKeys(file: BicepFile, symbol: string): string[] {
  const declaration = file.root.namedChildren.find(
    (node) => node.type === "resource_declaration" && node.namedChildren.find((child) => child.type === "identifier")?.text === symbol,
  );
  const body = declaration?.namedChildren.find((child) => child.type === "object" || child.type === "for_statement" || child.type === "if_statement");
  const object = body?.type === "object" ? body : body?.namedChildren.find((child) => child.type === "object");
  return objectPropertyNames(objectProperty(object, "properties"));
}
