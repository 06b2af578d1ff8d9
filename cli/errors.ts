/** The command line was wrong (bad option value): exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The command's input could not be read or has the wrong shape: exit code 2. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** The scope to scan holds nothing this identity can read: exit code 2. */
export class ScopeError extends Error {
  override readonly name = "ScopeError";
}
