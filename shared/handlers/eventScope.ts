import type { ScopeConfig } from "../config.js";
import type { ResourceGraphQueryClient } from "../readers/resourceGraphReader.js";
import { subscriptionsUnderManagementGroups } from "./subscriptionScope.js";

/** Whether an event's subscription is one vaultwatch watches. */
export interface EventScope {
  contains(subscriptionId: string): Promise<boolean>;
  /** For the log line: what the scope is. */
  describe(): string;
}

/** How long the subscriptions below the configured management groups are trusted before they are listed again. */
export const MANAGEMENT_GROUP_SCOPE_TTL_MS = 10 * 60_000;

/**
 * The event path's scope, the same the sweep covers (`VAULTWATCH_SUBSCRIPTION_IDS`, `VAULTWATCH_MANAGEMENT_GROUPS`):
 * an event system topic can be wired to subscriptions vaultwatch was not asked to watch (or a forged event can name
 * one), and an event outside the scope must cost no read and write no row. With neither setting, every subscription
 * the identity can read is in scope, as for the sweep: ARM answers 403 for the others.
 * The management groups' subscriptions come from Resource Graph, cached for `MANAGEMENT_GROUP_SCOPE_TTL_MS`;
 * a subscription not in the cache makes one early refresh (at most once a minute), so a subscription just moved
 * under a group is not dropped for ten minutes.
 */
export class ConfiguredEventScope implements EventScope {
  private readonly subscriptions: ReadonlySet<string>;
  private cached: { readonly ids: ReadonlySet<string>; readonly at: number } | undefined;
  private refreshing: Promise<ReadonlySet<string>> | undefined;

  constructor(
    private readonly scope: ScopeConfig,
    private readonly resourceGraph: ResourceGraphQueryClient | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.subscriptions = new Set(scope.subscriptionIds.map((id) => id.toLowerCase()));
    if (scope.managementGroups.length > 0 && resourceGraph === undefined) {
      throw new TypeError("A management-group scope needs a Resource Graph client to list the groups' subscriptions.");
    }
  }

  describe(): string {
    if (this.scope.subscriptionIds.length === 0 && this.scope.managementGroups.length === 0) return "every readable subscription";
    const parts: string[] = [];
    if (this.scope.subscriptionIds.length > 0) parts.push(`subscriptions ${this.scope.subscriptionIds.join(", ")}`);
    if (this.scope.managementGroups.length > 0) parts.push(`management groups ${this.scope.managementGroups.join(", ")}`);
    return parts.join(" and ");
  }

  async contains(subscriptionId: string): Promise<boolean> {
    const key = subscriptionId.toLowerCase();
    if (this.scope.subscriptionIds.length === 0 && this.scope.managementGroups.length === 0) return true;
    if (this.subscriptions.has(key)) return true;
    if (this.scope.managementGroups.length === 0) return false;
    const now = this.clock().getTime();
    if (this.cached === undefined || now - this.cached.at >= MANAGEMENT_GROUP_SCOPE_TTL_MS) return (await this.refresh()).has(key);
    if (this.cached.ids.has(key)) return true;
    if (now - this.cached.at >= 60_000) return (await this.refresh()).has(key);
    return false;
  }

  private refresh(): Promise<ReadonlySet<string>> {
    this.refreshing ??= (async () => {
      try {
        const ids = new Set<string>();
        for await (const id of subscriptionsUnderManagementGroups(this.resourceGraph as ResourceGraphQueryClient, this.scope.managementGroups)) {
          ids.add(id.toLowerCase());
        }
        this.cached = { ids, at: this.clock().getTime() };
        return ids;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
