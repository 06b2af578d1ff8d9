// The vaultwatch workbook. Its content is workbook/vaultwatch.workbook.json, whose queries are validated
// against the findings table schema by the tests; only the workspace it opens on is added here.

param name string
param displayName string
param location string
param tags object
param workspaceResourceId string

var content = loadJsonContent('../workbook/vaultwatch.workbook.json')

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: workspaceResourceId
    serializedData: string(union(content, {
      fallbackResourceIds: [
        workspaceResourceId
      ]
    }))
  }
}

output resourceId string = workbook.id
