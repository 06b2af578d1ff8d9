import { styleText } from "node:util";
import type { Writable } from "node:stream";

type Style = Parameters<typeof styleText>[0];
export type Paint = (style: Style, text: string) => string;

/**
 * Whether to colour what goes to `stream`, by the conventions terminals share: `FORCE_COLOR` (anything but `0` or
 * `false`) colours even a pipe or file and wins over `NO_COLOR`; `NO_COLOR` (any non-empty value) turns colour off;
 * otherwise only a terminal that reports colours gets them.
 */
export function wantsColour(stream: Writable | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const tty = stream as (Writable & { isTTY?: boolean; hasColors?: (count?: number, env?: NodeJS.ProcessEnv) => boolean }) | undefined;
  return tty?.isTTY === true && typeof tty.hasColors === "function" && tty.hasColors(16, env);
}

/** Node's own `util.styleText`, or plain text when colour is off. The decision is ours, hence no stream validation. */
export function painter(colour: boolean): Paint {
  return colour ? (style, text) => styleText(style, text, { validateStream: false }) : (_style, text) => text;
}
