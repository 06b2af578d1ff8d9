// Resource-change events of one subscription, filtered to what vaultwatch re-evaluates, delivered to
// vaultwatch's storage queue with a managed identity (no SAS, no key) and dead-lettered to a blob
// container when delivery keeps failing.

@description('Subscription system topic name; reuse the name of an existing one, because a subscription has at most one per topic type.')
param topicName string

@allowed([
  'ResourceManager'
  'ResourceNotifications'
])
@description('ResourceManager: Microsoft.Resources.* events (vault, HSM, private endpoint connection, diagnostic setting and private endpoint writes and deletes). ResourceNotifications: Microsoft.ResourceNotifications.Resources.* events, which carry the resource but not diagnostic settings.')
param eventSource string

param tags object

@description('Resource id of the user-assigned identity Event Grid delivers and dead-letters with.')
param deliveryIdentityResourceId string

param storageAccountResourceId string
param queueName string
param deadLetterContainerName string

var topicTypes = {
  ResourceManager: 'Microsoft.Resources.Subscriptions'
  ResourceNotifications: 'Microsoft.ResourceNotifications.Resources'
}
var filters = {
  ResourceManager: loadJsonContent('../events/subscription-events.filter.json')
  ResourceNotifications: loadJsonContent('../events/resource-notifications.filter.json')
}
var deliveryIdentity = {
  type: 'UserAssigned'
  userAssignedIdentity: deliveryIdentityResourceId
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${deliveryIdentityResourceId}': {}
    }
  }
  properties: {
    source: subscription().id
    topicType: topicTypes[eventSource]
  }
}

// Named after its destination: two vaultwatch environments watching one subscription share the system
// topic (one per type per subscription) and each keeps its own event subscription, while deploying the
// same environment again updates its own.
resource vaultwatchSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'vaultwatch-${uniqueString(storageAccountResourceId, queueName)}'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: filters[eventSource]
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deliveryWithResourceIdentity: {
      identity: deliveryIdentity
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storageAccountResourceId
          queueName: queueName
          // Seven days: the worker drains the queue in seconds; a longer backlog means it is down.
          queueMessageTimeToLiveInSeconds: 604800
        }
      }
    }
    deadLetterWithResourceIdentity: {
      identity: deliveryIdentity
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccountResourceId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output topicId string = topic.id
