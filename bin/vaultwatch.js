#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` through `prepare`).
import { main } from "../dist/cli/main.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`vaultwatch: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
