/**
 * Writes samples/demo-estate.json, the estate `vaultwatch demo` runs on: the emulator's seeded generator (a realistic
 * mixture of postures and shapes over three subscriptions) plus the resources the demo's story changes.
 * Run with `npm run build && node dist/scripts/generate-demo-estate.js`; the output is deterministic.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateEstate } from "../emulator/generateEstate.js";
import { DEMO_SUBSCRIPTIONS, storyResources } from "../cli/demo/storyResources.js";

const DEMO_SEED = 2026;
const GENERATED_RESOURCES = 315;

const { estate } = generateEstate({ resources: GENERATED_RESOURCES, subscriptions: DEMO_SUBSCRIPTIONS.length, seed: DEMO_SEED, managedHsmRate: 0.12 });
const generatedSubscriptions = estate.subscriptions().map((record) => record.subscriptionId);
// Re-home the generated resources into the demo's named subscriptions, so the story's cast sits beside them.
const rehome = (text: string): string =>
  generatedSubscriptions.reduce((result, from, index) => result.replaceAll(from, DEMO_SUBSCRIPTIONS[index] ?? from), text);
const bodies = [...estate.exportBodies()].map((body) => JSON.parse(rehome(JSON.stringify(body))) as Record<string, unknown>);
const all = [...bodies, ...storyResources()];

const target = fileURLToPath(new URL("../../samples/demo-estate.json", import.meta.url));
writeFileSync(target, `[\n${all.map((body) => JSON.stringify(body)).join(",\n")}\n]\n`);
process.stdout.write(`wrote ${all.length} resources to ${target}\n`);
