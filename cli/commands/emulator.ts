import type { Command } from "commander";

// Placeholder until the emulator/readers work lands in this file (being written now).
export function registerEmulatorCommand(_program: Command): void {}
