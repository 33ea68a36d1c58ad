// Application Gateway WAF v2 in front of the internal APIM: OWASP CRS 3.2 in prevention mode, TLS 1.2+ only
// (HTTPS listener only, certificate from Key Vault), health probe on APIM's status endpoint.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Application Gateway name.')
param name string

@description('Subnet dedicated to the Application Gateway.')
param subnetId string

@description('User-assigned identity that reads the TLS certificate from Key Vault.')
param identityId string

@description('Key Vault secret id of the TLS certificate (PFX) for the public host name.')
param certificateSecretId string

@description('Public host name clients use (the host of PUBLIC_BASE_URL).')
param publicHostName string

@description('APIM gateway host name (<apim>.azure-api.net, resolved privately).')
param apimGatewayHostName string

@description('Autoscale bounds.')
param minCapacity int
param maxCapacity int

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

var gatewayId = resourceId('Microsoft.Network/applicationGateways', name)

resource wafPolicy 'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies@2024-05-01' = {
  name: 'waf-${name}'
  location: location
  tags: tags
  properties: {
    policySettings: {
      state: 'Enabled'
      mode: 'Prevention'
      requestBodyCheck: true
      maxRequestBodySizeInKb: 2000
      fileUploadLimitInMb: 100
    }
    managedRules: {
      managedRuleSets: [
        {
          ruleSetType: 'OWASP'
          ruleSetVersion: '3.2'
        }
        {
          ruleSetType: 'Microsoft_BotManagerRuleSet'
          ruleSetVersion: '1.0'
        }
      ]
    }
  }
}

resource publicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
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
  }
}

resource gateway 'Microsoft.Network/applicationGateways@2024-05-01' = {
  name: name
  location: location
  tags: tags
  zones: [
    '1'
    '2'
    '3'
  ]
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    sku: {
      name: 'WAF_v2'
      tier: 'WAF_v2'
    }
    autoscaleConfiguration: {
      minCapacity: minCapacity
      maxCapacity: maxCapacity
    }
    enableHttp2: true
    firewallPolicy: {
      id: wafPolicy.id
    }
    sslPolicy: {
      policyType: 'Predefined'
      policyName: 'AppGwSslPolicy20220101S'
    }
    gatewayIPConfigurations: [
      {
        name: 'gateway-ip'
        properties: {
          subnet: {
            id: subnetId
          }
        }
      }
    ]
    frontendIPConfigurations: [
      {
        name: 'public-frontend'
        properties: {
          publicIPAddress: {
            id: publicIp.id
          }
        }
      }
    ]
    frontendPorts: [
      {
        name: 'https'
        properties: {
          port: 443
        }
      }
    ]
    sslCertificates: [
      {
        name: 'public-certificate'
        properties: {
          keyVaultSecretId: certificateSecretId
        }
      }
    ]
    backendAddressPools: [
      {
        name: 'apim'
        properties: {
          backendAddresses: [
            {
              fqdn: apimGatewayHostName
            }
          ]
        }
      }
    ]
    probes: [
      {
        name: 'apim-status'
        properties: {
          protocol: 'Https'
          path: '/status-0123456789abcdef'
          interval: 30
          timeout: 30
          // Three consecutive failures mark APIM unhealthy (seed: backend health check failures > 3 consecutive).
          unhealthyThreshold: 3
          pickHostNameFromBackendHttpSettings: true
          match: {
            statusCodes: [
              '200-399'
            ]
          }
        }
      }
    ]
    backendHttpSettingsCollection: [
      {
        name: 'apim-https'
        properties: {
          port: 443
          protocol: 'Https'
          cookieBasedAffinity: 'Disabled'
          pickHostNameFromBackendAddress: true
          requestTimeout: 120
          probe: {
            id: '${gatewayId}/probes/apim-status'
          }
        }
      }
    ]
    httpListeners: [
      {
        name: 'https-listener'
        properties: {
          frontendIPConfiguration: {
            id: '${gatewayId}/frontendIPConfigurations/public-frontend'
          }
          frontendPort: {
            id: '${gatewayId}/frontendPorts/https'
          }
          protocol: 'Https'
          hostName: publicHostName
          requireServerNameIndication: true
          sslCertificate: {
            id: '${gatewayId}/sslCertificates/public-certificate'
          }
        }
      }
    ]
    requestRoutingRules: [
      {
        name: 'to-apim'
        properties: {
          ruleType: 'Basic'
          priority: 100
          httpListener: {
            id: '${gatewayId}/httpListeners/https-listener'
          }
          backendAddressPool: {
            id: '${gatewayId}/backendAddressPools/apim'
          }
          backendHttpSettings: {
            id: '${gatewayId}/backendHttpSettingsCollection/apim-https'
          }
        }
      }
    ]
  }
}

resource gatewayDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: gateway
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

resource publicIpDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: publicIp
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

output id string = gateway.id
output publicIpAddress string = publicIp.properties.ipAddress
