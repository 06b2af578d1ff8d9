import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { ResourceKind } from "../model/resource.js";
import { normaliseResource } from "../normalise/normaliseResource.js";
import { CONTROLS } from "./catalog.js";
import { shellQuote } from "./shellCommand.js";

/** Names an attacker could give a resource group, a tag or (in a hand-made input) a resource. */
const HOSTILE_NAMES = [
  "kv-plain",
  "kv'; touch /tmp/vaultwatch-pwned; echo '",
  "kv$(touch /tmp/vaultwatch-pwned)`id`",
  "kv\nsecond-line --yes",
  "kv\r\u001b[31mred\u001b[0m\u0007",
  "kv\u0085next\u009bline",
  "kv \\ back\\slash \"quoted\" *glob* [x] {a,b} ~user #comment",
] as const;

function resourceNamed(kind: ResourceKind, name: string): ReturnType<typeof normaliseResource> {
  const type = kind === "vault" ? "Microsoft.KeyVault/vaults" : "Microsoft.KeyVault/managedHSMs";
  const group = `rg ${name}`;
  const id = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/${group}/providers/${type}/${name}`;
  return normaliseResource({
    id,
    name,
    type,
    resourceGroup: group,
    properties: {
      networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: `${id}/subnets/${name}`, ignoreMissingVnetServiceEndpoint: true }] },
      privateEndpointConnections: [
        { id: `${id}/privateEndpointConnections/${name}`, properties: { privateLinkServiceConnectionState: { status: "Pending" }, provisioningState: "Failed" } },
      ],
    },
    diagnosticSettings: [{ id: `${id}/providers/microsoft.insights/diagnosticSettings/${name}`, name, properties: { storageAccountId: "/x", logs: [{ categoryGroup: "audit", enabled: true }] } }],
  });
}

/**
 * Runs each command line in bash with `az` replaced by a function that prints its arguments, one command line per
 * bash invocation: the answer is the argument lists of every `az` call the line made.
 */
function azCallsOf(line: string): string[][] {
  const script = `az() { printf '%s\\0' "$@"; printf '\\0\\0'; }\n${line}\n`;
  const output = execFileSync("bash", ["--noprofile", "--norc", "-c", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  return output
    .split("\0\0\0")
    .filter((call) => call !== "")
    .map((call) => call.replace(/\0$/, "").split("\0"));
}

describe("remediation commands", () => {
  it("quote every word so that it stays one word on one line", () => {
    for (const name of HOSTILE_NAMES) {
      const quoted = shellQuote(name);
      // eslint-disable-next-line no-control-regex
      expect(quoted).not.toMatch(/[\n\r\u001b\u0085\u009b]/);
      expect(azCallsOf(`az ${quoted}`)).toEqual([[name]]);
    }
    expect(shellQuote("plain-name_1.2")).toBe("plain-name_1.2");
    expect(shellQuote("")).toBe("''");
  });

  it.each(["vault", "managedHsm"] as const)("of every %s control parse as one az command each, with the names as single arguments", (kind) => {
    for (const name of HOSTILE_NAMES) {
      const normalised = resourceNamed(kind, name);
      if (!normalised.ok) throw new Error("test resource does not normalise");
      const resource = normalised.resource;
      for (const control of CONTROLS.filter((candidate) => candidate.appliesTo.includes(kind))) {
        const { commands, note } = control.remediation(resource);
        expect(commands.length, control.id).toBeGreaterThan(0);
        expect(note, control.id).not.toMatch(/[\n\r]/);
        for (const command of commands) {
          // eslint-disable-next-line no-control-regex
          expect(command, `${control.id}: a command is one line`).not.toMatch(/[\n\r\u001b\u0085\u009b]/);
          const calls = azCallsOf(command);
          expect(calls, `${control.id}: ${command}`).toHaveLength(1);
          const [args = []] = calls;
          // The resource's own name, group or id travels as one whole argument, never split or expanded.
          const expected = [resource.name, resource.resourceGroup, resource.id, `pe-${resource.name}`, `${resource.name}-sd.json`];
          expect(args.some((arg) => expected.includes(arg) || arg.startsWith(`${resource.id}/`)), `${control.id}: ${command}`).toBe(true);
        }
      }
    }
  });

  it("name the pending and failed connections and the subnets that need the service endpoint", () => {
    const normalised = resourceNamed("vault", "kv-plain");
    if (!normalised.ok) throw new Error("test resource does not normalise");
    const byId = new Map(CONTROLS.map((control) => [control.id, control.remediation(normalised.resource).commands]));
    expect(byId.get("VW-NET-004")).toEqual([
      "az keyvault private-endpoint-connection approve --vault-name kv-plain --resource-group 'rg kv-plain' --name kv-plain",
      "az keyvault private-endpoint-connection reject --vault-name kv-plain --resource-group 'rg kv-plain' --name kv-plain",
      "az keyvault private-endpoint-connection delete --vault-name kv-plain --resource-group 'rg kv-plain' --name kv-plain",
    ]);
    expect(byId.get("VW-NET-007")?.[0]).toBe(
      `az network vnet subnet update --ids '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg kv-plain/providers/Microsoft.KeyVault/vaults/kv-plain/subnets/kv-plain' --service-endpoints Microsoft.KeyVault`,
    );
  });
});
