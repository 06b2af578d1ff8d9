// How rows reach the findings table: a Direct data collection rule, whose own logs-ingestion endpoint
// vaultwatch posts to, declaring the stream from the generated file and sending it unchanged to the
// table. A data collection endpoint exists only when private ingestion is asked for, because that is
// what an Azure Monitor private link scope can reach.

param dataCollectionRuleName string
param dataCollectionEndpointName string
param location string
param tags object
param workspaceResourceId string

@description('The table must exist before the rule that writes to it.')
param tableName string

@description('Create a data collection endpoint with public network access disabled, for use through an Azure Monitor private link scope.')
param privateIngestion bool

@description('Principal ids allowed to upload rows through this rule.')
param publisherPrincipalIds array

@description('Principal types of publisherPrincipalIds, in the same order.')
param publisherPrincipalTypes array

var roles = loadJsonContent('../roles/built-in-roles.json')
var streamName = 'Custom-VaultwatchFindings'
var destinationName = 'vaultwatchWorkspace'

resource endpoint 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = if (privateIngestion) {
  name: dataCollectionEndpointName
  location: location
  tags: tags
  properties: {
    networkAcls: {
      publicNetworkAccess: 'Disabled'
    }
  }
}

resource rule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dataCollectionRuleName
  location: location
  tags: tags
  kind: 'Direct'
  properties: {
    description: 'vaultwatch findings through the Logs Ingestion API into ${tableName}.'
    dataCollectionEndpointId: privateIngestion ? endpoint.id : null
    streamDeclarations: {
      '${streamName}': {
        columns: loadJsonContent('../generated/findings-stream.columns.json')
      }
    }
    destinations: {
      logAnalytics: [
        {
          name: destinationName
          workspaceResourceId: workspaceResourceId
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          streamName
        ]
        destinations: [
          destinationName
        ]
        transformKql: 'source'
        outputStream: 'Custom-${tableName}'
      }
    ]
  }
}

resource publishers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (principalId, i) in publisherPrincipalIds: {
    name: guid(rule.id, principalId, roles.monitoringMetricsPublisher.id)
    scope: rule
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
      principalId: principalId
      principalType: publisherPrincipalTypes[i]
    }
  }
]

output dataCollectionRuleId string = rule.id
output immutableId string = rule.properties.immutableId
output streamName string = streamName
// The endpoint exists exactly when privateIngestion is true, which the condition tests first.
output ingestionEndpoint string = privateIngestion ? endpoint!.properties.logsIngestion.endpoint : rule.properties.endpoints.logsIngestion
