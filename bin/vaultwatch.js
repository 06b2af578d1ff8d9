#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` through `prepare`).
import { main } from "../dist/cli/main.js";

// A reader that stops early (`vaultwatch … | head`) is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`vaultwatch: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
