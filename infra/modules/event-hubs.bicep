// Event Hubs namespace with two hubs: the facade's AuditEvents and APIM's gateway audit records. Both are
// captured to a storage container under a time-based immutability policy of 2,555 days (7 years, WORM).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Event Hubs namespace name.')
param namespaceName string

@description('Event Hubs SKU (Standard or Premium; capture and private endpoints need at least Standard).')
@allowed([
  'Standard'
  'Premium'
])
param skuName string

@description('Throughput (Standard) or processing (Premium) units.')
param capacity int

@description('Hub for the facade AuditEvents (AUDIT_EVENTHUB_NAME).')
param auditHubName string

@description('Hub for the APIM gateway audit records (log-to-eventhub).')
param gatewayAuditHubName string

@description('Partitions per hub; audit events are partitioned by patient, gateway records by subscription.')
param partitionCount int

@description('Storage account for captured audit data (3-24 lowercase letters and digits).')
param captureStorageAccountName string

@description('Immutability (WORM) retention of captured audit data, in days.')
param immutabilityPeriodInDays int = 2555

@description('Subnet for private endpoints.')
param privateEndpointSubnetId string

@description('Private DNS zones: eventHubs and blob.')
param privateDnsZoneIds object

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

var captureContainerName = 'audit-capture'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: captureStorageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GZRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 30
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 30
    }
  }
}

resource captureContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: captureContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Time-based retention: blobs cannot be modified or deleted for 2,555 days after creation. Bicep creates the
// policy unlocked; docs/deploy.md has the one-time lock command (a locked policy can no longer be shortened).
resource immutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: captureContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: immutabilityPeriodInDays
    allowProtectedAppendWrites: false
  }
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: capacity
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
    disableLocalAuth: true
    zoneRedundant: true
  }
}

resource hubs 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = [
  for hubName in [
    auditHubName
    gatewayAuditHubName
  ]: {
    parent: namespace
    name: hubName
    properties: {
      partitionCount: partitionCount
      messageRetentionInDays: 7
      captureDescription: {
        enabled: true
        encoding: 'Avro'
        intervalInSeconds: 300
        sizeLimitInBytes: 314572800
        skipEmptyArchives: true
        destination: {
          name: 'EventHubArchive.AzureBlockBlob'
          identity: {
            type: 'SystemAssigned'
          }
          properties: {
            storageAccountResourceId: storage.id
            blobContainer: captureContainerName
            archiveNameFormat: '{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}'
          }
        }
      }
    }
    dependsOn: [
      captureContainer
      captureRoleAssignment
    ]
  }
]

// Storage Blob Data Contributor for the namespace identity, so capture works without shared keys.
resource captureRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, namespace.id, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: namespace.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

module namespaceEndpoint 'private-endpoint.bicep' = {
  name: 'pe-${namespaceName}'
  params: {
    location: location
    tags: tags
    name: 'pe-${namespaceName}'
    serviceId: namespace.id
    groupId: 'namespace'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneIds.eventHubs
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module storageEndpoint 'private-endpoint.bicep' = {
  name: 'pe-${captureStorageAccountName}-blob'
  params: {
    location: location
    tags: tags
    name: 'pe-${captureStorageAccountName}-blob'
    serviceId: storage.id
    groupId: 'blob'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneIds.blob
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

resource namespaceDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
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

resource storageDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
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
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

output namespaceId string = namespace.id
output namespaceName string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output auditHubName string = auditHubName
output gatewayAuditHubName string = gatewayAuditHubName
output captureStorageAccountId string = storage.id
