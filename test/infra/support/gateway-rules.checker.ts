import { findElements, parsePolicyXml, type XmlElement } from './apim-policy.checker.js';

/** Policy documents by repo-relative path (apim/...). */
export type PolicySet = ReadonlyMap<string, string>;

const elementsIn = (set: PolicySet, name: string): { path: string; element: XmlElement }[] =>
  [...set].flatMap(([path, xml]) => findElements(parsePolicyXml(xml), name).map((element) => ({ path, element })));

const includes = (xml: string): string[] => findElements(parsePolicyXml(xml), 'include-fragment').map((e) => e.attributes['fragment-id'] ?? '');

/** The seed's limits: 100 calls / 60 s per subscription; quotas 1,000,000 (Premium) and 100,000 (Standard) per 2,592,000 s. */
export function rateLimitProblems(set: PolicySet): string[] {
  const problems: string[] = [];
  const rateLimits = elementsIn(set, 'rate-limit-by-key');
  if (rateLimits.length === 0) problems.push('no rate-limit-by-key');
  for (const { path, element: e } of rateLimits) {
    if (e.attributes.calls !== '100' || e.attributes['renewal-period'] !== '60') problems.push(`${path}: rate limit is ${e.attributes.calls}/${e.attributes['renewal-period']}s, seed says 100/60s`);
    if (!e.attributes['counter-key']?.includes('context.Subscription')) problems.push(`${path}: rate limit is not keyed by subscription`);
    if (!e.attributes['retry-after-variable-name']) problems.push(`${path}: rate limit keeps no retry-after variable for the 429 response`);
  }
  const quotas = elementsIn(set, 'quota-by-key').map(({ element: e }) => `${e.attributes.calls}/${e.attributes['renewal-period']}`).sort();
  if (JSON.stringify(quotas) !== JSON.stringify(['1000000/2592000', '100000/2592000'].sort())) problems.push(`quotas are ${quotas.join(', ')}, seed says 1000000/2592000 and 100000/2592000`);
  for (const { path, element: e } of elementsIn(set, 'quota-by-key')) {
    if (!e.attributes['counter-key']?.includes('context.Subscription')) problems.push(`${path}: quota is not keyed by subscription`);
  }
  for (const [path, xml] of set) {
    if (!path.startsWith('apim/policies/products/')) continue;
    const used = includes(xml);
    if (!used.includes('rate-limit-per-subscription')) problems.push(`${path}: product has no rate limit`);
    if (used.filter((id) => id.startsWith('quota-')).length !== 1) problems.push(`${path}: product needs exactly one quota fragment`);
  }
  return problems;
}

/** Named values validate-jwt uses as issuers and audiences; problems when a value is literal or a part is missing. */
export function jwtValidation(set: PolicySet): { issuers: Set<string>; audiences: Set<string>; problems: string[] } {
  const issuers = new Set<string>();
  const audiences = new Set<string>();
  const problems: string[] = [];
  const namedValue = (text: string): string | undefined => /^\{\{([A-Za-z0-9._-]+)\}\}$/.exec(text.trim())?.[1];
  const jwts = elementsIn(set, 'validate-jwt');
  if (jwts.length === 0) problems.push('no validate-jwt');
  for (const { path, element } of jwts) {
    const configs = findElements(element, 'openid-config');
    if (configs.length === 0 || configs.some((c) => !namedValue(c.attributes.url ?? ''))) problems.push(`${path}: openid-config must use a named value`);
    for (const [tag, target] of [['issuer', issuers], ['audience', audiences]] as const) {
      const values = findElements(element, tag);
      if (values.length === 0) problems.push(`${path}: validate-jwt has no ${tag}`);
      for (const value of values) {
        const name = namedValue(value.text);
        if (name) target.add(name);
        else problems.push(`${path}: ${tag} "${value.text}" is not a named value`);
      }
    }
    if (element.attributes['failed-validation-httpcode'] !== '401') problems.push(`${path}: validate-jwt must fail with 401`);
  }
  return { issuers, audiences, problems };
}

/** Responses are cached only for discovery documents (no PHI); writes are never retried. */
export function cachingAndRetryProblems(set: PolicySet, discoveryPolicies: readonly string[]): string[] {
  const problems: string[] = [];
  for (const name of ['cache-lookup', 'cache-store', 'cache-store-value', 'cache-lookup-value']) {
    for (const { path } of elementsIn(set, name)) if (!discoveryPolicies.includes(path)) problems.push(`${path}: ${name} outside the discovery operations`);
  }
  const retries = elementsIn(set, 'retry');
  if (retries.length === 0) problems.push('no retry');
  for (const { path, element } of retries) {
    const condition = element.attributes.condition ?? '';
    if (!condition.includes('== 503')) problems.push(`${path}: retry is not limited to 503`);
    const methods = [...condition.matchAll(/Method == "([A-Z]+)"/g)].map((m) => m[1]).sort();
    if (JSON.stringify(methods) !== JSON.stringify(['GET', 'HEAD'])) problems.push(`${path}: retry methods are ${methods.join(',') || 'unrestricted'}, only GET and HEAD are idempotent here`);
  }
  return problems;
}

const SEED_AUDIT_FIELDS = {
  request: ['timestamp', 'requestId', 'userId', 'operation', 'method', 'url', 'ipAddress', 'userAgent'],
  response: ['timestamp', 'requestId', 'statusCode', 'duration'],
};

/** Gateway audit: the seed's fields in and out, partitioned by subscription, never bodies or tokens. */
export function auditLogProblems(set: PolicySet): string[] {
  const problems: string[] = [];
  const logs = elementsIn(set, 'log-to-eventhub');
  const phases = new Set<string>();
  for (const { path, element } of logs) {
    const fields = [...element.text.matchAll(/new JProperty\("([A-Za-z]+)"/g)].map((m) => m[1]!);
    const phase = /"phase", "(request|response)"/.exec(element.text)?.[1];
    if (!phase) {
      problems.push(`${path}: audit record names no phase`);
      continue;
    }
    phases.add(phase);
    for (const field of SEED_AUDIT_FIELDS[phase as 'request' | 'response']) if (!fields.includes(field)) problems.push(`${path}: ${phase} record lacks ${field}`);
    if (!element.attributes['partition-key']?.includes('context.Subscription')) problems.push(`${path}: not partitioned by subscription`);
    if (/Body|Authorization|access_token|\.Query\b(?!\.Keys)|Url\.ToString\(\)|OriginalUrl\.ToString\(\)/.test(element.text)) problems.push(`${path}: logs a body, a token or the full query string`);
  }
  if (!phases.has('request') || !phases.has('response')) problems.push('audit records must cover request and response');
  return problems;
}

/** Responses lose server banners; requests carry the gateway secret from a named value. */
export function headerProblems(set: PolicySet, globalPath: string): string[] {
  const problems: string[] = [];
  const global = set.get(globalPath) ?? '<policies />';
  const outboundFragments = new Set(findElements(parsePolicyXml(global), 'outbound').flatMap((outbound) => findElements(outbound, 'include-fragment').map((e) => `apim/fragments/${e.attributes['fragment-id']}.xml`)));
  const deleted = [...outboundFragments].flatMap((path) => findElements(parsePolicyXml(set.get(path) ?? '<fragment />'), 'set-header'))
    .filter((e) => e.attributes['exists-action'] === 'delete').map((e) => e.attributes.name);
  for (const header of ['Server', 'X-Powered-By', 'X-AspNet-Version']) if (!deleted.includes(header)) problems.push(`global outbound does not remove ${header}`);
  const secret = elementsIn(set, 'set-header').filter(({ element }) => element.attributes.name === 'X-Gateway-Secret' && element.attributes['exists-action'] === 'override');
  if (secret.length !== 1 || findElements(secret[0]!.element, 'value')[0]?.text !== '{{gateway-shared-secret}}') problems.push('X-Gateway-Secret is not set (override) from {{gateway-shared-secret}}');
  const forwarded = elementsIn(set, 'set-header').map(({ element }) => element.attributes.name?.toLowerCase());
  for (const header of ['x-request-id', 'x-forwarded-for']) if (!forwarded.includes(header)) problems.push(`${header} is not forwarded`);
  return problems;
}
