// The vaultwatch Function App on Flex Consumption: Node 22, one user-assigned identity for everything
// (storage, Resource Graph and ARM reads, Logs Ingestion, Application Insights), HTTPS only, TLS 1.2.

param name string
param planName string
param location string
param tags object

@description('azd deploys the code to the resource tagged with this service name (azure.yaml).')
param serviceName string

param identityResourceId string
param identityClientId string
param identityPrincipalId string

param deploymentContainerName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string

param applicationInsightsName string

@description('vaultwatch settings (VAULTWATCH_*), validated by the app at start.')
param vaultwatchSettings object

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

var roles = loadJsonContent('../roles/built-in-roles.json')

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux: Flex Consumption runs on Linux only.
    reserved: true
  }
}

var hostSettings = {
  // Identity-based host storage: no connection string exists anywhere.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  // DefaultAzureCredential picks the user-assigned identity from this.
  AZURE_CLIENT_ID: identityClientId
  // The connection string only locates the Application Insights resource; with local authentication
  // disabled, telemetry is accepted only with the Entra token this authentication string asks for.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      // Node 22: the Flex Consumption stack data Microsoft publishes (functionAppStacks, as shipped in the
      // Az.Functions module's FunctionsStackFlexData/*/node.json) lists Node.js 22, and the Azure Functions
      // Node.js developer guide lists 22.x for programming model 4. Node 20 reached end of life in April 2026.
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// App settings as the azd Flex Consumption template sets them: a sites/config child named appsettings.
// A loop over the settings inside siteConfig cannot work here: the Application Insights connection
// string is only known once the deployment runs, and a for-expression must be computable at its start
// (BCP178).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(vaultwatchSettings, hostSettings)
}

// Basic (publishing-profile) credentials off: deployment goes through Entra ID only.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher.id)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = functionApp.name
output resourceId string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
