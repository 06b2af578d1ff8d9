import type { InvocationContext, Timer } from "@azure/functions";
import { type DependencySource, resolveDependencies } from "./dependencies.js";
import { type SweepPlan, describeSweepPlan, planSweep } from "./sweepPlanner.js";

/** The sweep timer: plans the run and fans it out into shard messages; the shard worker does the reading. */
export async function handleSweepTimer(timer: Timer, context: InvocationContext, source: DependencySource): Promise<SweepPlan> {
  const deps = await resolveDependencies(source);
  if (timer.isPastDue) context.warn("vaultwatch sweep: the timer fired late (a missed occurrence); sweeping now.");
  const plan = await planSweep(deps);
  const message = `vaultwatch sweep: planned ${describeSweepPlan(plan)}`;
  if (plan.errors.length > 0) context.warn(message);
  else context.log(message);
  return plan;
}
