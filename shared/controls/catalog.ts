import type { ControlId } from "../model/finding.js";
import type { Control } from "./control.js";
import { publicNetworkAccessDisabled } from "./net-001-public-network-access.js";
import { firewallDeniesByDefault } from "./net-002-firewall-default-deny.js";
import { approvedPrivateEndpoint } from "./net-003-approved-private-endpoint.js";
import { noPendingOrFailedConnections } from "./net-004-no-pending-or-failed-connections.js";
import { narrowIpRules } from "./net-005-narrow-ip-rules.js";
import { noTrustedServicesBypass } from "./net-006-no-trusted-services-bypass.js";
import { effectiveVirtualNetworkRules } from "./net-007-effective-virtual-network-rules.js";
import { purgeProtectionEnabled } from "./dp-001-purge-protection.js";
import { softDeleteEnabled } from "./dp-002-soft-delete.js";
import { auditLogsCollected } from "./log-001-audit-logs-collected.js";
import { auditLogsReachWorkspace } from "./log-002-audit-logs-in-workspace.js";
import { rbacAuthorization } from "./iam-001-rbac-authorization.js";
import { securityDomainActivated } from "./iam-002-security-domain-activated.js";

/** The catalog, in the order of docs/controls.md. Adding a control: see "Adding a control" there (module, id, this line, test, contract text). */
export const CONTROLS: readonly Control[] = [
  publicNetworkAccessDisabled,
  firewallDeniesByDefault,
  approvedPrivateEndpoint,
  noPendingOrFailedConnections,
  narrowIpRules,
  noTrustedServicesBypass,
  effectiveVirtualNetworkRules,
  purgeProtectionEnabled,
  softDeleteEnabled,
  auditLogsCollected,
  auditLogsReachWorkspace,
  rbacAuthorization,
  securityDomainActivated,
];

const byId = new Map<string, Control>(CONTROLS.map((control) => [control.id.toUpperCase(), control]));

export function findControl(id: string): Control | undefined {
  return byId.get(id.toUpperCase());
}

export function isControlId(id: string): id is ControlId {
  return byId.has(id);
}
