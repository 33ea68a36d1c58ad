// User-assigned identities, created before the services that use them so their role assignments exist when
// the Container App first pulls its image and reads Key Vault, and the Application Gateway reads its certificate.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Identity of the facade Container App.')
param facadeIdentityName string

@description('Identity of the Application Gateway (reads its TLS certificate from Key Vault).')
param appGatewayIdentityName string

resource facade 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: facadeIdentityName
  location: location
  tags: tags
}

resource appGateway 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: appGatewayIdentityName
  location: location
  tags: tags
}

output facadeIdentityId string = facade.id
output facadePrincipalId string = facade.properties.principalId
output facadeClientId string = facade.properties.clientId
output appGatewayIdentityId string = appGateway.id
output appGatewayPrincipalId string = appGateway.properties.principalId
