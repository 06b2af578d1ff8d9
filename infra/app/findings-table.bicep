// The custom table vaultwatch writes to. It lives in the workspace's resource group, which may not be
// vaultwatch's own when an existing workspace is reused. Columns come from the code's row schema
// (shared/sink/findingsSchema.ts) through the generated file; a test keeps the three in step.

param workspaceName string

@minValue(4)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource findingsTable 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = {
  parent: workspace
  name: 'VaultwatchFindings_CL'
  properties: {
    plan: 'Analytics'
    retentionInDays: retentionInDays
    totalRetentionInDays: retentionInDays
    schema: {
      name: 'VaultwatchFindings_CL'
      description: 'vaultwatch findings: one row per Key Vault vault or Managed HSM and control per evaluation, and one RunSummary row per completed sweep.'
      columns: loadJsonContent('../generated/findings-table.columns.json')
    }
  }
}

output tableName string = findingsTable.name
output workspaceLocation string = workspace.location
