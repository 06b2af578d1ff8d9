// vaultwatch's own storage: the Functions host, sweep shards, Event Grid deliveries, state tables,
// the spool of undelivered rows and Event Grid dead letters. Shared keys are off, so every client,
// the Functions host included, authenticates with Entra ID.

param name string
param location string
param tags object
param deploymentContainerName string

@description('Principal id of vaultwatch\'s user-assigned identity.')
param appPrincipalId string

@description('Principal id of the identity Event Grid delivers with.')
param eventsPrincipalId string

var names = loadJsonContent('storage-names.json')
var roles = loadJsonContent('../roles/built-in-roles.json')

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Event Grid and a Flex Consumption app without virtual network integration reach the account over
      // its public endpoint; identity-only access (no keys, no SAS) is what protects it.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource spoolContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: names.containers.spool
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: names.containers.deadLetter
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource shardsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: names.queues.shards
}

resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: names.queues.events
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource stateTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: names.tables.state
}

resource runsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: names.tables.runs
}

var appDataRoles = [
  roles.storageBlobDataOwner.id
  roles.storageQueueDataContributor.id
  roles.storageTableDataContributor.id
]

resource appDataRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appDataRoles: {
    name: guid(account.id, appPrincipalId, roleId)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Event Grid's delivery identity may only add messages to the events queue and write dead letters.
resource eventsQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventsQueue.id, eventsPrincipalId, roles.storageQueueDataMessageSender.id)
  scope: eventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender.id)
    principalId: eventsPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, eventsPrincipalId, roles.storageBlobDataContributor.id)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor.id)
    principalId: eventsPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output resourceId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output eventsQueueName string = eventsQueue.name
output deadLetterContainerName string = deadLetterContainer.name
