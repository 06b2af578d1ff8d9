import type { DiagnosticSetting } from "../model/resource.js";
import { sameText } from "../model/resource.js";

/** Log entries that collect the audit trail: the `AuditEvent` category or the `audit`/`allLogs` group. */
export function collectsAuditLogs(setting: DiagnosticSetting): boolean {
  return setting.logs.some(
    (log) =>
      log.enabled.known &&
      log.enabled.value &&
      (sameText(log.category, "AuditEvent") || sameText(log.categoryGroup, "audit") || sameText(log.categoryGroup, "allLogs")),
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
