/**
 * Resource data (names, ids, tags, reasons quoting what Azure sent) is written by whoever can create a resource:
 * it must never reach a terminal, a Markdown page or a CSV file as control characters. These helpers show such
 * characters as visible escapes instead.
 */

// C0 controls, DEL, C1 controls, and the Unicode line separators and bidirectional overrides that reorder text.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/** The text with every control character shown as an escape (`\n`, `\e`, `\x07`, `\u0085`): one line, inert. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (character) => {
    const named = NAMED[character];
    if (named !== undefined) return named;
    const code = character.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Text for Markdown prose or a table cell: printable, and with the characters Markdown or GitHub would read as
 * syntax escaped, so a name cannot end a cell (`|`), open code (`` ` ``), form a link or image (`[x](y)`, `![x](y)`
 * need the brackets), inject HTML or an autolink (`<`), an entity (`&#x202e;`), or emphasis.
 */
export function markdownText(text: string): string {
  return printable(text).replace(/[\\`*_[\]<>|~&]/g, (character) => `\\${character}`);
}

/** The score as reports show it: the number, or `–` when the resource has none (nothing could be judged). */
export function scoreText(score: number | null): string {
  return score === null ? "–" : String(score);
}

/**
 * A fenced code block that its content cannot close: the fence is longer than any run of backticks inside
 * (CommonMark's rule). The lines are made printable first.
 */
export function markdownCodeBlock(language: string, lines: readonly string[]): string {
  const body = lines.map(printable).join("\n");
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${body}\n${fence}\n`;
}
