import { describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import { declarations, descendants, objectProperties, stringLiteral } from './support/bicep-syntax.js';
import { auditLogProblems, cachingAndRetryProblems, headerProblems, jwtValidation, rateLimitProblems } from './support/gateway-rules.checker.js';
import { loadBicepFiles, varArrayObjects, type ParsedBicepFile } from './support/infra-model.js';
import { listFiles, readRepoFile } from './support/repo-files.js';

const policies = new Map(listFiles('apim', '.xml').map((path) => [path, readRepoFile(path)]));
const files = await loadBicepFiles();
const file = (path: string): ParsedBicepFile => files.find((f) => f.path === path)!;
const mutate = (path: string, from: string | RegExp, to: string): Map<string, string> => new Map([...policies, [path, policies.get(path)!.replace(from, to)]]);

/** The params object a file passes to the module at `modulePath`, as name -> expression text. */
function moduleArguments(caller: ParsedBicepFile, modulePath: string): Map<string, string> {
  const module = declarations(caller.tree).modules.find((m) => m.path === modulePath)!;
  return new Map([...objectProperties(objectProperties(module.body).get('params'))].map(([k, v]) => [k, v.text]));
}

/** The main.bicep expression a named value of apim.bicep is set from. */
function namedValueSources(): Map<string, string> {
  const apimArguments = moduleArguments(file('infra/main.bicep'), 'modules/apim.bicep');
  return new Map(varArrayObjects(file('infra/modules/apim.bicep'), 'plainNamedValues').map((nv) => [
    stringLiteral(nv.get('name'))!,
    apimArguments.get(nv.get('value')!.text) ?? `<not passed: ${nv.get('value')!.text}>`,
  ]));
}

/** Issuers and audiences of `var authIssuers` in main.bicep, as expression texts. */
function facadeIssuers(): { issuers: string[]; audiences: string[][] } {
  const entries = varArrayObjects(file('infra/main.bicep'), 'authIssuers');
  return {
    issuers: entries.map((e) => e.get('issuer')!.text),
    audiences: entries.map((e) => (e.get('audiences')?.namedChildren ?? []).filter((n): n is Node => !!n).map((n) => n.text)),
  };
}

/** Names of the trusted-issuer settings APIM and the facade disagree on. */
function issuerMismatches(jwt: { issuers: Set<string>; audiences: Set<string> }, sources: Map<string, string>): string[] {
  const facade = facadeIssuers();
  const problems: string[] = [];
  for (const name of jwt.issuers) if (!facade.issuers.includes(sources.get(name) ?? '')) problems.push(`issuer {{${name}}} (${sources.get(name)}) is not in AUTH_ISSUERS`);
  for (const name of jwt.audiences) if (!facade.audiences.every((list) => list.includes(sources.get(name) ?? ''))) problems.push(`audience {{${name}}} (${sources.get(name)}) is not every issuer's audience in AUTH_ISSUERS`);
  for (const issuer of facade.issuers) if (![...jwt.issuers].some((name) => sources.get(name) === issuer)) problems.push(`AUTH_ISSUERS trusts ${issuer}, which APIM does not`);
  return problems;
}

describe('APIM and the facade trust the same issuers and audience', () => {
  it('validate-jwt issuers and audience are the named values AUTH_ISSUERS is built from', () => {
    const jwt = jwtValidation(policies);
    expect(jwt.problems).toEqual([]);
    expect(issuerMismatches(jwt, namedValueSources())).toEqual([]);
    expect(namedValueSources().get('fhir-audience')).toBe('fhirAudience');
    const fhirAudience = declarations(file('infra/main.bicep').tree).vars.get('fhirAudience')!.text;
    expect(fhirAudience).toBe("'${publicBaseUrl}/fhir'");
    expect(moduleArguments(file('infra/main.bicep'), 'modules/container-apps.bicep').get('authIssuers')).toBe('authIssuers');
  });

  it('an issuer APIM trusts but the facade does not, or a literal audience, is caught (negative case)', () => {
    const sources = new Map([...namedValueSources(), ['rogue-issuer', 'someOtherIssuer']]);
    expect(issuerMismatches({ issuers: new Set(['entra-issuer', 'rogue-issuer', 'external-id-issuer']), audiences: new Set(['fhir-audience']) }, sources))
      .toEqual(['issuer {{rogue-issuer}} (someOtherIssuer) is not in AUTH_ISSUERS']);
    const literal = jwtValidation(mutate('apim/fragments/validate-jwt-patient.xml', '{{fhir-audience}}', 'https://fhir.example.com'));
    expect(literal.problems).toContain('apim/fragments/validate-jwt-patient.xml: audience "https://fhir.example.com" is not a named value');
  });
});

describe('gateway rules from the seeds', () => {
  it('rate limit 100/60 s and quotas 1,000,000 and 100,000 per 2,592,000 s, per subscription, on every product', () => {
    expect(rateLimitProblems(policies)).toEqual([]);
  });

  it('a changed limit or a product without quota is caught (negative case)', () => {
    expect(rateLimitProblems(mutate('apim/fragments/rate-limit-per-subscription.xml', 'calls="100"', 'calls="1000"')).join()).toMatch(/seed says 100\/60s/);
    expect(rateLimitProblems(mutate('apim/fragments/quota-premium.xml', '2592000', '86400')).join()).toMatch(/seed says 1000000\/2592000/);
    expect(rateLimitProblems(mutate('apim/policies/products/smart-apps.xml', /<include-fragment fragment-id="quota-standard" \/>/, ''))).toContain('apim/policies/products/smart-apps.xml: product needs exactly one quota fragment');
  });

  const discovery = ['apim/policies/operations/discovery-cached.xml'];

  it('only discovery documents are cached and only GET/HEAD are retried, on 503', () => {
    expect(cachingAndRetryProblems(policies, discovery)).toEqual([]);
    const config = file('infra/modules/apim-config.bicep');
    const cachedOperations = varArrayObjects(config, 'operations').filter((op) => stringLiteral(op.get('policy')) === 'discovery').map((op) => stringLiteral(op.get('urlTemplate')));
    expect(cachedOperations).toEqual(['/metadata', '/.well-known/smart-configuration']);
  });

  it('caching a PHI operation or retrying a POST is caught (negative case)', () => {
    const cachedPhi = new Map([...policies, ['apim/policies/apis/fhir-facade.xml', policies.get('apim/policies/apis/fhir-facade.xml')!.replace('<outbound>\n    <base />', '<outbound>\n    <base />\n    <cache-store duration="60" />')]]);
    expect(cachingAndRetryProblems(cachedPhi, discovery)).toContain('apim/policies/apis/fhir-facade.xml: cache-store outside the discovery operations');
    const retryPost = mutate('apim/fragments/backend-forward-with-retry.xml', '&quot;HEAD&quot;', '&quot;POST&quot;');
    expect(cachingAndRetryProblems(retryPost, discovery).join()).toMatch(/only GET and HEAD are idempotent/);
  });

  it('gateway audit records carry the seed fields in and out, keyed by subscription, without bodies or tokens', () => {
    expect(auditLogProblems(policies)).toEqual([]);
  });

  it('an audit record with the body or without a seed field is caught (negative case)', () => {
    const withBody = mutate('apim/fragments/audit-log-inbound.xml', 'new JProperty("ipAddress"', 'new JProperty("body", context.Request.Body.As&lt;string&gt;()),\n      new JProperty("ipAddress"');
    expect(auditLogProblems(withBody)).toContain('apim/fragments/audit-log-inbound.xml: logs a body, a token or the full query string');
    const noDuration = mutate('apim/fragments/audit-log-outbound.xml', '"duration"', '"elapsed"');
    expect(auditLogProblems(noDuration)).toContain('apim/fragments/audit-log-outbound.xml: response record lacks duration');
  });

  it('responses lose server banners; requests carry the gateway secret, request id and client address', () => {
    expect(headerProblems(policies, 'apim/policies/global.xml')).toEqual([]);
  });

  it('a kept Server header or a literal gateway secret is caught (negative case)', () => {
    expect(headerProblems(mutate('apim/fragments/strip-backend-headers.xml', '<set-header name="Server" exists-action="delete" />', ''), 'apim/policies/global.xml'))
      .toContain('global outbound does not remove Server');
    expect(headerProblems(mutate('apim/fragments/gateway-secret-header.xml', '{{gateway-shared-secret}}', 'hunter2'), 'apim/policies/global.xml'))
      .toContain('X-Gateway-Secret is not set (override) from {{gateway-shared-secret}}');
  });
});

/**
 * Env var names a Container App sets, with whether each is a secret reference: the literal list (`env: [...]`, or
 * the first argument of `env: concat([...], optional lists)`).
 */
function containerEnv(source: ParsedBicepFile): Map<string, { value?: string; secretRef?: string }> {
  const env = new Map<string, { value?: string; secretRef?: string }>();
  for (const property of descendants(source.tree.rootNode, 'object_property')) {
    if (property.namedChildren[0]?.text !== 'env') continue;
    const value = property.namedChildren[1];
    const list = value?.type === 'array' ? value : value ? descendants(value, 'array')[0] : undefined;
    for (const item of list?.namedChildren ?? []) {
      const entry = objectProperties(item);
      const name = stringLiteral(entry.get('name'));
      if (name) env.set(name, { value: entry.get('value')?.text, secretRef: stringLiteral(entry.get('secretRef')) });
    }
  }
  return env;
}

const CONTRACT = ['APP_PROFILE', 'PORT', 'PUBLIC_BASE_URL', 'FHIR_BASE_URL', 'AUTH_ISSUERS', 'AUDIT_EVENTHUB_NAMESPACE', 'AUDIT_EVENTHUB_NAME',
  'AUDIT_STORE_PATH', 'AUDIT_FAIL_MODE', 'KEY_VAULT_URL', 'REDIS_URL', 'GATEWAY_SHARED_SECRET', 'LOG_LEVEL', 'APPLICATIONINSIGHTS_CONNECTION_STRING'];

function containerAppProblems(source: ParsedBicepFile): string[] {
  const env = containerEnv(source);
  const problems = CONTRACT.filter((name) => !env.has(name)).map((name) => `${name} is not set`);
  if (env.get('APP_PROFILE')?.value !== "'azure'") problems.push("APP_PROFILE is not 'azure'");
  if (env.get('AUDIT_FAIL_MODE')?.value !== "'closed'") problems.push("AUDIT_FAIL_MODE is not 'closed'");
  for (const secret of ['GATEWAY_SHARED_SECRET', 'REDIS_URL']) if (!env.get(secret)?.secretRef) problems.push(`${secret} is not a secret reference`);
  const secrets = descendants(source.tree.rootNode, 'object_property').filter((p) => p.namedChildren[0]?.text === 'secrets').flatMap((p) => p.namedChildren[1]?.namedChildren ?? []);
  for (const secret of secrets) if (!objectProperties(secret).has('keyVaultUrl')) problems.push(`secret ${secret.text.slice(0, 40)} is not a Key Vault reference`);
  for (const path of ['/health/live', '/health/ready']) if (!source.source.includes(`path: '${path}'`)) problems.push(`no probe on ${path}`);
  if (!source.source.includes('var port = 8080')) problems.push('the app does not listen on 8080');
  return problems;
}

/**
 * Problems with how the gateway reaches the facade's routes: /fhir, /bff (the front ends) and /auth (the SMART
 * authorization facade that smart-configuration advertises) must each be an API forwarding to the facade under
 * the same path; /auth needs no subscription (called before any token) but is rate-limited per client address;
 * the BFF is sold only with the two first-party products, whose policies validate the token.
 */
function gatewayRouteProblems(bicep: string, policy: (path: string) => string): string[] {
  const problems: string[] = [];
  const paths = [...bicep.matchAll(/^\s+path: '([a-z]+)'$/gm)].map((m) => m[1]);
  for (const path of ['fhir', 'bff', 'auth']) if (!paths.includes(path)) problems.push(`no API on /${path}`);
  for (const [name, path] of [['fhir-facade-bff-backend', 'bff'], ['fhir-facade-auth-backend', 'auth']]) {
    if (!new RegExp(`name: '${name}'[\\s\\S]{0,200}url: '\\$\\{facadeUrl\\}/${path}'`).test(bicep)) problems.push(`backend ${name} does not target /${path}`);
  }
  const auth = policy('apim/policies/apis/fhir-facade-auth.xml');
  if (!auth.includes('<include-fragment fragment-id="rate-limit-per-subscription" />')) problems.push('/auth is not rate-limited');
  if (!/path: 'auth'\s+subscriptionRequired: false/.test(bicep.replace(/displayName[^\n]*\n|description[^\n]*\n/g, ''))) problems.push('/auth requires a subscription');
  const bffProducts = /for productId in \[([^\]]*)\]: \{\s+name: '\$\{apimName\}\/\$\{productId\}\/fhir-facade-bff'/.exec(bicep)?.[1];
  if (bffProducts?.replace(/\s/g, '') !== "'patient-portal','provider-dashboard'") problems.push('the BFF is not limited to the first-party products');
  return problems;
}

describe('infrastructure rules', () => {
  it('the Container App sets the whole configuration contract, secrets from Key Vault, probes on 8080', () => {
    expect(containerAppProblems(file('infra/modules/container-apps.bicep'))).toEqual([]);
  });

  it('the optional EMR and routing variables it can set are the names the configuration reads (README table)', () => {
    const bicep = file('infra/modules/container-apps.bicep').source;
    const readme = readRepoFile('README.md');
    const suffixes = [...bicep.matchAll(/'\$\{toUpper\(emr\.key\)\}(_[A-Z_]+)'/g)].map((m) => m[1]!);
    expect(suffixes.sort()).toEqual(['_FHIR_BASE_URL', '_MRN_SYSTEM', '_SCOPE', '_TOKEN_URL']);
    for (const emr of ['EPIC', 'CERNER']) for (const suffix of suffixes) expect(readme).toContain(`\`${emr}${suffix}\``);
    for (const name of ['PATIENT_MRN_SYSTEM', 'FHIR_ROUTES', 'FACADE_CLIENT_ID']) {
      expect(bicep).toContain(`name: '${name}'`);
      expect(readme).toContain(`\`${name}\``);
    }
  });

  it('the gateway routes /fhir, /bff and /auth to the facade; /auth without subscription but rate-limited; BFF only for first-party products', () => {
    const bicep = file('infra/modules/apim-config.bicep').source;
    expect(gatewayRouteProblems(bicep, readRepoFile)).toEqual([]);
  });

  it('a missing /auth route, an unlimited /auth or a BFF sold to SMART apps is caught (negative case)', () => {
    const bicep = file('infra/modules/apim-config.bicep').source;
    expect(gatewayRouteProblems(bicep.replace("path: 'auth'", "path: 'oauth'"), readRepoFile)).toContain('no API on /auth');
    expect(gatewayRouteProblems(bicep.replace('subscriptionRequired: false', 'subscriptionRequired: true'), readRepoFile)).toContain('/auth requires a subscription');
    expect(gatewayRouteProblems(bicep.replace("url: '${facadeUrl}/auth'", "url: '${facadeUrl}/fhir'"), readRepoFile)).toContain('backend fhir-facade-auth-backend does not target /auth');
    expect(gatewayRouteProblems(bicep, (p) => readRepoFile(p).replace('<include-fragment fragment-id="rate-limit-per-subscription" />', ''))).toContain('/auth is not rate-limited');
    expect(gatewayRouteProblems(bicep.replace("['patient-portal', 'provider-dashboard']", "['patient-portal', 'provider-dashboard', 'smart-apps']"), readRepoFile)).toContain(
      'the BFF is not limited to the first-party products',
    );
  });

  it('a missing variable or a plain-text secret is caught (negative case)', async () => {
    const { parseBicep } = await import('./support/bicep-syntax.js');
    const good = file('infra/modules/container-apps.bicep').source;
    const broken = good
      .replace(/\{\s*name: 'LOG_LEVEL'\s*value: logLevel\s*\}/, "{\n              name: 'LOG_LEVELS'\n              value: logLevel\n            }")
      .replace("secretRef: 'gateway-shared-secret'", 'value: gatewaySecretUri');
    const problems = containerAppProblems({ path: 'broken.bicep', source: broken, tree: await parseBicep(broken) });
    expect(problems).toContain('LOG_LEVEL is not set');
    expect(problems).toContain('GATEWAY_SHARED_SECRET is not a secret reference');
  });

  it('APIM accepts TLS 1.2+ only, front and back (seed settings), in internal VNet mode with a system identity', () => {
    const apim = file('infra/modules/apim.bicep').source;
    for (const side of ['', 'Backend.']) {
      for (const protocol of ['Ssl30', 'Tls10', 'Tls11']) expect(apim).toContain(`'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.${side}Protocols.${protocol}': 'False'`);
    }
    expect(apim).toContain("virtualNetworkType: 'Internal'");
    expect(apim).toContain("type: 'SystemAssigned'");
    expect(apim).toMatch(/name: 'Premium'/);
  });

  it('WAF v2 runs OWASP 3.2 in prevention mode; audit capture is immutable for 2,555 days', () => {
    const gateway = file('infra/modules/app-gateway.bicep').source;
    expect(gateway).toContain("mode: 'Prevention'");
    expect(gateway).toMatch(/ruleSetType: 'OWASP'\s+ruleSetVersion: '3.2'/);
    expect(gateway).toContain("name: 'WAF_v2'");
    expect(file('infra/modules/event-hubs.bicep').source).toMatch(/immutabilityPeriodSinceCreationInDays: immutabilityPeriodInDays/);
    expect(declarations(file('infra/modules/event-hubs.bicep').tree).params.get('immutabilityPeriodInDays')!.node.text).toContain('= 2555');
  });

  it('role assignments use the real built-in role definition ids', () => {
    const roles = file('infra/modules/role-assignments.bicep').source + file('infra/modules/apim.bicep').source;
    const builtIn = {
      'FHIR Data Reader': '4c8d0bbc-75d3-4935-991f-5f3c56d81508',
      'FHIR Data Contributor': '5a1fc7df-4bf1-4951-a576-89034ee01acd',
      'Azure Event Hubs Data Sender': '2b629674-e913-4c01-ae53-ef4638d8f975',
      'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
      AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
    };
    for (const [role, id] of Object.entries(builtIn)) expect(roles, role).toContain(id);
  });

  it('every alert row of the seed has a rule with its threshold', () => {
    const alerts = varArrayObjects(file('infra/modules/alerts.bicep'), 'logAlerts').map((a) => [stringLiteral(a.get('name')), a.get('threshold')?.text]);
    expect(Object.fromEntries(alerts)).toEqual({
      'p95-latency': '500', 'failed-auth-rate': '5', 'client-error-rate': '10', 'server-error-rate': '1', 'rate-limit-violations': '100', 'unauthorized-attempts': '50',
    });
    expect(file('infra/modules/alerts.bicep').source).toContain("metricName: 'UnhealthyHostCount'");
    expect(file('infra/modules/app-gateway.bicep').source).toContain('unhealthyThreshold: 3');
  });
});

/** Top-level tracked resources (Provider/type, not extension resources) declared without tags. */
function untaggedResources(source: ParsedBicepFile): string[] {
  const untaggable = ['Microsoft.Authorization/roleAssignments', 'Microsoft.Insights/diagnosticSettings'];
  return declarations(source.tree).resources
    .filter((r) => !r.existing && r.type.split('@')[0]!.split('/').length === 2 && !untaggable.includes(r.type.split('@')[0]!))
    .filter((r) => !objectProperties(r.body).has('tags'))
    .map((r) => `${source.path}: ${r.symbol}`);
}

describe('tags', () => {
  it('every resource that takes tags gets them, and main.bicep always adds Compliance: HIPAA', () => {
    expect(files.flatMap(untaggedResources)).toEqual([]);
    expect(declarations(file('infra/main.bicep').tree).vars.get('effectiveTags')!.text).toContain("Compliance: 'HIPAA'");
    for (const module of declarations(file('infra/main.bicep').tree).modules) {
      const params = objectProperties(objectProperties(module.body).get('params'));
      if (params.has('tags')) expect(params.get('tags')!.text, module.symbol).toBe('effectiveTags');
    }
  });

  it('a resource without tags is caught (negative case)', async () => {
    const { parseBicep } = await import('./support/bicep-syntax.js');
    const source = "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv'\n  location: 'x'\n}\n";
    expect(untaggedResources({ path: 'bad.bicep', source, tree: await parseBicep(source) })).toEqual(['bad.bicep: kv']);
  });
});
