// One user-assigned managed identity. vaultwatch has two: the app's (reads, storage, ingestion,
// telemetry) and Event Grid's delivery identity (events queue and dead letters only).

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
