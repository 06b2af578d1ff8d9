/**
 * Scripted changes to the emulator's estate, each followed by the events Azure would raise for it: Microsoft.Resources
 * events (in either schema) naming the vault, one of its private endpoint connections, a diagnostic setting on its
 * scope or a private endpoint, and Resource Notifications carrying the resource as it was right after the change.
 */
import type { Emulator, JsonObject } from "../../../emulator/index.js";
import { type Random, pick } from "../../../emulator/random.js";
import { type RawEvent, referenceEvent } from "./referenceEvents.js";

const WRITE = "kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json";
const WRITE_CLOUD = "kv-subscription-ResourceWriteSuccess.constructed.cloudevent.json";
const DELETE = "kv-subscription-ResourceDeleteSuccess.constructed.eventgrid.json";
const NOTIFICATION = "kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json";
const NOTIFICATION_DELETED = "kv-arn-Resources-Deleted.constructed.eventgrid.json";
const HSM_NOTIFICATION = "mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json";

export interface ScriptWorld {
  readonly emulator: Emulator;
  readonly random: Random;
  /** Prefix of every event id and resource name of this world, so worlds never share state. */
  readonly tag: string;
  readonly subscriptionId: string;
  /** The clock the emulator's estate and the handlers share. */
  readonly clock: () => Date;
}

/** Runs a random script of changes; returns every event raised (in the order raised) and the ids of the resources. */
export async function runChangeScript(world: ScriptWorld, changes: number, onEvents: (events: RawEvent[]) => Promise<void>): Promise<Set<string>> {
  const script = new ChangeScript(world);
  const resources = [script.createVault(`kv-${world.tag}-a`), script.createHsm(`mhsm-${world.tag}-b`)];
  await onEvents(script.flush());
  for (let step = 0; step < changes; step += 1) {
    script.randomChange(pick(world.random, resources));
    await onEvents(script.flush());
  }
  return new Set(resources.map((id) => id.toLowerCase()));
}

class ChangeScript {
  private raised: RawEvent[] = [];
  private sequence = 0;
  private readonly deleted = new Map<string, JsonObject>();

  constructor(private readonly world: ScriptWorld) {}

  flush(): RawEvent[] {
    const events = this.raised;
    this.raised = [];
    return events;
  }

  createVault(name: string): string {
    const template = referenceEvent(NOTIFICATION).data["resourceInfo"] as JsonObject;
    const body = JSON.parse(JSON.stringify(template).replaceAll("kv-prod-01", name).replaceAll("11111111-1111-1111-1111-111111111111", this.world.subscriptionId)) as JsonObject;
    (body["properties"] as JsonObject)["privateEndpointConnections"] = [];
    this.world.emulator.estate.upsertResource(body);
    this.written(String(body["id"]));
    return String(body["id"]);
  }

  createHsm(name: string): string {
    const template = referenceEvent(HSM_NOTIFICATION).data["resourceInfo"] as JsonObject;
    const body = JSON.parse(JSON.stringify(template).replaceAll("mhsm-prod-01", name).replaceAll("11111111-1111-1111-1111-111111111111", this.world.subscriptionId)) as JsonObject;
    this.world.emulator.estate.upsertResource({ ...body, sku: { family: "B", name: "Standard_B1" } });
    this.written(String(body["id"]));
    return String(body["id"]);
  }

  randomChange(id: string): void {
    const estate = this.world.emulator.estate;
    const random = this.world.random;
    const body = estate.getResource(id);
    if (body === undefined) {
      const previous = this.deleted.get(id.toLowerCase());
      if (previous === undefined) throw new Error(`${id} is neither in the estate nor deleted`);
      this.deleted.delete(id.toLowerCase());
      estate.upsertResource(previous);
      this.written(id);
      return;
    }
    const properties = body["properties"] as JsonObject;
    const isVault = /\/vaults\//i.test(id);
    const change = pick(random, ["publicAccess", "firewall", "purgeProtection", "connection", "connectionStatus", "diagnostics", "delete"] as const);
    switch (change) {
      case "publicAccess":
        properties["publicNetworkAccess"] = properties["publicNetworkAccess"] === "Disabled" ? "Enabled" : "Disabled";
        return this.update(body);
      case "firewall":
        properties["networkAcls"] = {
          bypass: pick(random, ["AzureServices", "None"]),
          defaultAction: pick(random, ["Allow", "Deny"]),
          ipRules: random() < 0.5 ? [] : [{ value: pick(random, ["203.0.113.0/24", "0.0.0.0/0", "10.0.0.0/8"]) }],
          virtualNetworkRules: [],
        };
        return this.update(body);
      case "purgeProtection":
        if (isVault) properties["enablePurgeProtection"] = properties["enablePurgeProtection"] !== true;
        else properties["enableSoftDelete"] = properties["enableSoftDelete"] !== true;
        return this.update(body);
      case "connection": {
        const connectionId = estate.addPrivateEndpointConnection(id, { status: pick(random, ["Pending", "Approved", "Rejected"] as const) });
        const endpoint = (((estate.getResource(id)?.["properties"] as JsonObject)["privateEndpointConnections"] as JsonObject[]).find(
          (connection) => String(connection["id"]).toLowerCase() === connectionId.toLowerCase(),
        )?.["properties"] as JsonObject)["privateEndpoint"] as JsonObject;
        this.resourcesEvent(connectionId, "Microsoft.KeyVault/vaults/privateEndpointConnections/write", false);
        this.resourcesEvent(String(endpoint["id"]), "Microsoft.Network/privateEndpoints/write", false);
        return;
      }
      case "connectionStatus": {
        const connections = (properties["privateEndpointConnections"] as JsonObject[] | undefined) ?? [];
        if (connections.length === 0) return this.randomChange(id);
        const connectionId = String(pick(random, connections)["id"]);
        estate.setPrivateEndpointConnectionStatus(connectionId, pick(random, ["Approved", "Rejected", "Disconnected"] as const));
        return this.resourcesEvent(connectionId, "Microsoft.KeyVault/vaults/privateEndpointConnections/write", false);
      }
      case "diagnostics": {
        const remove = random() < 0.3;
        if (remove) estate.removeDiagnosticSettings(id);
        else {
          estate.setDiagnosticSettings(id, [
            {
              name: "to-workspace",
              properties: {
                workspaceId: `/subscriptions/${this.world.subscriptionId}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law`,
                logs: [{ categoryGroup: pick(random, ["audit", "allLogs"]), enabled: random() < 0.8 }],
              },
            },
          ]);
        }
        return this.resourcesEvent(`${id}/providers/Microsoft.Insights/diagnosticSettings/to-workspace`, "Microsoft.Insights/diagnosticSettings/write", remove);
      }
      case "delete": {
        this.deleted.set(id.toLowerCase(), body);
        estate.deleteResource(id);
        const at = new Date(Math.max(this.world.clock().getTime(), Date.parse(String((body["systemData"] as JsonObject)["lastModifiedAt"])) + 1));
        const [resources, notifies] = this.families();
        if (resources) this.resourcesEvent(id, isVault ? "Microsoft.KeyVault/vaults/delete" : "Microsoft.KeyVault/managedHSMs/delete", true);
        if (!notifies) return;
        const notification = this.event(NOTIFICATION_DELETED, id);
        notification.data = { resourceInfo: { id, name: id.split("/").pop(), type: body["type"] }, operationalInfo: { resourceEventTime: at.toISOString() } };
        this.raised.push(notification);
        return;
      }
    }
  }

  private update(body: JsonObject): void {
    this.world.emulator.estate.upsertResource(body);
    this.written(String(body["id"]));
  }

  /**
   * A write raises the Resources event naming the resource, the notification carrying it, or both (a deployment
   * may subscribe to either system topic, and either delivery may be lost until a later event or the sweep).
   */
  private written(id: string): void {
    const [resources, notification] = this.families();
    if (resources) this.resourcesEvent(id, /\/vaults\//i.test(id) ? "Microsoft.KeyVault/vaults/write" : "Microsoft.KeyVault/managedHSMs/write", false);
    if (!notification) return;
    const body = this.world.emulator.estate.getResource(id) as JsonObject;
    const event = this.event(NOTIFICATION, id);
    event.data = {
      resourceInfo: { id: body["id"], name: body["name"], type: body["type"], location: body["location"], tags: body["tags"] ?? {}, properties: body["properties"] },
      apiVersion: "2026-02-01",
      operationalInfo: { resourceEventTime: (body["systemData"] as JsonObject)["lastModifiedAt"] },
    };
    this.raised.push(event);
  }

  /** Which families a change raises: one, the other or both, never neither. */
  private families(): [resources: boolean, notification: boolean] {
    const roll = this.world.random();
    return roll < 1 / 3 ? [true, false] : roll < 2 / 3 ? [false, true] : [true, true];
  }

  private resourcesEvent(subject: string, operation: string, deleted: boolean): void {
    const cloud = !deleted && this.world.random() < 0.3;
    const event = this.event(deleted ? DELETE : cloud ? WRITE_CLOUD : WRITE, subject);
    event.data = { ...event.data, resourceUri: subject, operationName: operation, subscriptionId: this.world.subscriptionId };
    this.raised.push(event);
  }

  private event(template: string, subject: string): RawEvent {
    const event = referenceEvent(template);
    this.sequence += 1;
    event.id = `${this.world.tag}-${this.sequence}`;
    event.subject = subject;
    const topic = `/subscriptions/${this.world.subscriptionId}`;
    const now = this.world.clock().toISOString();
    if ("specversion" in event) {
      event.source = topic;
      event.time = now;
    } else {
      event.topic = topic;
      event.eventTime = now;
    }
    return event;
  }
}
