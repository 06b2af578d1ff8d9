import type { DiagnosticLogEntry, DiagnosticSetting } from "../model/resource.js";
import { sameText } from "../model/resource.js";

/** An entry for the audit trail: the `AuditEvent` category or the `audit`/`allLogs` group. */
export function isAuditEntry(log: DiagnosticLogEntry): boolean {
  return sameText(log.category, "AuditEvent") || sameText(log.categoryGroup, "audit") || sameText(log.categoryGroup, "allLogs");
}

/** Log entries that collect the audit trail: an audit entry that is enabled. */
export function collectsAuditLogs(setting: DiagnosticSetting): boolean {
  return setting.logs.some((log) => isAuditEntry(log) && log.enabled.known && log.enabled.value);
}

/**
 * Audit entries, in settings with a destination, whose `enabled` could not be read: they may or may not collect
 * the audit trail, so VW-LOG-001 cannot fail on their account (CONTROLS.md "Unreadable values").
 */
export function unreadableAuditEntries(settings: readonly DiagnosticSetting[]): { setting: string | null; problem: string }[] {
  return settings
    .filter((setting) => destinationsOf(setting).length > 0)
    .flatMap((setting) =>
      setting.logs.flatMap((log) => (isAuditEntry(log) && !log.enabled.known ? [{ setting: setting.name ?? null, problem: log.enabled.problem }] : [])),
    );
}

export function destinationsOf(setting: DiagnosticSetting): string[] {
  return [
    setting.workspaceId ? "logAnalytics" : undefined,
    setting.storageAccountId ? "storage" : undefined,
    setting.eventHubAuthorizationRuleId ? "eventHub" : undefined,
    setting.marketplacePartnerId ? "partner" : undefined,
  ].filter((destination) => destination !== undefined);
}

/** Settings that satisfy VW-LOG-001: audit logs enabled and sent somewhere. */
export function auditSettings(settings: readonly DiagnosticSetting[]): DiagnosticSetting[] {
  return settings.filter((setting) => collectsAuditLogs(setting) && destinationsOf(setting).length > 0);
}

export function describeSetting(setting: DiagnosticSetting): Record<string, unknown> {
  return {
    name: setting.name ?? null,
    destinations: destinationsOf(setting),
    auditLogs: collectsAuditLogs(setting),
    workspaceId: setting.workspaceId ?? null,
  };
}
