// Lets each alert rule's own identity run its query on the workspace, and nothing else.

param workspaceName string
param principalIds array

var roles = loadJsonContent('../roles/built-in-roles.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource readers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in principalIds: {
    name: guid(workspace.id, principalId, roles.logAnalyticsReader.id)
    scope: workspace
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.logAnalyticsReader.id)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
