/**
 * Runs the real `vaultwatch` binary (bin/vaultwatch.js over dist/) as a user would, building dist/ first when it is
 * missing or older than the sources it is compiled from.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BINARY = join(REPO_ROOT, "bin", "vaultwatch.js");
const BUILT_ENTRY = join(REPO_ROOT, "dist", "cli", "main.js");
const SOURCE_DIRECTORIES = ["cli", "shared"].map((directory) => join(REPO_ROOT, directory));

export function fixturePath(name: string): string {
  return join(REPO_ROOT, "test", "fixtures", "cli", name);
}

function newestSourceTime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceTime(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isBuildFresh(): boolean {
  if (!existsSync(BUILT_ENTRY)) return false;
  const built = statSync(BUILT_ENTRY).mtimeMs;
  return SOURCE_DIRECTORIES.every((directory) => newestSourceTime(directory) <= built);
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Runs tsc without blocking this worker (a blocked worker cannot answer vitest's runner for a minute and fails the run). */
function compile(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/**
 * Builds dist/ with the project's own build config when it is stale. Several test files may ask at once, so a lock
 * directory makes one of them build while the others wait. tsc still emits when files outside the CLI have type
 * errors (colleagues' work in flux), so success is judged by the entry point being fresh, not by tsc's exit code.
 */
export async function ensureBuilt(): Promise<void> {
  if (isBuildFresh()) return;
  const lock = join(tmpdir(), `vaultwatch-cli-build-${createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12)}`);
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isBuildFresh()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for another test to build dist/ (lock ${lock})`);
      await sleep(250);
    }
  }
  try {
    if (isBuildFresh()) return;
    const compilerOutput = (await compile()).output;
    if (!isBuildFresh()) throw new Error(`the build (tsc -p tsconfig.build.json) did not produce a fresh dist/cli/main.js:\n${compilerOutput}`);
  } finally {
    rmdirSync(lock);
  }
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vaultwatch <args>` from the repository root, optionally feeding standard input. */
export function runCli(args: readonly string[], stdin?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BINARY, ...args], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks; records end with CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += char;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
