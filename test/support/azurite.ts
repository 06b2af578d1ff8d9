/**
 * Azurite for integration tests: `const azurite = await startAzurite()` in `beforeAll`,
 * `await azurite.stop()` in `afterAll`. Free loopback ports, in-memory, nothing left behind.
 */
export { startAzurite, type LocalAzurite, type StartAzuriteOptions } from "../../cli/demo/localAzurite.js";
