// Internal Container Apps environment and the FHIR Facade app. The app's settings follow the facade's
// configuration contract (src/config): APP_PROFILE=azure, PORT, PUBLIC_BASE_URL, FHIR_BASE_URL, AUTH_ISSUERS,
// AUDIT_EVENTHUB_NAMESPACE, AUDIT_EVENTHUB_NAME, AUDIT_STORE_PATH, AUDIT_FAIL_MODE, KEY_VAULT_URL, REDIS_URL,
// GATEWAY_SHARED_SECRET, LOG_LEVEL, APPLICATIONINSIGHTS_CONNECTION_STRING. Secrets are Key Vault references.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Container Apps environment name.')
param environmentName string

@description('Container App name.')
param appName string

@description('Infrastructure subnet of the environment (delegated to Microsoft.App/environments).')
param subnetId string

@description('Virtual network that resolves the environment default domain privately.')
param vnetId string

@description('Container image, for example myregistry.azurecr.io/fhir-facade:1.0.0.')
param image string

@description('Registry login server the image is pulled from with the managed identity.')
param registryLoginServer string

@description('User-assigned identity of the app (resource id) and its client id.')
param identityId string
param identityClientId string

@description('Replica bounds.')
@minValue(1)
param minReplicas int
param maxReplicas int

@description('CPU cores and memory per replica.')
param cpu string
param memory string

@description('Public base URL of the facade as callers see it (the FHIR base is <PUBLIC_BASE_URL>/fhir).')
param publicBaseUrl string

@description('Azure Health Data Services FHIR service URL.')
param fhirBaseUrl string

@description('Trusted token issuers: [{ issuer, audiences, jwksUri }].')
param authIssuers array

@description('Fully qualified Event Hubs namespace (<name>.servicebus.windows.net).')
param auditEventHubNamespace string

@description('Event hub receiving the facade AuditEvents.')
param auditEventHubName string

@description('Path of the durable local audit outbox inside the container.')
param auditStorePath string

@description('Key Vault URL.')
param keyVaultUrl string

@description('Key Vault secret URIs: gateway shared secret and Redis URL.')
param gatewaySecretUri string
param redisUrlSecretUri string

@description('Log level of the facade.')
param logLevel string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Log Analytics workspace for diagnostic settings.')
param logAnalyticsWorkspaceId string

@description('EMR backends by name (epic, cerner): { fhirBaseUrl, tokenUrl, mrnSystem, scope? }. Each EMR client id and private key are the Key Vault secrets <name>-client-id and <name>-private-key, which the facade reads itself (docs/deploy.md). Empty: no EMR.')
param emrBackends object = {}

@description('MRN identifier system of the primary FHIR server (PATIENT_MRN_SYSTEM) for the patient cross-walk; empty keeps the default.')
param patientMrnSystem string = ''

@description('FHIR_ROUTES: which resource types go to which backends; empty keeps the default routing.')
param fhirRoutes array = []

@description('FACADE_CLIENT_ID: the facade\'s own Entra app registration for the practitioner patient picker (its secret is the Key Vault secret facade-client-secret); empty: no picker.')
param facadeSignInClientId string = ''

var port = 8080

// EPIC_FHIR_BASE_URL, EPIC_TOKEN_URL, EPIC_MRN_SYSTEM [, EPIC_SCOPE], the same for CERNER (README configuration).
var emrEnv = flatten([for emr in items(emrBackends): concat([
  {
    name: '${toUpper(emr.key)}_FHIR_BASE_URL'
    value: emr.value.fhirBaseUrl
  }
  {
    name: '${toUpper(emr.key)}_TOKEN_URL'
    value: emr.value.tokenUrl
  }
  {
    name: '${toUpper(emr.key)}_MRN_SYSTEM'
    value: emr.value.mrnSystem
  }
], contains(emr.value, 'scope') ? [
  {
    name: '${toUpper(emr.key)}_SCOPE'
    value: emr.value.scope
  }
] : [])])

var routingEnv = concat(empty(patientMrnSystem) ? [] : [
  {
    name: 'PATIENT_MRN_SYSTEM'
    value: patientMrnSystem
  }
], empty(fhirRoutes) ? [] : [
  {
    name: 'FHIR_ROUTES'
    value: string(fhirRoutes)
  }
], empty(facadeSignInClientId) ? [] : [
  {
    name: 'FACADE_CLIENT_ID'
    value: facadeSignInClientId
  }
])
var auditVolumeMountPath = '/var/lib/fhir-facade'

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: true
    }
    // Logs go through the diagnostic setting below (no shared workspace key in the template).
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: true
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      // "external" here means reachable from the virtual network (the environment itself is internal).
      ingress: {
        external: true
        targetPort: port
        transport: 'http'
        allowInsecure: false
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      secrets: [
        {
          name: 'gateway-shared-secret'
          keyVaultUrl: gatewaySecretUri
          identity: identityId
        }
        {
          name: 'redis-url'
          keyVaultUrl: redisUrlSecretUri
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'fhir-facade'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat([
            {
              name: 'APP_PROFILE'
              value: 'azure'
            }
            {
              name: 'PORT'
              value: string(port)
            }
            {
              name: 'PUBLIC_BASE_URL'
              value: publicBaseUrl
            }
            {
              name: 'FHIR_BASE_URL'
              value: fhirBaseUrl
            }
            {
              name: 'AUTH_ISSUERS'
              value: string(authIssuers)
            }
            {
              name: 'AUDIT_EVENTHUB_NAMESPACE'
              value: auditEventHubNamespace
            }
            {
              name: 'AUDIT_EVENTHUB_NAME'
              value: auditEventHubName
            }
            {
              name: 'AUDIT_STORE_PATH'
              value: auditStorePath
            }
            {
              name: 'AUDIT_FAIL_MODE'
              value: 'closed'
            }
            {
              name: 'KEY_VAULT_URL'
              value: keyVaultUrl
            }
            {
              name: 'REDIS_URL'
              secretRef: 'redis-url'
            }
            {
              name: 'GATEWAY_SHARED_SECRET'
              secretRef: 'gateway-shared-secret'
            }
            {
              name: 'LOG_LEVEL'
              value: logLevel
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: appInsightsConnectionString
            }
            {
              // DefaultAzureCredential picks the user-assigned identity by its client id.
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
          ], emrEnv, routingEnv)
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/health/live'
                port: port
                scheme: 'HTTP'
              }
              initialDelaySeconds: 10
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health/ready'
                port: port
                scheme: 'HTTP'
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 3
            }
          ]
          volumeMounts: [
            {
              volumeName: 'audit-outbox'
              mountPath: auditVolumeMountPath
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'audit-outbox'
          storageType: 'EmptyDir'
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

// The internal environment's default domain resolves to its static private address inside the network.
// (A module, because the zone name is known only once the environment exists.)
module environmentDns 'container-apps-dns.bicep' = {
  name: 'dns-${environmentName}'
  params: {
    tags: tags
    zoneName: environment.properties.defaultDomain
    staticIp: environment.properties.staticIp
    vnetId: vnetId
  }
}

resource environmentDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
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

resource appDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: app
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

output environmentId string = environment.id
output appId string = app.id
output appFqdn string = app.properties.configuration.ingress.fqdn
output appUrl string = 'https://${app.properties.configuration.ingress.fqdn}'
