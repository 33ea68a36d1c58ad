// Container registry for the facade image: no admin user; pulls with the facade's managed identity (AcrPull).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Registry name (5-50 letters and digits, globally unique).')
param name string

@description('Public network access to the registry, for CI pushes from outside the network.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

@description('Subnet for private endpoints.')
param privateEndpointSubnetId string

@description('Private DNS zone privatelink.azurecr.io.')
param privateDnsZoneId string

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: publicNetworkAccess
    networkRuleBypassOptions: 'AzureServices'
    zoneRedundancy: 'Enabled'
    policies: {
      retentionPolicy: {
        status: 'enabled'
        days: 30
      }
    }
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-${name}'
    serviceId: registry.id
    groupId: 'registry'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneId
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

resource registryDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: registry
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = registry.id
output loginServer string = registry.properties.loginServer
