/**
 * Every reference in the repository's documentation and comments resolves inside the repository: Markdown links,
 * repository paths quoted in Markdown, and the Markdown files code comments cite. A reader who clones the repository
 * should never be sent to a file that only exists on someone's machine.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../cli/cliProcess.js";

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".git", "coverage", ".vaultwatch"]);
const TOP_LEVEL = ["bench", "bin", "cli", "docs", "emulator", "functions", "infra", "samples", "scripts", "shared", "test"];

function repositoryFiles(folder: string = REPO_ROOT): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_FOLDERS.has(entry.name)) return [];
    const path = join(folder, entry.name);
    return entry.isDirectory() ? repositoryFiles(path) : [path];
  });
}

const files = repositoryFiles();
const markdown = files.filter((path) => path.endsWith(".md"));
const sources = files.filter((path) => /\.(ts|js|bicep|kql)$/.test(path));

function where(path: string, text: string, index: number): string {
  return `${relative(REPO_ROOT, path)}:${text.slice(0, index).split("\n").length}`;
}

/** Markdown with fenced code blocks blanked out (keeping line numbers): code there is an example, not a reference. */
function prose(text: string): string {
  return text.replace(/```[\s\S]*?```/g, (block) => block.replace(/[^\n]/g, " "));
}

function resolvesFrom(folder: string, target: string): boolean {
  const path = resolve(folder, decodeURIComponent(target.split("#")[0] ?? ""));
  return path.startsWith(REPO_ROOT) && existsSync(path);
}

describe("references in the repository's documentation", () => {
  it("finds the documentation to check", () => {
    expect(markdown.map((path) => relative(REPO_ROOT, path))).toEqual(expect.arrayContaining(["README.md", "docs/controls.md", "docs/deploy.md", "emulator/README.md"]));
  });

  it("every relative Markdown link points at a file or folder in the repository", () => {
    const broken: string[] = [];
    for (const path of markdown) {
      const text = prose(readFileSync(path, "utf8"));
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? "";
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
        if (!resolvesFrom(dirname(path), target)) broken.push(`${where(path, text, match.index)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every repository path quoted in Markdown exists, and none names a machine path", () => {
    const broken: string[] = [];
    for (const path of markdown) {
      const text = prose(readFileSync(path, "utf8"));
      for (const match of text.matchAll(/`([^`\s]+)`/g)) {
        const quoted = match[1] ?? "";
        if (/^(\/(work|home|Users|root|tmp|mnt|opt)\/|[A-Z]:\\)/.test(quoted)) broken.push(`${where(path, text, match.index)} names the machine path ${quoted}`);
        const repositoryPath = TOP_LEVEL.some((folder) => quoted.startsWith(`${folder}/`));
        // Templates (`shared/controls/<area>-….ts`, `infra/generated/*.json`) describe paths; they are not references.
        if (!repositoryPath || /[<>*{}…]/.test(quoted)) continue;
        if (!resolvesFrom(REPO_ROOT, quoted) && !resolvesFrom(dirname(path), quoted)) broken.push(`${where(path, text, match.index)} → ${quoted}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every Markdown file a source comment cites exists in the repository", () => {
    const broken: string[] = [];
    for (const path of sources) {
      const text = readFileSync(path, "utf8");
      for (const match of text.matchAll(/(?<![\w./-])((?:\.{1,2}\/)*[\w-]+(?:\/[\w-]+)*\.md)\b/g)) {
        const cited = match[1] ?? "";
        if (!resolvesFrom(REPO_ROOT, cited) && !resolvesFrom(dirname(path), cited)) broken.push(`${where(path, text, match.index)} → ${cited}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
