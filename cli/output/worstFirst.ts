import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { exposureRank } from "../../shared/model/exposure.js";

/**
 * What orders resources worst first: lowest score, then most High, Medium and Low failures, widest exposure, name.
 * A resource with no score (nothing could be judged) sorts after every scored resource with a failure and before the
 * ones that pass everything: nobody showed it to be sound.
 */
export interface Rank {
  readonly score: number | null;
  readonly failures: readonly [high: number, medium: number, low: number];
  readonly exposure: number;
  readonly name: string;
}

export function rankOf(evaluation: ResourceEvaluation): Rank {
  const failures: [number, number, number] = [0, 0, 0];
  for (const finding of evaluation.findings) {
    if (finding.status !== "Fail") continue;
    failures[finding.severity === "High" ? 0 : finding.severity === "Medium" ? 1 : 2] += 1;
  }
  // An exposure that could not be read sorts with the widest: nobody showed it to be narrow.
  return { score: evaluation.score, failures, exposure: exposureRank(evaluation.exposure.class) ?? 0, name: evaluation.resource.name };
}

/** Scores run 0–100; no score sits between 99 and 100. */
function scoreKey(rank: Rank): number {
  return rank.score ?? 99.5;
}

export function worstFirst(a: Rank, b: Rank): number {
  return (
    scoreKey(a) - scoreKey(b) ||
    b.failures[0] - a.failures[0] ||
    b.failures[1] - a.failures[1] ||
    b.failures[2] - a.failures[2] ||
    a.exposure - b.exposure ||
    a.name.localeCompare(b.name)
  );
}

interface Entry<Part extends string> {
  readonly rank: Rank;
  readonly parts: Record<Part, readonly [offset: number, bytes: number]>;
}

/**
 * Rendered text per resource, read back worst first. The text goes to a temporary file as it arrives and only each
 * resource's rank and offsets stay in memory, so ordering an estate costs a few dozen bytes per resource.
 */
export class WorstFirstSections<Part extends string> {
  private readonly entries: Entry<Part>[] = [];
  private directory: string | undefined;
  private fd: number | undefined;
  private size = 0;

  add(rank: Rank, parts: Record<Part, string>): void {
    if (this.fd === undefined) {
      this.directory = mkdtempSync(join(tmpdir(), "vaultwatch-ranked-"));
      this.fd = openSync(join(this.directory, "sections"), "w+");
    }
    const offsets = {} as Record<Part, readonly [number, number]>;
    for (const part of Object.keys(parts) as Part[]) {
      const bytes = Buffer.from(parts[part], "utf8");
      writeSync(this.fd, bytes, 0, bytes.length, this.size);
      offsets[part] = [this.size, bytes.length];
      this.size += bytes.length;
    }
    this.entries.push({ rank, parts: offsets });
  }

  get count(): number {
    return this.entries.length;
  }

  /** The sections worst first; `text(part)` reads one part of one resource back. */
  *ordered(): Generator<{ readonly rank: Rank; text(part: Part): string }> {
    const fd = this.fd;
    for (const entry of [...this.entries].sort((a, b) => worstFirst(a.rank, b.rank))) {
      yield {
        rank: entry.rank,
        text(part) {
          const [offset, length] = entry.parts[part];
          if (fd === undefined || length === 0) return "";
          const buffer = Buffer.alloc(length);
          readSync(fd, buffer, 0, length, offset);
          return buffer.toString("utf8");
        },
      };
    }
  }

  discard(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.directory !== undefined) rmSync(this.directory, { recursive: true, force: true });
    this.fd = undefined;
    this.directory = undefined;
  }
}
