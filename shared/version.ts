import { readFileSync } from "node:fs";

/** The package version, written on every row and report so results can be traced to the code that made them. */
export const TOOL_VERSION: string = (() => {
  // From shared/ (tests) the manifest is one level up; from dist/shared/ (built) two.
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (manifest.name === "vaultwatch" && manifest.version) return manifest.version;
    } catch {
      // try the next candidate
    }
  }
  return "0.0.0";
})();
