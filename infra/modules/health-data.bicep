// Azure Health Data Services workspace and FHIR R4 service. The facade reaches it through a private
// endpoint with its managed identity (token scope "<fhir url>/.default"); the audience is the service URL.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Health Data Services workspace name (letters and digits only).')
param workspaceName string

@description('FHIR service name (letters and digits only).')
param fhirServiceName string

@description('Subnet for private endpoints.')
param privateEndpointSubnetId string

@description('Private DNS zones: healthWorkspace and fhir.')
param privateDnsZoneIds object

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

// The FHIR service's own URL is the token audience (SMART on FHIR: "aud" is the FHIR base the token is for).
var fhirUrl = 'https://${workspaceName}-${fhirServiceName}.fhir.azurehealthcareapis.com'

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

resource fhir 'Microsoft.HealthcareApis/workspaces/fhirservices@2024-03-31' = {
  parent: workspace
  name: fhirServiceName
  location: location
  tags: tags
  kind: 'fhir-R4'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    authenticationConfiguration: {
      authority: '${environment().authentication.loginEndpoint}${subscription().tenantId}'
      audience: fhirUrl
      smartProxyEnabled: false
    }
    publicNetworkAccess: 'Disabled'
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${workspaceName}'
  params: {
    location: location
    tags: tags
    name: 'pe-${workspaceName}'
    serviceId: workspace.id
    groupId: 'healthcareworkspace'
    subnetId: privateEndpointSubnetId
    privateDnsZoneIds: [
      privateDnsZoneIds.healthWorkspace
      privateDnsZoneIds.fhir
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    fhir
  ]
}

resource fhirDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: fhir
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

output fhirServiceId string = fhir.id
output fhirUrl string = fhirUrl
