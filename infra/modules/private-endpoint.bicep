// One private endpoint for one sub-resource (group) of a service, registered in its private DNS zones.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Private endpoint name.')
param name string

@description('Resource id of the service the endpoint connects to.')
param serviceId string

@description('Private link sub-resource (group id), for example vault, namespace, blob, healthcareworkspace, redisCache, registry.')
param groupId string

@description('Subnet for private endpoints.')
param subnetId string

@description('Private DNS zones the endpoint registers its records in.')
param privateDnsZoneIds array

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: serviceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      for (zoneId, i) in privateDnsZoneIds: {
        name: 'zone-${i}'
        properties: {
          privateDnsZoneId: zoneId
        }
      }
    ]
  }
}

resource endpointDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: endpoint
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = endpoint.id
