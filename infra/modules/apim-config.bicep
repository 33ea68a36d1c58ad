// Gateway configuration of the FHIR Facade on an existing APIM instance: policy fragments, the global policy,
// the backend with its circuit breaker, the API version set and API, operation policies, products and groups.
// Every policy is the XML file under apim/ loaded at compile time (loadTextContent), so the files are the
// single source of truth and the test suite checks them.

@description('APIM service name (created by apim.bicep, with its named values and loggers).')
param apimName string

@description('Facade base URL inside the network (https://<container app fqdn>); the backend targets <url>/fhir.')
param facadeUrl string

var fragments = [
  {
    id: 'cors-first-party'
    description: 'CORS for the patient portal and provider dashboard origins only'
    xml: loadTextContent('../../apim/fragments/cors-first-party.xml')
  }
  {
    id: 'forward-trace-context'
    description: 'x-request-id, traceparent and X-Forwarded-For to the facade'
    xml: loadTextContent('../../apim/fragments/forward-trace-context.xml')
  }
  {
    id: 'gateway-secret-header'
    description: 'X-Gateway-Secret from Key Vault, so the facade refuses traffic that bypassed APIM'
    xml: loadTextContent('../../apim/fragments/gateway-secret-header.xml')
  }
  {
    id: 'audit-log-inbound'
    description: 'Gateway audit record of the request to Event Hubs (no body, no token, no query values)'
    xml: loadTextContent('../../apim/fragments/audit-log-inbound.xml')
  }
  {
    id: 'audit-log-outbound'
    description: 'Gateway audit record of the response to Event Hubs'
    xml: loadTextContent('../../apim/fragments/audit-log-outbound.xml')
  }
  {
    id: 'strip-backend-headers'
    description: 'Removes server banners and backend host names from responses'
    xml: loadTextContent('../../apim/fragments/strip-backend-headers.xml')
  }
  {
    id: 'backend-forward-with-retry'
    description: 'Forward with retry on 503 for GET and HEAD only'
    xml: loadTextContent('../../apim/fragments/backend-forward-with-retry.xml')
  }
  {
    id: 'resolve-error-status'
    description: 'Maps the error source to the status returned to the caller'
    xml: loadTextContent('../../apim/fragments/resolve-error-status.xml')
  }
  {
    id: 'operation-outcome-errors'
    description: 'Errors as FHIR OperationOutcome (401 with WWW-Authenticate, 429 with Retry-After)'
    xml: loadTextContent('../../apim/fragments/operation-outcome-errors.xml')
  }
  {
    id: 'validate-jwt-provider'
    description: 'Entra ID tokens for clinicians: issuer, audience = FHIR base, user-level SMART scope'
    xml: loadTextContent('../../apim/fragments/validate-jwt-provider.xml')
  }
  {
    id: 'validate-jwt-patient'
    description: 'Entra External ID / B2C tokens for patients: issuer, audience = FHIR base, patient-level SMART scope'
    xml: loadTextContent('../../apim/fragments/validate-jwt-patient.xml')
  }
  {
    id: 'validate-jwt-smart-app'
    description: 'Tokens of third-party SMART apps from either issuer with at least one SMART resource scope'
    xml: loadTextContent('../../apim/fragments/validate-jwt-smart-app.xml')
  }
  {
    id: 'rate-limit-per-subscription'
    description: '100 calls per 60 seconds per subscription'
    xml: loadTextContent('../../apim/fragments/rate-limit-per-subscription.xml')
  }
  {
    id: 'quota-premium'
    description: '1,000,000 calls per 30 days per subscription'
    xml: loadTextContent('../../apim/fragments/quota-premium.xml')
  }
  {
    id: 'quota-standard'
    description: '100,000 calls per 30 days per subscription'
    xml: loadTextContent('../../apim/fragments/quota-standard.xml')
  }
  {
    id: 'admin-ip-filter'
    description: 'Administrative operations from the administrators network only'
    xml: loadTextContent('../../apim/fragments/admin-ip-filter.xml')
  }
]

var operations = [
  {
    id: 'get-metadata'
    displayName: 'CapabilityStatement'
    method: 'GET'
    urlTemplate: '/metadata'
    policy: 'discovery'
  }
  {
    id: 'get-smart-configuration'
    displayName: 'SMART configuration'
    method: 'GET'
    urlTemplate: '/.well-known/smart-configuration'
    policy: 'discovery'
  }
  {
    id: 'system-export'
    displayName: 'Bulk export (system)'
    method: 'GET'
    urlTemplate: '/$export'
    policy: 'admin'
  }
  {
    id: 'group-export'
    displayName: 'Bulk export (group)'
    method: 'GET'
    urlTemplate: '/Group/{id}/$export'
    policy: 'admin'
  }
  {
    id: 'fhir-read'
    displayName: 'FHIR read and search'
    method: 'GET'
    urlTemplate: '/*'
    policy: ''
  }
  {
    id: 'fhir-head'
    displayName: 'FHIR read (HEAD)'
    method: 'HEAD'
    urlTemplate: '/*'
    policy: ''
  }
  {
    id: 'fhir-create'
    displayName: 'FHIR create, search (POST), batch and transaction'
    method: 'POST'
    urlTemplate: '/*'
    policy: ''
  }
  {
    id: 'fhir-update'
    displayName: 'FHIR update'
    method: 'PUT'
    urlTemplate: '/*'
    policy: ''
  }
  {
    id: 'fhir-patch'
    displayName: 'FHIR patch'
    method: 'PATCH'
    urlTemplate: '/*'
    policy: ''
  }
  {
    id: 'fhir-delete'
    displayName: 'FHIR delete'
    method: 'DELETE'
    urlTemplate: '/*'
    policy: ''
  }
]

var operationPolicies = {
  discovery: loadTextContent('../../apim/policies/operations/discovery-cached.xml')
  admin: loadTextContent('../../apim/policies/operations/admin-operation.xml')
}

var products = [
  {
    id: 'patient-portal'
    displayName: 'Patient Portal'
    description: 'Patient-facing web and mobile portal; patients sign in with Entra External ID / Azure AD B2C.'
    group: 'patient-portal-developers'
    groupDisplayName: 'Patient Portal developers'
    policy: loadTextContent('../../apim/policies/products/patient-portal.xml')
  }
  {
    id: 'provider-dashboard'
    displayName: 'Provider Dashboard'
    description: 'Clinical dashboard; clinicians sign in with Entra ID.'
    group: 'provider-dashboard-developers'
    groupDisplayName: 'Provider Dashboard developers'
    policy: loadTextContent('../../apim/policies/products/provider-dashboard.xml')
  }
  {
    id: 'smart-apps'
    displayName: 'SMART Apps'
    description: 'Registered third-party SMART on FHIR applications (EHR launch and standalone launch).'
    group: 'smart-app-developers'
    groupDisplayName: 'SMART app developers'
    policy: loadTextContent('../../apim/policies/products/smart-apps.xml')
  }
]

resource apim 'Microsoft.ApiManagement/service@2024-05-01' existing = {
  name: apimName
}

resource policyFragments 'Microsoft.ApiManagement/service/policyFragments@2024-05-01' = [
  for fragment in fragments: {
    parent: apim
    name: fragment.id
    properties: {
      description: fragment.description
      format: 'xml'
      value: fragment.xml
    }
  }
]

resource globalPolicy 'Microsoft.ApiManagement/service/policies@2024-05-01' = {
  parent: apim
  name: 'policy'
  properties: {
    format: 'xml'
    value: loadTextContent('../../apim/policies/global.xml')
  }
  dependsOn: [
    policyFragments
  ]
}

var facadeCircuitBreaker = {
  rules: [
    {
      name: 'facade-server-errors'
      failureCondition: {
        count: 10
        interval: 'PT1M'
        statusCodeRanges: [
          {
            min: 500
            max: 599
          }
        ]
        errorReasons: [
          'BackendConnectionFailure'
          'Timeout'
        ]
      }
      tripDuration: 'PT30S'
      acceptRetryAfter: true
    }
  ]
}

// set-backend-service backend-id="fhir-facade-backend" in apim/policies/apis/fhir-facade.xml.
resource backend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: apim
  name: 'fhir-facade-backend'
  properties: {
    description: 'FHIR Facade on Azure Container Apps (internal)'
    protocol: 'http'
    url: '${facadeUrl}/fhir'
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
    circuitBreaker: facadeCircuitBreaker
  }
}

// The facade's other routes behind the gateway: the BFF (/bff) and the SMART authorization facade (/auth).
resource bffBackend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: apim
  name: 'fhir-facade-bff-backend'
  properties: {
    description: 'FHIR Facade BFF endpoints (patient portal, provider dashboard)'
    protocol: 'http'
    url: '${facadeUrl}/bff'
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
    circuitBreaker: facadeCircuitBreaker
  }
}

resource authBackend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: apim
  name: 'fhir-facade-auth-backend'
  properties: {
    description: 'FHIR Facade SMART authorization endpoints (authorize, token, introspect, patient picker)'
    protocol: 'http'
    url: '${facadeUrl}/auth'
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
    circuitBreaker: facadeCircuitBreaker
  }
}

resource versionSet 'Microsoft.ApiManagement/service/apiVersionSets@2024-05-01' = {
  parent: apim
  name: 'fhir-facade'
  properties: {
    displayName: 'FHIR Facade'
    description: 'FHIR R4 facade. The original version answers without a version header; later versions are chosen with Api-Version.'
    versioningScheme: 'Header'
    versionHeaderName: 'Api-Version'
  }
}

resource api 'Microsoft.ApiManagement/service/apis@2024-05-01' = {
  parent: apim
  name: 'fhir-facade'
  properties: {
    displayName: 'FHIR Facade (FHIR R4)'
    description: 'SMART on FHIR protected FHIR R4 API for the patient portal, provider dashboard and SMART apps.'
    path: 'fhir'
    protocols: [
      'https'
    ]
    subscriptionRequired: true
    apiVersionSetId: versionSet.id
    serviceUrl: '${facadeUrl}/fhir'
    apiType: 'http'
  }
}

resource apiPolicy 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = {
  parent: api
  name: 'policy'
  properties: {
    format: 'xml'
    value: loadTextContent('../../apim/policies/apis/fhir-facade.xml')
  }
  dependsOn: [
    backend
    policyFragments
  ]
}

resource apiOperations 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [
  for operation in operations: {
    parent: api
    name: operation.id
    properties: {
      displayName: operation.displayName
      method: operation.method
      urlTemplate: operation.urlTemplate
      templateParameters: contains(operation.urlTemplate, '{id}') ? [
        {
          name: 'id'
          type: 'string'
          required: true
        }
      ] : []
    }
  }
]

// The BFF (first-party front ends, subscription and the products' token validation) and the SMART authorization
// facade (no subscription: called before any token; rate-limited per client address). Wildcard operations: the
// facade answers 404 for what it does not serve.
var routeApis = [
  {
    name: 'fhir-facade-bff'
    displayName: 'FHIR Facade BFF'
    description: 'Patient portal and provider dashboard endpoints (same authorization, masking and audit as /fhir).'
    path: 'bff'
    subscriptionRequired: true
    policy: loadTextContent('../../apim/policies/apis/fhir-facade-bff.xml')
  }
  {
    name: 'fhir-facade-auth'
    displayName: 'FHIR Facade SMART authorization'
    description: 'SMART App Launch authorization endpoints: authorize, token, introspect, patient picker.'
    path: 'auth'
    subscriptionRequired: false
    policy: loadTextContent('../../apim/policies/apis/fhir-facade-auth.xml')
  }
]

resource routeApi 'Microsoft.ApiManagement/service/apis@2024-05-01' = [
  for route in routeApis: {
    parent: apim
    name: route.name
    properties: {
      displayName: route.displayName
      description: route.description
      path: route.path
      protocols: [
        'https'
      ]
      subscriptionRequired: route.subscriptionRequired
      serviceUrl: '${facadeUrl}/${route.path}'
      apiType: 'http'
    }
  }
]

resource routeApiPolicies 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = [
  for (route, i) in routeApis: {
    parent: routeApi[i]
    name: 'policy'
    properties: {
      format: 'xml'
      value: route.policy
    }
    dependsOn: [
      bffBackend
      authBackend
      policyFragments
    ]
  }
]

resource routeApiGet 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [
  for (route, i) in routeApis: {
    parent: routeApi[i]
    name: 'get-any'
    properties: {
      displayName: 'GET'
      method: 'GET'
      urlTemplate: '/*'
    }
  }
]

resource routeApiPost 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [
  for (route, i) in routeApis: {
    parent: routeApi[i]
    name: 'post-any'
    properties: {
      displayName: 'POST'
      method: 'POST'
      urlTemplate: '/*'
    }
  }
]

resource apiOperationPolicies 'Microsoft.ApiManagement/service/apis/operations/policies@2024-05-01' = [
  for (operation, i) in operations: if (!empty(operation.policy)) {
    parent: apiOperations[i]
    name: 'policy'
    properties: {
      format: 'xml'
      value: operationPolicies[operation.policy]
    }
    dependsOn: [
      policyFragments
    ]
  }
]

resource groups 'Microsoft.ApiManagement/service/groups@2024-05-01' = [
  for product in products: {
    parent: apim
    name: product.group
    properties: {
      displayName: product.groupDisplayName
      description: 'Developers allowed to subscribe to ${product.displayName}'
      type: 'custom'
    }
  }
]

// Subscriptions need an administrator's approval: every client is known before it gets a key.
resource apimProducts 'Microsoft.ApiManagement/service/products@2024-05-01' = [
  for product in products: {
    parent: apim
    name: product.id
    properties: {
      displayName: product.displayName
      description: product.description
      subscriptionRequired: true
      approvalRequired: true
      subscriptionsLimit: 10
      state: 'published'
      terms: 'Access to protected health information is logged and audited (HIPAA). Use is limited to the purposes agreed with the covered entity.'
    }
  }
]

resource productPolicies 'Microsoft.ApiManagement/service/products/policies@2024-05-01' = [
  for (product, i) in products: {
    parent: apimProducts[i]
    name: 'policy'
    properties: {
      format: 'xml'
      value: product.policy
    }
    dependsOn: [
      policyFragments
    ]
  }
]

resource productApis 'Microsoft.ApiManagement/service/products/apis@2024-05-01' = [
  for (product, i) in products: {
    parent: apimProducts[i]
    name: api.name
  }
]

// The BFF belongs to the two first-party products (their policies validate the patient or provider token),
// never to SMART Apps.
resource productBffApis 'Microsoft.ApiManagement/service/products/apis@2024-05-01' = [
  for productId in ['patient-portal', 'provider-dashboard']: {
    name: '${apimName}/${productId}/fhir-facade-bff'
    dependsOn: [
      apimProducts
      routeApi
    ]
  }
]

resource productGroups 'Microsoft.ApiManagement/service/products/groups@2024-05-01' = [
  for (product, i) in products: {
    parent: apimProducts[i]
    name: groups[i].name
  }
]

output apiId string = api.id
output backendId string = backend.name
output productIds array = [for product in products: product.id]
