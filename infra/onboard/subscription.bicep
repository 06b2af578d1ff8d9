// Onboards one monitored subscription: read access for vaultwatch's identity (unless it already
// inherits it from a management group) and the subscription's resource-change events.
targetScope = 'subscription'

@description('Principal id of vaultwatch\'s user-assigned identity.')
param vaultwatchPrincipalId string

@description('Role definition id (GUID) granted on the subscription: Reader, or the vaultwatch reader custom role.')
param readRoleDefinitionId string

@description('false when the identity already reads this subscription through a management group assignment.')
param grantReadAccess bool

@description('Resource group created for the system topic when the subscription has none of this type yet.')
param eventsResourceGroupName string

param eventsLocation string

@description('Comma-separated subscriptionId:resourceGroup/topicName entries naming system topics that already exist: a subscription has at most one per topic type, so vaultwatch adds its event subscription to it instead of creating another.')
param existingTopics string

@allowed([
  'ResourceManager'
  'ResourceNotifications'
])
param eventSource string

param tags object
param deliveryIdentityResourceId string
param storageAccountResourceId string
param queueName string
param deadLetterContainerName string

var abbrs = loadJsonContent('../abbreviations.json')
var topicOverrideEntries = filter(map(split(existingTopics, ','), entry => trim(entry)), entry => !empty(entry))
var topicOverrides = toObject(topicOverrideEntries, entry => toLower(trim(split(entry, ':')[0])), entry => trim(split(entry, ':')[1]))
var thisSubscription = toLower(subscription().subscriptionId)
var reusesTopic = contains(topicOverrides, thisSubscription)
var topicResourceGroupName = reusesTopic ? split(topicOverrides[thisSubscription], '/')[0] : eventsResourceGroupName
// The event source is part of the name: a system topic's type cannot change in place, so switching
// eventSource must create a topic of the other type instead of updating this one.
var defaultTopicName = '${abbrs.eventGridSystemTopics}vaultwatch-${toLower(eventSource)}-${take(thisSubscription, 8)}'
var topicName = reusesTopic ? split(topicOverrides[thisSubscription], '/')[1] : defaultTopicName

resource readAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantReadAccess) {
  name: guid(subscription().id, vaultwatchPrincipalId, readRoleDefinitionId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readRoleDefinitionId)
    principalId: vaultwatchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (!reusesTopic) {
  name: eventsResourceGroupName
  location: eventsLocation
  tags: tags
}

module events 'events.bicep' = {
  name: 'vaultwatch-events-${uniqueString(subscription().id, topicName)}'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    topicName: topicName
    eventSource: eventSource
    tags: tags
    deliveryIdentityResourceId: deliveryIdentityResourceId
    storageAccountResourceId: storageAccountResourceId
    queueName: queueName
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    eventsGroup
  ]
}

output topicId string = events.outputs.topicId
