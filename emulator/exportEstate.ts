import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Estate } from "./estate.js";

/**
 * Writes the estate as the offline input of `vaultwatch evaluate`: a JSON array of ARM GET bodies in id
 * order, each with its `diagnosticSettings` array (or `diagnosticSettingsError` where reading them is
 * forbidden). Streams body by body so a 100k-resource estate is never one string in memory.
 */
export async function exportEstate(estate: Estate, path: string): Promise<number> {
  const out = createWriteStream(path, { encoding: "utf8" });
  let count = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, "drain");
  };
  try {
    await write("[");
    for (const body of estate.exportBodies()) {
      await write(`${count === 0 ? "\n" : ",\n"}${JSON.stringify(body)}`);
      count += 1;
    }
    await write(count === 0 ? "]\n" : "\n]\n");
  } finally {
    out.end();
    await once(out, "finish");
  }
  return count;
}
