import { isRecord } from "./readValues.js";

/**
 * The `properties` that vaultwatch's Resource Graph posture query lifts into top-level columns
 * (`POSTURE_QUERY` in shared/readers/resourceGraphReader.ts projects exactly these).
 */
export const PROJECTED_PROPERTIES = [
  "publicNetworkAccess",
  "networkAcls",
  "privateEndpointConnections",
  "enableSoftDelete",
  "softDeleteRetentionInDays",
  "enablePurgeProtection",
  "enableRbacAuthorization",
  "securityDomainProperties",
] as const;

const PROJECTED = new Set<string>(PROJECTED_PROPERTIES);

/**
 * Folds a posture-query row back into the ARM GET shape: the lifted columns go under `properties`, and a
 * column that is null (the property was absent) is left out, as the ARM body leaves it out. A value that
 * already has `properties` (ARM body, full Resource Graph row, `az` output) is returned unchanged, and so is
 * anything that is not an object: the normaliser reports it. Every source goes through this one fold:
 * the live reader, `vaultwatch evaluate` on a saved Resource Graph answer, and the tests.
 */
export function foldProjectedColumns(row: unknown): unknown {
  if (!isRecord(row) || (row.properties !== undefined && row.properties !== null)) return row;
  if (!Object.keys(row).some((key) => PROJECTED.has(key))) return row;
  const resource: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (PROJECTED.has(key)) {
      if (value !== null && value !== undefined) properties[key] = value;
    } else {
      resource[key] = value;
    }
  }
  resource.properties = properties;
  return resource;
}
