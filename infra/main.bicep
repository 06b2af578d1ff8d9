// vaultwatch: one `azd up` deploys the Function App, its storage and identities, the findings table and
// data collection rule, alert rules and the workbook, and onboards the monitored subscriptions (read
// access and resource-change events). A management group is onboarded with onboard/management-group.bicep.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it makes the resource token.')
param environmentName string

@minLength(1)
@description('Region of vaultwatch\'s resources. Flex Consumption must be available there.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd. When set, that user may upload findings through the data collection rule, so `vaultwatch scan` from a workstation can write to the same table.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// Name overrides; empty means derived from the abbreviations and the resource token.
param resourceGroupName string = ''
param functionAppName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param appIdentityName string = ''
param eventsIdentityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param dataCollectionRuleName string = ''
param dataCollectionEndpointName string = ''

@description('Resource id of an existing Log Analytics workspace to write findings to; empty creates one.')
param existingLogAnalyticsWorkspaceId string = ''

@minValue(30)
@maxValue(730)
@description('Retention of a workspace created by this deployment, in days.')
param logAnalyticsRetentionInDays int = 30

@minValue(4)
@maxValue(730)
@description('Retention of the findings table, in days.')
param findingsRetentionInDays int = 90

@description('Comma-separated ids of the subscriptions to monitor (read access and events). Empty means this deployment\'s subscription. Also becomes VAULTWATCH_SUBSCRIPTION_IDS.')
param monitoredSubscriptionIds string = ''

@description('Comma-separated management group ids vaultwatch sweeps (VAULTWATCH_MANAGEMENT_GROUPS). Read access at a management group is granted by onboard/management-group.bicep.')
param monitoredManagementGroupIds string = ''

@allowed([
  'Reader'
  'Custom'
])
@description('Reader, or a custom role with only the reads vaultwatch performs (roles/vaultwatch-reader.json).')
param readAccessRole string = 'Reader'

@allowed([
  'ResourceManager'
  'ResourceNotifications'
])
@description('Which system topic feeds vaultwatch: Azure subscription events (Microsoft.Resources.*) or Azure Resource Notifications (Microsoft.ResourceNotifications.Resources.*).')
param eventSource string = 'ResourceManager'

@description('Comma-separated subscriptionId:resourceGroup/topicName entries for monitored subscriptions that already have a system topic of the chosen type.')
param existingSystemTopics string = ''

@description('Resource group created in each monitored subscription for its system topic.')
param eventsResourceGroupName string = 'rg-vaultwatch-events'

@allowed([
  1
  2
  3
  4
  6
  8
])
@description('Hours between sweeps (a divisor of 24). Sets VAULTWATCH_SWEEP_SCHEDULE and scales the alert windows.')
param sweepIntervalHours int = 6

@minValue(1)
@maxValue(1000)
param subscriptionsPerShard int = 25

@description('Create a data collection endpoint with public network access disabled, for use through your Azure Monitor private link scope.')
param privateIngestion bool = false

@description('Comma-separated action group resource ids the alert rules notify.')
param alertActionGroupIds string = ''

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound of Function App instances; it also bounds how hard vaultwatch can press on Resource Graph and ARM quotas.')
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('abbreviations.json')
var roles = loadJsonContent('roles/built-in-roles.json')
var customRole = loadJsonContent('roles/vaultwatch-reader.json')
var storageNames = loadJsonContent('app/storage-names.json')

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'vaultwatch'

var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}vaultwatch-${resourceToken}'
var deploymentContainerName = toLower('app-package-${take(appName, 32)}-${take(resourceToken, 7)}')

// Lower-cased and de-duplicated: the same subscription listed twice must not be onboarded twice.
var requestedSubscriptions = union(filter(map(split(monitoredSubscriptionIds, ','), id => toLower(trim(id))), id => !empty(id)), [])
var subscriptionsToOnboard = empty(requestedSubscriptions) ? [subscription().subscriptionId] : requestedSubscriptions
var actionGroupIds = filter(map(split(alertActionGroupIds, ','), id => trim(id)), id => !empty(id))

var createWorkspace = empty(existingLogAnalyticsWorkspaceId)
var workspaceResourceId = createWorkspace ? logAnalytics.outputs.resourceId : existingLogAnalyticsWorkspaceId
// An existing workspace may sit in another resource group or subscription: its table and the alert
// rules' read access are deployed there.
var workspaceSubscriptionId = createWorkspace ? subscription().subscriptionId : split(existingLogAnalyticsWorkspaceId, '/')[2]
var workspaceResourceGroupName = createWorkspace ? rg.name : split(existingLogAnalyticsWorkspaceId, '/')[4]
var workspaceName = createWorkspace ? logAnalytics.outputs.name : last(split(existingLogAnalyticsWorkspaceId, '/'))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module appIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'vaultwatch-app-identity'
  scope: rg
  params: {
    name: !empty(appIdentityName) ? appIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}vaultwatch-${resourceToken}'
    location: location
    tags: tags
  }
}

// Event Grid delivers with its own identity, which may only add messages to the events queue and write
// dead letters; one identity serves the system topics of every monitored subscription.
module eventsIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'vaultwatch-events-identity'
  scope: rg
  params: {
    name: !empty(eventsIdentityName) ? eventsIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}vaultwatch-events-${resourceToken}'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = if (createWorkspace) {
  name: 'vaultwatch-workspace'
  scope: rg
  params: {
    name: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: logAnalyticsRetentionInDays
  }
}

module applicationInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'vaultwatch-appinsights'
  scope: rg
  params: {
    name: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: workspaceResourceId
    disableLocalAuth: true
  }
}

module storage 'app/storage.bicep' = {
  name: 'vaultwatch-storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: appIdentity.outputs.principalId
    eventsPrincipalId: eventsIdentity.outputs.principalId
  }
}

module findingsTable 'app/findings-table.bicep' = {
  name: 'vaultwatch-findings-table'
  scope: resourceGroup(workspaceSubscriptionId, workspaceResourceGroupName)
  params: {
    workspaceName: workspaceName
    retentionInDays: findingsRetentionInDays
  }
}

module findingsIngestion 'app/findings-ingestion.bicep' = {
  name: 'vaultwatch-findings-ingestion'
  scope: rg
  params: {
    dataCollectionRuleName: !empty(dataCollectionRuleName) ? dataCollectionRuleName : '${abbrs.insightsDataCollectionRules}vaultwatch-${resourceToken}'
    dataCollectionEndpointName: !empty(dataCollectionEndpointName) ? dataCollectionEndpointName : '${abbrs.insightsDataCollectionEndpoints}vaultwatch-${resourceToken}'
    // A data collection rule must be in its destination workspace's region.
    location: findingsTable.outputs.workspaceLocation
    tags: tags
    workspaceResourceId: workspaceResourceId
    tableName: findingsTable.outputs.tableName
    privateIngestion: privateIngestion
    publisherPrincipalIds: empty(principalId) ? [appIdentity.outputs.principalId] : [appIdentity.outputs.principalId, principalId]
    publisherPrincipalTypes: empty(principalId) ? ['ServicePrincipal'] : ['ServicePrincipal', principalType]
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'vaultwatch-function-app'
  scope: rg
  params: {
    name: appName
    planName: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityResourceId: appIdentity.outputs.resourceId
    identityClientId: appIdentity.outputs.clientId
    identityPrincipalId: appIdentity.outputs.principalId
    deploymentContainerName: deploymentContainerName
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    applicationInsightsName: applicationInsights.outputs.name
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    vaultwatchSettings: {
      VAULTWATCH_INGESTION_ENDPOINT: findingsIngestion.outputs.ingestionEndpoint
      VAULTWATCH_DCR_IMMUTABLE_ID: findingsIngestion.outputs.immutableId
      VAULTWATCH_STREAM_NAME: findingsIngestion.outputs.streamName
      VAULTWATCH_SUBSCRIPTION_IDS: join(requestedSubscriptions, ',')
      VAULTWATCH_MANAGEMENT_GROUPS: monitoredManagementGroupIds
      VAULTWATCH_SWEEP_SCHEDULE: '0 0 */${sweepIntervalHours} * * *'
      VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: string(subscriptionsPerShard)
      // Marks this deployment's system topics, so each sweep's coverage rows can tell wired subscriptions.
      VAULTWATCH_EVENTS_IDENTITY_ID: eventsIdentity.outputs.resourceId
    }
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'vaultwatch-alerts'
  scope: rg
  params: {
    namePrefix: '${abbrs.insightsScheduledQueryRules}vaultwatch-'
    location: location
    tags: tags
    workspaceResourceId: workspaceResourceId
    sweepIntervalHours: sweepIntervalHours
    actionGroupIds: actionGroupIds
  }
  // Query validation at creation needs the table.
  dependsOn: [
    findingsTable
  ]
}

module alertReaders 'app/workspace-readers.bicep' = {
  name: 'vaultwatch-alert-readers'
  scope: resourceGroup(workspaceSubscriptionId, workspaceResourceGroupName)
  params: {
    workspaceName: workspaceName
    principalIds: alerts.outputs.rulePrincipalIds
  }
}

module workbook 'app/workbook.bicep' = {
  name: 'vaultwatch-workbook'
  scope: rg
  params: {
    name: guid(rg.id, 'vaultwatch-workbook')
    displayName: 'vaultwatch (${environmentName})'
    location: location
    tags: tags
    workspaceResourceId: workspaceResourceId
  }
}

// One custom role definition serves every monitored subscription; its name is unique in the tenant.
resource readerDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (readAccessRole == 'Custom') {
  name: guid(subscription().id, environmentName, customRole.roleName)
  properties: {
    roleName: '${customRole.roleName} (${environmentName})'
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
    assignableScopes: union([subscription().id], map(subscriptionsToOnboard, subscriptionId => '/subscriptions/${subscriptionId}'))
  }
}

module onboarded 'onboard/subscription.bicep' = [
  for subscriptionId in subscriptionsToOnboard: {
    name: 'vaultwatch-onboard-${uniqueString(subscriptionId, environmentName)}'
    scope: subscription(subscriptionId)
    params: {
      vaultwatchPrincipalId: appIdentity.outputs.principalId
      readRoleDefinitionId: readAccessRole == 'Custom' ? readerDefinition.name : roles.reader.id
      grantReadAccess: true
      eventsResourceGroupName: eventsResourceGroupName
      eventsLocation: location
      existingTopics: existingSystemTopics
      eventSource: eventSource
      tags: tags
      deliveryIdentityResourceId: eventsIdentity.outputs.resourceId
      storageAccountResourceId: storage.outputs.resourceId
      queueName: storage.outputs.eventsQueueName
      deadLetterContainerName: storage.outputs.deadLetterContainerName
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_VAULTWATCH_NAME string = functionApp.outputs.name
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = workspaceResourceId
output VAULTWATCH_INGESTION_ENDPOINT string = findingsIngestion.outputs.ingestionEndpoint
output VAULTWATCH_DCR_IMMUTABLE_ID string = findingsIngestion.outputs.immutableId
output VAULTWATCH_STREAM_NAME string = findingsIngestion.outputs.streamName
output VAULTWATCH_PRINCIPAL_ID string = appIdentity.outputs.principalId
output VAULTWATCH_EVENTS_IDENTITY_ID string = eventsIdentity.outputs.resourceId
output VAULTWATCH_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId
output VAULTWATCH_MONITORED_SUBSCRIPTIONS string = join(subscriptionsToOnboard, ',')
output VAULTWATCH_WORKBOOK_URL string = '${environment().portal}/#@${tenant().tenantId}/resource${workbook.outputs.resourceId}/workbook'
