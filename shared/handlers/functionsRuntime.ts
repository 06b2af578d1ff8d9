import functions from "@azure/functions";

/**
 * `@azure/functions` is CommonJS: under Node's ESM loader its classes are reachable only through the default export
 * (a named import type-checks, and works in vitest, but fails when the compiled code runs).
 */
export const { InvocationContext } = functions;
export type InvocationContext = InstanceType<typeof InvocationContext>;
