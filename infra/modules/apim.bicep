// API Management Premium in internal VNet mode: TLS 1.2+ only (front and back, as the seed's settings),
// system-assigned identity, loggers for Application Insights and Event Hubs, named values (the shared
// secret from Key Vault). Gateway configuration (policies, products, API) is in apim-config.bicep.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('APIM service name (globally unique; also the azure-api.net host name).')
param name string

@description('Publisher name and e-mail shown in the developer portal.')
param publisherName string
param publisherEmail string

@description('Premium units in the primary region.')
@minValue(1)
param capacity int

@description('Additional regions: [{ location, capacity, subnetId, publicIpAddressId }]; each region needs its own VNet subnet and public IP.')
param additionalRegions array

@description('Subnet APIM is injected into.')
param subnetId string

@description('Private DNS zone azure-api.net linked to the network.')
param apimPrivateDnsZoneName string

@description('Application Insights component id and instrumentation key for the APIM logger.')
param appInsightsId string
@secure()
param appInsightsInstrumentationKey string

@description('Event Hubs namespace name and the hub for gateway audit records.')
param eventHubNamespaceName string
param gatewayAuditHubName string

@description('Key Vault name and the gateway shared secret URI.')
param keyVaultName string
param gatewaySecretUri string

@description('Audience of every token: the facade FHIR base, <PUBLIC_BASE_URL>/fhir.')
param fhirAudience string

@description('Provider tokens (Entra ID): issuer and OpenID configuration URL.')
param providerIssuer string
param providerOpenIdConfigUrl string

@description('Patient tokens (Entra External ID / Azure AD B2C): issuer and OpenID configuration URL.')
param patientIssuer string
param patientOpenIdConfigUrl string

@description('Origins allowed by CORS: patient portal and provider dashboard.')
param portalOrigin string
param dashboardOrigin string

@description('Administrators network range allowed to call admin operations.')
param adminIpRangeFrom string
param adminIpRangeTo string

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

// Named values used as {{name}} in apim/**/*.xml. The test suite checks every {{name}} is defined here.
var plainNamedValues = [
  {
    name: 'fhir-audience'
    value: fhirAudience
  }
  {
    name: 'entra-issuer'
    value: providerIssuer
  }
  {
    name: 'entra-openid-config-url'
    value: providerOpenIdConfigUrl
  }
  {
    name: 'external-id-issuer'
    value: patientIssuer
  }
  {
    name: 'external-id-openid-config-url'
    value: patientOpenIdConfigUrl
  }
  {
    name: 'portal-origin'
    value: portalOrigin
  }
  {
    name: 'dashboard-origin'
    value: dashboardOrigin
  }
  {
    name: 'admin-ip-range-from'
    value: adminIpRangeFrom
  }
  {
    name: 'admin-ip-range-to'
    value: adminIpRangeTo
  }
]

var gatewayTlsSettings = {
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168': 'False'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA': 'True'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA': 'True'
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2': 'True'
}

// Built-in role definition ids.
var eventHubsDataSenderRoleId = '2b629674-e913-4c01-ae53-ef4638d8f975'
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

// Management traffic of an injected (stv2) instance needs a Standard public IP, even in internal mode.
resource managementIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  zones: [
    '1'
    '2'
    '3'
  ]
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    dnsSettings: {
      domainNameLabel: name
    }
  }
}

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Premium'
    capacity: capacity
  }
  zones: capacity >= 3 ? [
    '1'
    '2'
    '3'
  ] : null
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publisherName: publisherName
    publisherEmail: publisherEmail
    virtualNetworkType: 'Internal'
    virtualNetworkConfiguration: {
      subnetResourceId: subnetId
    }
    publicIpAddressId: managementIp.id
    customProperties: gatewayTlsSettings
    additionalLocations: [
      for region in additionalRegions: {
        location: region.location
        sku: {
          name: 'Premium'
          capacity: region.capacity
        }
        virtualNetworkConfiguration: {
          subnetResourceId: region.subnetId
        }
        publicIpAddressId: region.publicIpAddressId
      }
    ]
  }
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource apimEventHubsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventHubNamespace.id, apim.id, eventHubsDataSenderRoleId)
  scope: eventHubNamespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSenderRoleId)
    principalId: apim.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource apimSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, apim.id, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: apim.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource namedValues 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = [
  for namedValue in plainNamedValues: {
    parent: apim
    name: namedValue.name
    properties: {
      displayName: namedValue.name
      value: namedValue.value
      secret: false
      tags: [
        'hipaa'
      ]
    }
  }
]

// Key Vault-backed: APIM reads the secret with its identity and refreshes it after rotation.
resource gatewaySecretNamedValue 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = {
  parent: apim
  name: 'gateway-shared-secret'
  properties: {
    displayName: 'gateway-shared-secret'
    secret: true
    keyVault: {
      secretIdentifier: gatewaySecretUri
    }
  }
  dependsOn: [
    apimSecretsUser
  ]
}

resource appInsightsLogger 'Microsoft.ApiManagement/service/loggers@2024-05-01' = {
  parent: apim
  name: 'appinsights-logger'
  properties: {
    loggerType: 'applicationInsights'
    resourceId: appInsightsId
    credentials: {
      instrumentationKey: appInsightsInstrumentationKey
    }
  }
}

// logger-id="hipaa-audit-logger" in apim/fragments/audit-log-*.xml. Sends with the managed identity.
resource auditLogger 'Microsoft.ApiManagement/service/loggers@2024-05-01' = {
  parent: apim
  name: 'hipaa-audit-logger'
  properties: {
    loggerType: 'azureEventHub'
    description: 'Gateway audit records (HIPAA 164.312(b))'
    credentials: {
      endpointAddress: '${eventHubNamespaceName}.servicebus.windows.net'
      identityClientId: 'SystemAssigned'
      name: gatewayAuditHubName
    }
  }
  dependsOn: [
    apimEventHubsSender
  ]
}

// Request telemetry without bodies or headers: nothing of PHI or tokens reaches Application Insights.
resource appInsightsDiagnostic 'Microsoft.ApiManagement/service/diagnostics@2024-05-01' = {
  parent: apim
  name: 'applicationinsights'
  properties: {
    loggerId: appInsightsLogger.id
    alwaysLog: 'allErrors'
    httpCorrelationProtocol: 'W3C'
    verbosity: 'information'
    logClientIp: true
    sampling: {
      samplingType: 'fixed'
      percentage: 100
    }
    frontend: {
      request: {
        headers: []
        body: {
          bytes: 0
        }
      }
      response: {
        headers: []
        body: {
          bytes: 0
        }
      }
    }
    backend: {
      request: {
        headers: []
        body: {
          bytes: 0
        }
      }
      response: {
        headers: []
        body: {
          bytes: 0
        }
      }
    }
  }
}

resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = {
  name: apimPrivateDnsZoneName
}

// Internal mode has no public DNS: gateway, portals and management resolve privately.
resource dnsRecords 'Microsoft.Network/privateDnsZones/A@2020-06-01' = [
  for host in [
    name
    '${name}.portal'
    '${name}.developer'
    '${name}.management'
    '${name}.scm'
  ]: {
    parent: zone
    name: host
    properties: {
      ttl: 300
      aRecords: [
        {
          ipv4Address: apim.properties.privateIPAddresses[0]
        }
      ]
    }
  }
]

resource apimDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: apim
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logAnalyticsDestinationType: 'Dedicated'
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

resource managementIpDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: managementIp
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

output id string = apim.id
output name string = apim.name
output gatewayHostName string = '${name}.azure-api.net'
output privateIpAddress string = apim.properties.privateIPAddresses[0]
output principalId string = apim.identity.principalId
output namedValueNames array = [for namedValue in plainNamedValues: namedValue.name]
