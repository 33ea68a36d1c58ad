// FHIR Facade on Azure: one resource group deployment.
//   client -> Application Gateway (WAF v2) -> API Management (internal VNet) -> FHIR Facade (Container Apps)
//          -> Azure Health Data Services FHIR, Event Hubs (audit), Key Vault, Redis; all behind private endpoints.
// Deploy: see docs/deploy.md.

targetScope = 'resourceGroup'

// ---------- general ----------

@description('Azure region of the primary deployment.')
param location string = resourceGroup().location

@description('Environment name, used in resource names and tags.')
@allowed([
  'dev'
  'test'
  'prod'
])
param environmentName string

@description('Short lowercase prefix of resource names (letters and digits).')
@minLength(3)
@maxLength(10)
param namePrefix string

@description('Extra tags; Compliance: HIPAA, Environment and Workload are always set.')
param tags object = {}

// ---------- network ----------

@description('Address space of the virtual network.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Subnet prefixes: appGateway, apim, containerApps (/23), privateEndpoints.')
param subnetPrefixes object = {
  appGateway: '10.40.0.0/24'
  apim: '10.40.1.0/27'
  containerApps: '10.40.2.0/23'
  privateEndpoints: '10.40.4.0/24'
}

// ---------- public surface and identity providers ----------

@description('Public base URL of the facade as clients see it (Application Gateway host), without trailing slash. The FHIR base is <publicBaseUrl>/fhir.')
param publicBaseUrl string

@description('Entra ID tenant of the providers (clinicians).')
param entraTenantId string

@description('Issuer of provider tokens.')
param providerIssuer string = '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'

@description('OpenID configuration URL of the provider issuer.')
param providerOpenIdConfigUrl string = '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0/.well-known/openid-configuration'

@description('JWKS URL of the provider issuer.')
param providerJwksUri string = '${environment().authentication.loginEndpoint}${entraTenantId}/discovery/v2.0/keys'

@description('Entra External ID tenant id of the patients.')
param externalIdTenantId string

@description('Entra External ID tenant subdomain (<subdomain>.ciamlogin.com).')
param externalIdSubdomain string

@description('Issuer of patient tokens (override for Azure AD B2C).')
param patientIssuer string = 'https://${externalIdTenantId}.ciamlogin.com/${externalIdTenantId}/v2.0'

@description('OpenID configuration URL of the patient issuer (override for Azure AD B2C, which needs the user-flow name).')
param patientOpenIdConfigUrl string = 'https://${externalIdSubdomain}.ciamlogin.com/${externalIdTenantId}/v2.0/.well-known/openid-configuration'

@description('JWKS URL of the patient issuer.')
param patientJwksUri string = 'https://${externalIdSubdomain}.ciamlogin.com/${externalIdTenantId}/discovery/v2.0/keys'

@description('Origin of the patient portal (CORS).')
param portalOrigin string

@description('Origin of the provider dashboard (CORS).')
param dashboardOrigin string

@description('First and last address of the administrators network allowed to call admin operations.')
param adminIpRangeFrom string
param adminIpRangeTo string

@secure()
@minLength(32)
@description('Shared secret APIM sends as X-Gateway-Secret; stored in Key Vault, read by the facade (GATEWAY_SHARED_SECRET).')
param gatewaySharedSecret string

@description('Public addresses (CIDR) allowed to reach Key Vault, e.g. the agent that imports the TLS certificate; empty keeps it private.')
param keyVaultAllowedIpRanges array = []

// ---------- API Management ----------

@description('Publisher shown in the developer portal.')
param publisherName string
param publisherEmail string

@description('APIM Premium units in the primary region.')
@minValue(1)
param apimCapacity int = 1

@description('Additional APIM regions: [{ location, capacity, subnetId, publicIpAddressId }].')
param apimAdditionalRegions array = []

// ---------- facade ----------

@description('Facade image in the registry created here, for example <registry>.azurecr.io/fhir-facade:1.0.0.')
param containerImage string

@description('Public network access of the container registry (CI pushes from outside the network).')
@allowed([
  'Enabled'
  'Disabled'
])
param containerRegistryPublicAccess string = 'Enabled'

@description('Replica bounds and size of the facade.')
@minValue(1)
param facadeMinReplicas int = 2
param facadeMaxReplicas int = 10
param facadeCpu string = '1.0'
param facadeMemory string = '2Gi'

@description('Log level of the facade (LOG_LEVEL).')
@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
])
param logLevel string = 'info'

@description('Durable local audit outbox inside the container (AUDIT_STORE_PATH).')
param auditStorePath string = '/var/lib/fhir-facade/audit-outbox.db'

@description('EMR backends by name (epic, cerner): { fhirBaseUrl, tokenUrl, mrnSystem, scope? }; client ids and private keys go into Key Vault as <name>-client-id and <name>-private-key (docs/deploy.md). Empty: no EMR.')
param emrBackends object = {}

@description('MRN identifier system of the AHDS patients (PATIENT_MRN_SYSTEM), for the EMR cross-walk; empty keeps the default.')
param patientMrnSystem string = ''

@description('FHIR_ROUTES (see README); empty keeps the default routing.')
param fhirRoutes array = []

@description('Client id of the facade\'s own Entra app registration for the practitioner patient picker (FACADE_CLIENT_ID); put its secret in Key Vault as facade-client-secret. Empty: no picker.')
param facadeSignInClientId string = ''

@description('Grant the facade FHIR Data Contributor (true) or FHIR Data Reader (false).')
param fhirWriteAccess bool = true

// ---------- data, audit, cache ----------

@description('Event Hubs SKU and units.')
@allowed([
  'Standard'
  'Premium'
])
param eventHubsSku string = 'Standard'
param eventHubsCapacity int = 1

@description('Partitions of each audit hub.')
param auditPartitionCount int = 4

@description('Redis SKU: { name: Standard|Premium, capacity }.')
param redisSku object = {
  name: 'Standard'
  capacity: 1
}

// ---------- monitoring ----------

@description('Interactive retention of the Log Analytics workspace, in days.')
param logRetentionInDays int = 90

@description('E-mail addresses notified by the alert action group.')
param alertEmailAddresses array

// ---------- Application Gateway ----------

@description('Deploy the Application Gateway (its certificate must already be in Key Vault; see docs/deploy.md).')
param deployAppGateway bool = true

@description('Key Vault secret id of the TLS certificate for the public host name.')
param appGatewayCertificateSecretId string = ''

@description('Application Gateway autoscale bounds.')
param appGatewayMinCapacity int = 2
param appGatewayMaxCapacity int = 10

// ---------- derived values ----------

var effectiveTags = union(tags, {
  Compliance: 'HIPAA'
  Environment: environmentName
  Workload: 'fhir-facade'
})
var suffix = take(uniqueString(resourceGroup().id), 6)
var baseName = '${namePrefix}-${environmentName}'
var compactName = toLower('${namePrefix}${environmentName}${suffix}')
var fhirAudience = '${publicBaseUrl}/fhir'
var publicHostName = split(publicBaseUrl, '/')[2]
var auditHubName = 'fhir-audit'
var gatewayAuditHubName = 'apim-gateway-audit'
var healthWorkspaceName = take(replace('ahds${compactName}', '-', ''), 24)
var fhirServiceName = 'fhir'

// Trusted issuers of the facade (AUTH_ISSUERS). APIM validate-jwt uses the same values as named values
// (entra-issuer, external-id-issuer, fhir-audience); the test suite checks that they stay the same.
var authIssuers = [
  {
    issuer: providerIssuer
    audiences: [
      fhirAudience
    ]
    jwksUri: providerJwksUri
  }
  {
    issuer: patientIssuer
    audiences: [
      fhirAudience
    ]
    jwksUri: patientJwksUri
  }
]

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: effectiveTags
    logAnalyticsName: 'log-${baseName}'
    appInsightsName: 'appi-${baseName}'
    actionGroupName: 'ag-${baseName}'
    retentionInDays: logRetentionInDays
    alertEmailAddresses: alertEmailAddresses
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    tags: effectiveTags
    vnetName: 'vnet-${baseName}'
    addressPrefix: vnetAddressPrefix
    subnetPrefixes: subnetPrefixes
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    tags: effectiveTags
    facadeIdentityName: 'id-${baseName}-facade'
    appGatewayIdentityName: 'id-${baseName}-appgw'
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    tags: effectiveTags
    name: take('kv${compactName}', 24)
    gatewaySharedSecret: gatewaySharedSecret
    allowedIpRanges: keyVaultAllowedIpRanges
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.privateDnsZoneIds.keyVault
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module eventHubs 'modules/event-hubs.bicep' = {
  name: 'event-hubs'
  params: {
    location: location
    tags: effectiveTags
    namespaceName: 'evhns-${baseName}-${suffix}'
    skuName: eventHubsSku
    capacity: eventHubsCapacity
    auditHubName: auditHubName
    gatewayAuditHubName: gatewayAuditHubName
    partitionCount: auditPartitionCount
    captureStorageAccountName: take('staudit${compactName}', 24)
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneIds: network.outputs.privateDnsZoneIds
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module healthData 'modules/health-data.bicep' = {
  name: 'health-data'
  params: {
    location: location
    tags: effectiveTags
    workspaceName: healthWorkspaceName
    fhirServiceName: fhirServiceName
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneIds: network.outputs.privateDnsZoneIds
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: {
    location: location
    tags: effectiveTags
    name: 'redis-${baseName}-${suffix}'
    sku: redisSku
    keyVaultName: keyVault.outputs.name
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.privateDnsZoneIds.redis
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module registry 'modules/container-registry.bicep' = {
  name: 'container-registry'
  params: {
    location: location
    tags: effectiveTags
    name: take('acr${compactName}', 50)
    publicNetworkAccess: containerRegistryPublicAccess
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    privateDnsZoneId: network.outputs.privateDnsZoneIds.containerRegistry
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    facadePrincipalId: identity.outputs.facadePrincipalId
    appGatewayPrincipalId: identity.outputs.appGatewayPrincipalId
    healthWorkspaceName: healthWorkspaceName
    fhirServiceName: fhirServiceName
    fhirWriteAccess: fhirWriteAccess
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    auditHubName: eventHubs.outputs.auditHubName
    keyVaultName: keyVault.outputs.name
    registryName: take('acr${compactName}', 50)
  }
  dependsOn: [
    healthData
    registry
  ]
}

module containerApps 'modules/container-apps.bicep' = {
  name: 'container-apps'
  params: {
    location: location
    tags: effectiveTags
    environmentName: 'cae-${baseName}'
    appName: 'ca-${baseName}-facade'
    subnetId: network.outputs.containerAppsSubnetId
    vnetId: network.outputs.vnetId
    image: containerImage
    registryLoginServer: registry.outputs.loginServer
    identityId: identity.outputs.facadeIdentityId
    identityClientId: identity.outputs.facadeClientId
    minReplicas: facadeMinReplicas
    maxReplicas: facadeMaxReplicas
    cpu: facadeCpu
    memory: facadeMemory
    publicBaseUrl: publicBaseUrl
    fhirBaseUrl: healthData.outputs.fhirUrl
    authIssuers: authIssuers
    auditEventHubNamespace: eventHubs.outputs.fullyQualifiedNamespace
    auditEventHubName: eventHubs.outputs.auditHubName
    auditStorePath: auditStorePath
    keyVaultUrl: keyVault.outputs.vaultUri
    gatewaySecretUri: keyVault.outputs.gatewaySecretUri
    redisUrlSecretUri: redis.outputs.redisUrlSecretUri
    logLevel: logLevel
    emrBackends: emrBackends
    patientMrnSystem: patientMrnSystem
    fhirRoutes: fhirRoutes
    facadeSignInClientId: facadeSignInClientId
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
  dependsOn: [
    roleAssignments
  ]
}

module apim 'modules/apim.bicep' = {
  name: 'apim'
  params: {
    location: location
    tags: effectiveTags
    name: 'apim-${baseName}-${suffix}'
    publisherName: publisherName
    publisherEmail: publisherEmail
    capacity: apimCapacity
    additionalRegions: apimAdditionalRegions
    subnetId: network.outputs.apimSubnetId
    apimPrivateDnsZoneName: network.outputs.apimPrivateDnsZoneName
    appInsightsId: monitoring.outputs.appInsightsId
    appInsightsInstrumentationKey: monitoring.outputs.appInsightsInstrumentationKey
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    gatewayAuditHubName: eventHubs.outputs.gatewayAuditHubName
    keyVaultName: keyVault.outputs.name
    gatewaySecretUri: keyVault.outputs.gatewaySecretUri
    fhirAudience: fhirAudience
    providerIssuer: providerIssuer
    providerOpenIdConfigUrl: providerOpenIdConfigUrl
    patientIssuer: patientIssuer
    patientOpenIdConfigUrl: patientOpenIdConfigUrl
    portalOrigin: portalOrigin
    dashboardOrigin: dashboardOrigin
    adminIpRangeFrom: adminIpRangeFrom
    adminIpRangeTo: adminIpRangeTo
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module apimConfig 'modules/apim-config.bicep' = {
  name: 'apim-config'
  params: {
    apimName: apim.outputs.name
    facadeUrl: containerApps.outputs.appUrl
  }
}

module appGateway 'modules/app-gateway.bicep' = if (deployAppGateway) {
  name: 'app-gateway'
  params: {
    location: location
    tags: effectiveTags
    name: 'agw-${baseName}'
    subnetId: network.outputs.appGatewaySubnetId
    identityId: identity.outputs.appGatewayIdentityId
    certificateSecretId: appGatewayCertificateSecretId
    publicHostName: publicHostName
    apimGatewayHostName: apim.outputs.gatewayHostName
    minCapacity: appGatewayMinCapacity
    maxCapacity: appGatewayMaxCapacity
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
  dependsOn: [
    roleAssignments
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: effectiveTags
    namePrefix: baseName
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    appGatewayId: deployAppGateway ? appGateway.outputs.id : ''
    actionGroupId: monitoring.outputs.actionGroupId
  }
}

output fhirBaseUrl string = fhirAudience
output apimGatewayHostName string = apim.outputs.gatewayHostName
output apimPrivateIpAddress string = apim.outputs.privateIpAddress
output facadeInternalUrl string = containerApps.outputs.appUrl
output ahdsFhirUrl string = healthData.outputs.fhirUrl
output keyVaultUri string = keyVault.outputs.vaultUri
output registryLoginServer string = registry.outputs.loginServer
output appGatewayPublicIp string = deployAppGateway ? appGateway.outputs.publicIpAddress : ''
