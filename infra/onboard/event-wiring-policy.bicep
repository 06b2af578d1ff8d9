// Event wiring by Azure Policy: every subscription below the management group, today's and those that join
// later, gets the Event Grid system topic and the `vaultwatch` event subscription that deliver its Key Vault
// changes to vaultwatch's events queue. A DeployIfNotExists policy (rule in ../policy/event-wiring.policy.json)
// evaluates each subscription; its assignment's managed identity holds only what the deployment needs; a
// remediation task wires the subscriptions that were already there.
targetScope = 'managementGroup'

@description('Resource id of the Event Grid delivery identity (azd output VAULTWATCH_EVENTS_IDENTITY_ID).')
param deliveryIdentityResourceId string

@description('Resource id of vaultwatch\'s storage account (azd output VAULTWATCH_STORAGE_ACCOUNT_ID).')
param storageAccountResourceId string

@allowed([
  'ResourceManager'
  'ResourceNotifications'
])
param eventSource string = 'ResourceManager'

@description('Region of the policy assignment\'s identity, of the remediation deployments and of the resource group created in each subscription.')
param location string

param eventsResourceGroupName string = 'rg-vaultwatch-events'

@allowed([
  'DeployIfNotExists'
  'AuditIfNotExists'
  'Disabled'
])
param effect string = 'DeployIfNotExists'

@description('Name of the remediation task deployed with the assignment; deploy again with a new name to remediate again (for example after the first compliance scan).')
param remediationName string = 'vaultwatch-event-wiring'

param tags object = {}

var policy = loadJsonContent('../policy/event-wiring.policy.json')
// The same names as subscription.bicep and events.bicep give, so policy and per-subscription onboarding agree.
var abbrs = loadJsonContent('../abbreviations.json')
var storageNames = loadJsonContent('../app/storage-names.json')
var roles = loadJsonContent('../roles/built-in-roles.json')
var wiringRole = loadJsonContent('../roles/vaultwatch-event-wiring.json')
var topicTypes = {
  ResourceManager: 'Microsoft.Resources.Subscriptions'
  ResourceNotifications: 'Microsoft.ResourceNotifications.Resources'
}
var filters = {
  ResourceManager: loadJsonContent('../events/subscription-events.filter.json')
  ResourceNotifications: loadJsonContent('../events/resource-notifications.filter.json')
}
// The delivery identity lives in vaultwatch's own resource group, which need not be below this group.
var identitySubscriptionId = split(deliveryIdentityResourceId, '/')[2]
var identityResourceGroupName = split(deliveryIdentityResourceId, '/')[4]
var identityName = last(split(deliveryIdentityResourceId, '/'))

// Resource groups, subscription deployments and system topics with their event subscriptions: nothing else.
resource wiringRoleDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, wiringRole.roleName)
  properties: {
    roleName: '${wiringRole.roleName} (${managementGroup().name})'
    description: wiringRole.description
    type: 'CustomRole'
    permissions: [
      {
        actions: wiringRole.actions
        notActions: wiringRole.notActions
        dataActions: wiringRole.dataActions
        notDataActions: wiringRole.notDataActions
      }
    ]
    assignableScopes: [
      managementGroup().id
    ]
  }
}

var managedIdentityOperatorId = tenantResourceId('Microsoft.Authorization/roleDefinitions', roles.managedIdentityOperator.id)

resource definition 'Microsoft.Authorization/policyDefinitions@2023-04-01' = {
  name: guid(managementGroup().id, 'vaultwatch-event-wiring')
  properties: {
    policyType: 'Custom'
    mode: policy.mode
    displayName: policy.displayName
    description: policy.description
    metadata: {
      category: 'Monitoring'
      version: '1.0.0'
    }
    parameters: policy.parameters
    policyRule: {
      if: policy.policyRule.if
      then: {
        effect: policy.policyRule.then.effect
        // The roles the remediation needs, so the portal and `az policy remediation` know them too.
        details: union(policy.policyRule.then.details, {
          roleDefinitionIds: [
            wiringRoleDefinition.id
            managedIdentityOperatorId
          ]
        })
      }
    }
  }
}

resource assignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: take('vw-events-${uniqueString(managementGroup().id)}', 24)
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    displayName: 'vaultwatch: event wiring for every subscription'
    description: 'Delivers each subscription\'s Key Vault resource-change events to vaultwatch (see docs/deploy.md).'
    policyDefinitionId: definition.id
    enforcementMode: 'Default'
    parameters: {
      effect: {
        value: effect
      }
      topicType: {
        value: topicTypes[eventSource]
      }
      eventFilter: {
        value: filters[eventSource]
      }
      deliveryIdentityResourceId: {
        value: deliveryIdentityResourceId
      }
      storageAccountResourceId: {
        value: storageAccountResourceId
      }
      queueName: {
        value: storageNames.queues.events
      }
      deadLetterContainerName: {
        value: storageNames.containers.deadLetter
      }
      topicNamePrefix: {
        value: '${abbrs.eventGridSystemTopics}vaultwatch-${toLower(eventSource)}-'
      }
      eventSubscriptionName: {
        value: 'vaultwatch-${uniqueString(storageAccountResourceId, storageNames.queues.events)}'
      }
      resourceGroupName: {
        value: eventsResourceGroupName
      }
      location: {
        value: location
      }
      tags: {
        value: tags
      }
    }
  }
}

resource wiringAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, assignment.id, wiringRoleDefinition.id)
  properties: {
    roleDefinitionId: wiringRoleDefinition.id
    principalId: assignment.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

module identityAccess 'identity-operator.bicep' = {
  name: 'vaultwatch-wiring-identity-${uniqueString(managementGroup().id)}'
  scope: resourceGroup(identitySubscriptionId, identityResourceGroupName)
  params: {
    identityName: identityName
    principalId: assignment.identity.principalId
    roleDefinitionId: managedIdentityOperatorId
  }
}

// Wires the subscriptions that were non-compliant at the last compliance scan. Subscriptions that join later are
// wired by the policy itself when they are evaluated (on creation or move, and in the daily scan).
resource remediation 'Microsoft.PolicyInsights/remediations@2024-10-01' = {
  name: remediationName
  properties: {
    policyAssignmentId: assignment.id
    resourceDiscoveryMode: 'ExistingNonCompliant'
    failureThreshold: {
      percentage: 1
    }
  }
  dependsOn: [
    wiringAccess
    identityAccess
  ]
}

output policyAssignmentId string = assignment.id
output policyDefinitionId string = definition.id
output assignmentPrincipalId string = assignment.identity.principalId
