// Least-privilege role assignments of the facade identity (built-in role definition ids) and of the
// Application Gateway identity. APIM's own assignments are in apim.bicep (its loggers need them first).

@description('Principal id of the facade user-assigned identity.')
param facadePrincipalId string

@description('Principal id of the Application Gateway identity.')
param appGatewayPrincipalId string

@description('FHIR service (workspace/fhirservice) name parts.')
param healthWorkspaceName string
param fhirServiceName string

@description('Facade may write to FHIR (FHIR Data Contributor) or only read (FHIR Data Reader).')
param fhirWriteAccess bool

@description('Event Hubs namespace and audit hub the facade sends to.')
param eventHubNamespaceName string
param auditHubName string

@description('Key Vault name.')
param keyVaultName string

@description('Container registry name.')
param registryName string

var roles = {
  fhirDataReader: '4c8d0bbc-75d3-4935-991f-5f3c56d81508'
  fhirDataContributor: '5a1fc7df-4bf1-4951-a576-89034ee01acd'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

var fhirRole = fhirWriteAccess ? roles.fhirDataContributor : roles.fhirDataReader

resource healthWorkspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' existing = {
  name: healthWorkspaceName
}

resource fhir 'Microsoft.HealthcareApis/workspaces/fhirservices@2024-03-31' existing = {
  parent: healthWorkspace
  name: fhirServiceName
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource auditHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: auditHubName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource facadeFhir 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(fhir.id, facadePrincipalId, fhirRole)
  scope: fhir
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', fhirRole)
    principalId: facadePrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Scoped to the audit hub only, not the namespace.
resource facadeEventHubsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(auditHub.id, facadePrincipalId, roles.eventHubsDataSender)
  scope: auditHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
    principalId: facadePrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource facadeSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, facadePrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: facadePrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource facadeAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, facadePrincipalId, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: facadePrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appGatewaySecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appGatewayPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appGatewayPrincipalId
    principalType: 'ServicePrincipal'
  }
}
