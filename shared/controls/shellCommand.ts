/**
 * Remediation commands are pasted into a shell by people, with names that come from Azure (or from whoever can
 * write a tag or a resource name): every argument is quoted so that it stays one argument and the command one line.
 */

/** Arguments made only of these characters mean the same to every shell unquoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** C0 controls, DEL and C1 controls: shown as escapes so a command never spans lines or drives the terminal. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * One shell word for `text`: bare when plain, in single quotes otherwise, and in ANSI-C quotes (`$'…'`, bash and zsh)
 * when it holds a control character, so a newline or ESC in a name becomes the visible `\n` or `\x1b`.
 */
export function shellQuote(text: string): string {
  if (text !== "" && PLAIN.test(text)) return text;
  if (!CONTROL.test(text)) return `'${text.replaceAll("'", `'\\''`)}'`;
  let quoted = "";
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (character === "\\" || character === "'") quoted += `\\${character}`;
    else if (character === "\n") quoted += "\\n";
    else if (character === "\r") quoted += "\\r";
    else if (character === "\t") quoted += "\\t";
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    // C1 controls as their UTF-8 bytes: `\u0085` would depend on the shell's locale, `\xc2\x85` does not.
    else if (code >= 0x80 && code <= 0x9f) quoted += [...Buffer.from(character, "utf8")].map((byte) => `\\x${byte.toString(16)}`).join("");
    else quoted += character;
  }
  return `$'${quoted}'`;
}

/** A command line from its words, each quoted as needed. */
export function shellCommand(...words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
