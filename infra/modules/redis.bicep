// Azure Cache for Redis for shared short-lived state (SMART launch contexts, rate-limit counters): TLS only,
// no public access. Its connection URL is written to Key Vault, never into app settings.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Redis cache name.')
param name string

@description('SKU: Standard or Premium; capacity is the size within the family.')
param sku object

@description('Key Vault that receives the redis-url secret.')
param keyVaultName string

@description('Subnet for private endpoints.')
param privateEndpointSubnetId string

@description('Private DNS zone privatelink.redis.cache.windows.net.')
param privateDnsZoneId string

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource cache 'Microsoft.Cache/redis@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: sku.name
      family: sku.name == 'Premium' ? 'P' : 'C'
      capacity: sku.capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
    redisVersion: '6'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource redisUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-url'
  properties: {
    value: 'rediss://:${cache.listKeys().primaryKey}@${cache.properties.hostName}:${cache.properties.sslPort}'
    contentType: 'text/plain'
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-${name}'
    serviceId: cache.id
    groupId: 'redisCache'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneId
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

resource cacheDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: cache
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

output id string = cache.id
output redisUrlSecretUri string = redisUrlSecret.properties.secretUri
