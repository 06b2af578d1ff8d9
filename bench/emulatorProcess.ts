/**
 * The emulator in a process of its own, so the benchmark measures the scanner's memory and not the estate's.
 * Started with `fork`; reports `{ url, caPem }` over IPC once listening and stops when the parent disconnects.
 */
import { startEmulator } from "../emulator/index.js";

const [resources, subscriptions, seed] = process.argv.slice(2).map(Number);
if (!Number.isInteger(resources) || !Number.isInteger(subscriptions) || !Number.isInteger(seed) || process.send === undefined) {
  process.stderr.write("usage: fork(emulatorProcess.js, [resources, subscriptions, seed])\n");
  process.exit(2);
}

const emulator = await startEmulator({ estate: { resources: resources as number, subscriptions: subscriptions as number, seed: seed as number } });
process.send({ url: emulator.url, caPem: emulator.caPem, subscriptionIds: emulator.estate.subscriptions().map((subscription) => subscription.subscriptionId) });
process.on("disconnect", () => {
  void emulator.stop().then(() => process.exit(0));
});
