// Onboards a management group after `azd up`: vaultwatch's identity reads everything below the group
// (every current and future subscription inherits the assignment), and an Azure Policy assignment wires the
// resource-change events of every subscription below it, including those that join later
// (event-wiring-policy.bicep): no per-subscription step. Deploy with `az deployment mg create`; the values
// come from `azd env get-values` (see docs/deploy.md).
targetScope = 'managementGroup'

@description('Principal id of vaultwatch\'s identity (azd output VAULTWATCH_PRINCIPAL_ID).')
param vaultwatchPrincipalId string

@allowed([
  'Reader'
  'Custom'
])
@description('Reader, or a custom role holding only the reads vaultwatch performs (roles/vaultwatch-reader.json).')
param readAccessRole string = 'Reader'

@allowed([
  'Policy'
  'None'
])
@description('Policy: a DeployIfNotExists assignment wires every subscription below the group, now and later. None: no event wiring (the sweep still covers every subscription, only later).')
param eventWiring string = 'Policy'

@description('Optional, for subscriptions the policy cannot wire (one that already has a system topic of this type, see existingTopics): comma-separated ids wired directly by this deployment.')
param subscriptionIds string = ''

@allowed([
  'ResourceManager'
  'ResourceNotifications'
])
param eventSource string = 'ResourceManager'

@description('Region of the resource group that holds each subscription\'s system topic (azd output AZURE_LOCATION).')
param location string

@description('Resource id of the Event Grid delivery identity (azd output VAULTWATCH_EVENTS_IDENTITY_ID).')
param deliveryIdentityResourceId string

@description('Resource id of vaultwatch\'s storage account (azd output VAULTWATCH_STORAGE_ACCOUNT_ID).')
param storageAccountResourceId string

param eventsResourceGroupName string = 'rg-vaultwatch-events'

@description('Comma-separated subscriptionId:resourceGroup/topicName entries for subscriptions that already have a system topic of this type.')
param existingTopics string = ''

param tags object = {}

var roles = loadJsonContent('../roles/built-in-roles.json')
var customRole = loadJsonContent('../roles/vaultwatch-reader.json')
var storageNames = loadJsonContent('../app/storage-names.json')

var subscriptions = filter(map(split(subscriptionIds, ','), id => trim(id)), id => !empty(id))

resource readerDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (readAccessRole == 'Custom') {
  name: guid(managementGroup().id, customRole.roleName)
  properties: {
    roleName: '${customRole.roleName} (${managementGroup().name})'
    description: customRole.description
    type: 'CustomRole'
    permissions: [
      {
        actions: customRole.actions
        notActions: customRole.notActions
        dataActions: customRole.dataActions
        notDataActions: customRole.notDataActions
      }
    ]
    assignableScopes: [
      managementGroup().id
    ]
  }
}

var builtInReaderDefinitionId = tenantResourceId('Microsoft.Authorization/roleDefinitions', roles.reader.id)
var readRoleDefinitionId = readAccessRole == 'Custom' ? readerDefinition.id : builtInReaderDefinitionId

resource readAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, vaultwatchPrincipalId, readAccessRole)
  properties: {
    roleDefinitionId: readRoleDefinitionId
    principalId: vaultwatchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module wiringPolicy 'event-wiring-policy.bicep' = if (eventWiring == 'Policy') {
  name: 'vaultwatch-event-wiring-${uniqueString(managementGroup().id)}'
  params: {
    deliveryIdentityResourceId: deliveryIdentityResourceId
    storageAccountResourceId: storageAccountResourceId
    eventSource: eventSource
    location: location
    eventsResourceGroupName: eventsResourceGroupName
    tags: tags
  }
}

module onboarded 'subscription.bicep' = [
  for subscriptionId in subscriptions: {
    name: 'vaultwatch-onboard-${uniqueString(managementGroup().id, subscriptionId)}'
    scope: subscription(subscriptionId)
    params: {
      vaultwatchPrincipalId: vaultwatchPrincipalId
      readRoleDefinitionId: last(split(readRoleDefinitionId, '/'))
      grantReadAccess: false
      eventsResourceGroupName: eventsResourceGroupName
      eventsLocation: location
      existingTopics: existingTopics
      eventSource: eventSource
      tags: tags
      deliveryIdentityResourceId: deliveryIdentityResourceId
      storageAccountResourceId: storageAccountResourceId
      queueName: storageNames.queues.events
      deadLetterContainerName: storageNames.containers.deadLetter
    }
    dependsOn: [
      readAccess
    ]
  }
]
