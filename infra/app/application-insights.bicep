// Application Insights over the workspace, with local (instrumentation key) authentication off:
// telemetry is accepted only with an Entra token, which the app's identity gets through the
// Monitoring Metrics Publisher role granted in function-app.bicep.

param name string
param location string
param tags object
param workspaceResourceId string

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

output name string = component.name
output resourceId string = component.id
