/**
 * Names of Azure API Management policy statements and of the child elements they accept, from the
 * API Management policy reference (https://learn.microsoft.com/azure/api-management/api-management-policies).
 * A name outside these lists is a typo or an invented policy, which APIM would reject at deployment.
 */
export const POLICY_STATEMENTS: ReadonlySet<string> = new Set([
  // rate limiting and quotas
  'rate-limit', 'rate-limit-by-key', 'quota', 'quota-by-key', 'limit-concurrency',
  'azure-openai-token-limit', 'llm-token-limit',
  // authentication and authorization
  'check-header', 'get-authorization-context', 'ip-filter', 'validate-azure-ad-token', 'validate-jwt',
  'validate-client-certificate', 'authentication-basic', 'authentication-certificate',
  'authentication-managed-identity',
  // content validation
  'validate-content', 'validate-parameters', 'validate-headers', 'validate-status-code',
  'validate-graphql-request', 'validate-odata-request',
  // routing
  'forward-request', 'proxy', 'set-backend-service',
  // caching
  'cache-lookup', 'cache-store', 'cache-lookup-value', 'cache-store-value', 'cache-remove-value',
  'azure-openai-semantic-cache-lookup', 'azure-openai-semantic-cache-store',
  'llm-semantic-cache-lookup', 'llm-semantic-cache-store',
  // transformation
  'set-query-parameter', 'set-header', 'set-body', 'set-method', 'set-status', 'set-variable',
  'find-and-replace', 'json-to-xml', 'xml-to-json', 'xsl-transform', 'rewrite-uri', 'mock-response',
  'return-response', 'redirect-content-urls', 'jsonp', 'cors', 'cross-domain',
  // integration and external communication
  'send-request', 'send-one-way-request', 'log-to-eventhub', 'trace', 'emit-metric',
  'azure-openai-emit-token-metric', 'llm-emit-token-metric', 'publish-to-dapr', 'invoke-dapr-binding',
  'llm-content-safety',
  // policy control and flow
  'choose', 'retry', 'wait', 'include-fragment', 'base',
]);

/** Elements that hold policy statements (sections, fragments and control-flow bodies). */
export const POLICY_CONTAINERS: ReadonlySet<string> = new Set([
  'inbound', 'backend', 'outbound', 'on-error', 'fragment', 'when', 'otherwise', 'retry',
  'limit-concurrency', 'wait',
]);

/** Child elements accepted by policies that are not containers. */
export const POLICY_CHILD_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  policies: ['inbound', 'backend', 'outbound', 'on-error'],
  choose: ['when', 'otherwise'],
  'validate-jwt': ['openid-config', 'issuer-signing-keys', 'decryption-keys', 'audiences', 'issuers', 'required-claims'],
  'validate-azure-ad-token': ['backend-application-ids', 'client-application-ids', 'audiences', 'required-claims', 'decryption-keys'],
  'issuer-signing-keys': ['key'],
  'decryption-keys': ['key'],
  audiences: ['audience'],
  issuers: ['issuer'],
  'required-claims': ['claim'],
  claim: ['value'],
  cors: ['allowed-origins', 'allowed-methods', 'allowed-headers', 'expose-headers'],
  'allowed-origins': ['origin'],
  'allowed-methods': ['method'],
  'allowed-headers': ['header'],
  'expose-headers': ['header'],
  'ip-filter': ['address', 'address-range'],
  'return-response': ['set-status', 'set-header', 'set-body'],
  'mock-response': [],
  'set-header': ['value'],
  'set-query-parameter': ['value'],
  'check-header': ['value'],
  'cache-lookup': ['vary-by-header', 'vary-by-query-parameter'],
  'send-request': ['set-url', 'set-method', 'set-header', 'set-body', 'authentication-certificate', 'authentication-managed-identity', 'proxy'],
  'send-one-way-request': ['set-url', 'set-method', 'set-header', 'set-body', 'authentication-certificate', 'authentication-managed-identity'],
  trace: ['message', 'metadata'],
  'emit-metric': ['dimension'],
  'validate-content': ['content-type-map', 'content'],
  'content-type-map': ['type'],
  'validate-parameters': ['headers', 'query', 'path'],
  'validate-headers': ['header'],
  'validate-client-certificate': ['identities'],
  identities: ['identity'],
};
