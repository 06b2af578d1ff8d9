import { readFile } from "node:fs/promises";
import { isRecord } from "../shared/normalise/readValues.js";
import { InputError } from "./errors.js";


const SHAPES =
  'a JSON array of resources, an ARM list ({ "value": [...] }), a Resource Graph response ({ "data": [...] }) or a single resource object';

/** Reads `path` (or standard input for `-`) and returns the resource items it holds, in any of the accepted shapes. */
export async function readResourceItems(path: string): Promise<unknown[]> {
  const text = path === "-" ? await readStdin() : await readInputFile(path);
  return resourceItemsOf(parseJson(text, path === "-" ? "standard input" : path));
}

async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(`${path}: no such file`);
    if (code === "EISDIR") throw new InputError(`${path}: is a directory, expected a JSON file`);
    throw new InputError(`${path}: cannot read (${code ?? String(error)})`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function parseJson(text: string, source: string): unknown {
  if (text.trim() === "") throw new InputError(`${source}: empty input, expected ${SHAPES}`);
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(json);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = syntaxErrorOffset(json, message);
    const before = json.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new InputError(`${source}: invalid JSON at line ${line}, column ${column}: ${message}`);
  }
}

/**
 * Where `JSON.parse` stopped. V8 states the position for most errors, but not for an unexpected token
 * ("Unexpected token 'x', … is not valid JSON"); then the error sits just past the longest prefix that is still
 * the start of a valid document, found by bisection (only on this error path).
 */
function syntaxErrorOffset(text: string, message: string): number {
  const stated = statedPosition(message);
  if (stated !== undefined) return Math.min(stated, text.length);
  if (message.includes("end of JSON input")) return text.length;
  let viable = 0;
  let broken = text.length;
  while (broken - viable > 1) {
    const middle = Math.floor((viable + broken) / 2);
    if (isViablePrefix(text.slice(0, middle))) viable = middle;
    else broken = middle;
  }
  return broken - 1;
}

function statedPosition(message: string): number | undefined {
  const match = /position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** A prefix is viable when the parser only ran out of input (at its very end), never hit a wrong character. */
function isViablePrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes("end of JSON input")) return true;
    const stated = statedPosition(message);
    return stated !== undefined && stated >= prefix.length;
  }
}

export function resourceItemsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (isRecord(document)) {
    if (Array.isArray(document.value)) return document.value;
    if (Array.isArray(document.data)) return document.data;
    if (isRecord(document.data) && Array.isArray(document.data.columns) && Array.isArray(document.data.rows)) {
      return tableRows(document.data.columns, document.data.rows);
    }
    if (document.id !== undefined || document.type !== undefined || isRecord(document.resourceInfo)) return [document];
  }
  const found = Array.isArray(document) ? "an array" : document === null ? "null" : typeof document;
  throw new InputError(`expected ${SHAPES}; found ${isRecord(document) ? `an object with keys ${Object.keys(document).slice(0, 5).join(", ") || "(none)"}` : found}`);
}

/** Resource Graph `resultFormat: table`: `{ columns: [{ name }], rows: [[...]] }`. */
function tableRows(columns: unknown[], rows: unknown[]): unknown[] {
  const names = columns.map((column) => (isRecord(column) && typeof column.name === "string" ? column.name : ""));
  return rows.map((row) =>
    Array.isArray(row) ? Object.fromEntries(names.map((name, index) => [name, row[index]]).filter(([name]) => name !== "")) : row,
  );
}
