import { printable } from "./output/safeText.js";
import type { ItemTally } from "../shared/evaluate/evaluateItems.js";

const MAX_LINES = 50;

/** Non-fatal problems for stderr; keeps the first few and counts the rest, so a huge estate stays in flat memory. */
export class WarningCollector {
  private readonly kept: string[] = [];
  private dropped = 0;

  addAll(lines: Iterable<string>): void {
    for (const line of lines) {
      if (this.kept.length < MAX_LINES) this.kept.push(line);
      else this.dropped += 1;
    }
  }

  print(stream: NodeJS.WritableStream = process.stderr): void {
    // Warnings quote resource data (ids, names, unreadable values): never let it drive the terminal.
    for (const line of this.kept) stream.write(`warning: ${printable(line)}\n`);
    if (this.dropped > 0) stream.write(`warning: … and ${this.dropped} more\n`);
  }
}

export function tallyWarnings(tally: ItemTally): string[] {
  const skipped = [...tally.skippedByType.values()].reduce((sum, count) => sum + count, 0);
  const lines: string[] = [];
  if (skipped > 0) {
    const types = [...tally.skippedByType].map(([type, count]) => `${type} ×${count}`).join(", ");
    lines.push(`skipped ${skipped} item(s) that are not Key Vault vaults or Managed HSMs (${types})`);
  }
  return [...lines, ...tally.malformed.map((problem) => `skipped malformed ${problem}`)];
}
