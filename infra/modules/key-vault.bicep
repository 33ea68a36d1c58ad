// Key Vault: RBAC authorization, soft delete, purge protection, no public access (private endpoint only).
// Holds the gateway shared secret (read by APIM as a named value and by the facade as a Container Apps
// secret reference) and the Redis connection URL.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Key Vault name (3-24 characters, globally unique).')
param name string

@description('Days a deleted vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@secure()
@minLength(32)
@description('Shared secret APIM sends in X-Gateway-Secret and the facade requires (GATEWAY_SHARED_SECRET).')
param gatewaySharedSecret string

@description('Public addresses (CIDR) allowed to reach the vault data plane, e.g. the deployment agent importing the TLS certificate. Empty: private endpoint only.')
param allowedIpRanges array = []

@description('Subnet for private endpoints.')
param privateEndpointSubnetId string

@description('Private DNS zone privatelink.vaultcore.azure.net.')
param privateDnsZoneId string

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'premium'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: empty(allowedIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      ipRules: [
        for range in allowedIpRanges: {
          value: range
        }
      ]
    }
  }
}

resource gatewaySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'gateway-shared-secret'
  properties: {
    value: gatewaySharedSecret
    contentType: 'text/plain'
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-${name}'
    serviceId: vault.id
    groupId: 'vault'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneId
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
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

output id string = vault.id
output name string = vault.name
output vaultUri string = vault.properties.vaultUri
output gatewaySecretUri string = gatewaySecret.properties.secretUri
