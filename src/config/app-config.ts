/**
 * Typed configuration, read from the environment once at start-up and validated.
 * A bad or missing value stops the process with one message naming every bad variable.
 * This folder is the only place that reads `process.env`.
 */
import { DEFAULT_AUTHORIZATION_CONFIG, type AuthorizationConfig } from '../smart/authorization.types.js';
import { intReader, jsonArray } from './config-readers.js';
import { parseBackendsConfig, parseSecretsConfig, type BackendsConfig, type SecretsConfig } from './backends-config.js';

export type Profile = 'local' | 'azure';
export type AuditFailMode = 'closed' | 'open';

export interface TrustedIssuerConfig {
  /** Exact `iss` value. */
  readonly issuer: string;
  /** The token's `aud` must contain one of these. */
  readonly audiences: readonly string[];
  /** Optional; otherwise found through `<issuer>/.well-known/openid-configuration`. */
  readonly jwksUri?: string;
}

export interface AppConfig {
  readonly profile: Profile;
  readonly port: number;
  readonly host: string;
  /** e.g. `http://127.0.0.1:8080`, no trailing slash. */
  readonly publicBaseUrl: string;
  /** `<publicBaseUrl>/fhir`: the audience and base of every FHIR URL the facade shows. */
  readonly fhirBase: string;
  /** Upstream FHIR server; in the local profile, undefined means "start the sandbox". */
  readonly fhirBaseUrl?: string;
  readonly authIssuers: readonly TrustedIssuerConfig[];
  readonly sandboxFhirPort: number;
  readonly localIdpPort: number;
  readonly logLevel: string;
  /** Largest request body accepted, bytes. */
  readonly bodyLimitBytes: number;
  /** Deadline of one upstream call, ms. */
  readonly upstreamTimeoutMs: number;
  /** Minimum time between two JWKS refetches for an unknown `kid`, ms. */
  readonly jwksCooldownMs: number;
  /** When set, requests must carry `X-Gateway-Secret` with this value (set by APIM). */
  readonly gatewaySharedSecret?: string;
  readonly audit: {
    readonly storePath: string;
    readonly failMode: AuditFailMode;
    readonly maxPendingEvents: number;
    /** Longest wait between two delivery attempts while Event Hubs is unreachable. */
    readonly shipMaxBackoffMs: number;
    readonly eventHubConnectionString?: string;
    readonly eventHubName?: string;
    readonly eventHubNamespace?: string;
  };
  /** SMART authorization settings (provider access policy, reference data, operations, break-glass role). */
  readonly authorization: AuthorizationConfig;
  /** How long a break-glass grant lasts. */
  readonly breakGlassMinutes: number;
  /** HMAC key for the masking policy's `hash` method. */
  readonly maskingHashKey: string;
  /** Masking policy file; the versioned default in src/masking/policies when unset. */
  readonly maskingPolicyPath?: string;
  readonly keyVaultUrl?: string;
  /** EMRs, routing, resilience (see backends-config.ts). */
  readonly backends: BackendsConfig;
  /** Where secrets come from locally and how often they are refreshed (see backends-config.ts). */
  readonly secrets: SecretsConfig;
  readonly redisUrl?: string;
  readonly appInsightsConnectionString?: string;
  /** SMART apps the provider dashboard may launch (EHR launch), from `SMART_APPS`. */
  readonly smartApps: readonly SmartAppConfig[];
  /** Lifetime of an EHR `launch` value, seconds (`LAUNCH_TTL_SECONDS`). */
  readonly launchTtlSeconds: number;
  /**
   * How long the launch context of a refresh token is kept when the tokens cannot carry it (Entra ID),
   * seconds (`LAUNCH_REFRESH_TTL_SECONDS`); renewed at each refresh.
   */
  readonly launchRefreshTtlSeconds: number;
  /**
   * The facade's own Entra ID app registration (`FACADE_CLIENT_ID`), a confidential client whose secret is read
   * through the secrets provider (`facade-client-secret`): the sign-in before the azure profile's patient picker.
   * Unset: no picker in the azure profile.
   */
  readonly facadeClientId?: string;
}

/** A SMART app registered for EHR launch: the OAuth client id and the URL the EHR opens with `iss` and `launch`. */
export interface SmartAppConfig {
  readonly clientId: string;
  readonly launchUrl: string;
  readonly name?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the configuration. Collects every problem before failing.
 * Values are never echoed in messages (they may be secrets); only the variable names and what is wrong.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const bad = (name: string, why: string) => problems.push(`${name} ${why}`);

  const profile = (env.APP_PROFILE ?? 'local') as Profile;
  if (profile !== 'local' && profile !== 'azure') bad('APP_PROFILE', "must be 'local' or 'azure'");

  const int = intReader(env, bad);
  const url = (name: string, required: boolean): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (required) bad(name, 'is required');
      return undefined;
    }
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      if (profile === 'azure' && parsed.protocol !== 'https:' && name !== 'REDIS_URL') bad(name, 'must be https in the azure profile');
      return raw.replace(/\/+$/, '');
    } catch {
      bad(name, 'must be an absolute http(s) URL');
      return undefined;
    }
  };
  const optional = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

  const port = int('PORT', 8080, 0, 65535);
  const publicBaseUrl = url('PUBLIC_BASE_URL', false) ?? `http://127.0.0.1:${port}`;
  const fhirBaseUrl = url('FHIR_BASE_URL', profile === 'azure');
  const authIssuers = parseIssuers(env.AUTH_ISSUERS, profile, bad);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) bad('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const failMode = (env.AUDIT_FAIL_MODE ?? 'closed') as AuditFailMode;
  if (failMode !== 'closed' && failMode !== 'open') bad('AUDIT_FAIL_MODE', "must be 'closed' or 'open'");
  const eventHubConnectionString = optional('AUDIT_EVENTHUB_CONNECTION_STRING');
  const eventHubNamespace = optional('AUDIT_EVENTHUB_NAMESPACE');
  const eventHubName = optional('AUDIT_EVENTHUB_NAME');
  if ((eventHubConnectionString || eventHubNamespace) && !eventHubName && !eventHubConnectionString?.includes('EntityPath=')) {
    bad('AUDIT_EVENTHUB_NAME', 'is required with an Event Hubs namespace or a connection string without EntityPath');
  }
  if (profile === 'azure' && !eventHubConnectionString && !eventHubNamespace) {
    bad('AUDIT_EVENTHUB_NAMESPACE', 'or AUDIT_EVENTHUB_CONNECTION_STRING is required in the azure profile');
  }

  const gatewaySharedSecret = optional('GATEWAY_SHARED_SECRET');
  if (gatewaySharedSecret !== undefined && gatewaySharedSecret.length < 16) bad('GATEWAY_SHARED_SECRET', 'must be at least 16 characters');

  const providerAccess = env.PROVIDER_ACCESS_POLICY ?? 'care-team';
  if (providerAccess !== 'care-team' && providerAccess !== 'organization') bad('PROVIDER_ACCESS_POLICY', "must be 'care-team' or 'organization'");
  const maskingHashKey = optional('MASKING_HASH_KEY') ?? (profile === 'local' ? 'local-sandbox-masking-key-not-a-secret' : undefined);
  // In azure the key may come from Key Vault (secret `masking-hash-key`) instead.
  if (maskingHashKey === undefined && !env.KEY_VAULT_URL) bad('MASKING_HASH_KEY', 'is required in the azure profile (or KEY_VAULT_URL)');
  else if (maskingHashKey !== undefined && maskingHashKey.length < 16) bad('MASKING_HASH_KEY', 'must be at least 16 characters');

  const facadeClientId = optional('FACADE_CLIENT_ID');
  if (facadeClientId !== undefined && !optional('FACADE_CLIENT_SECRET') && !env.KEY_VAULT_URL) {
    bad('FACADE_CLIENT_SECRET', 'is required with FACADE_CLIENT_ID (or KEY_VAULT_URL)');
  }

  const config: AppConfig = {
    profile,
    port,
    host: env.HOST ?? (profile === 'local' ? '127.0.0.1' : '0.0.0.0'),
    publicBaseUrl,
    fhirBase: `${publicBaseUrl}/fhir`,
    fhirBaseUrl,
    authIssuers,
    sandboxFhirPort: int('SANDBOX_FHIR_PORT', 8081, 0, 65535),
    localIdpPort: int('LOCAL_IDP_PORT', 8082, 0, 65535),
    logLevel,
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    upstreamTimeoutMs: int('UPSTREAM_TIMEOUT_MS', 10_000, 100, 120_000),
    jwksCooldownMs: int('JWKS_COOLDOWN_MS', 5_000, 0, 600_000),
    gatewaySharedSecret,
    audit: {
      storePath: env.AUDIT_STORE_PATH ?? '.data/audit.sqlite',
      failMode,
      maxPendingEvents: int('AUDIT_MAX_PENDING_EVENTS', 100_000, 1, 100_000_000),
      shipMaxBackoffMs: int('AUDIT_SHIP_MAX_BACKOFF_MS', 30_000, 100, 600_000),
      eventHubConnectionString,
      eventHubName,
      eventHubNamespace,
    },
    authorization: { ...DEFAULT_AUTHORIZATION_CONFIG, providerAccess: providerAccess as AuthorizationConfig['providerAccess'] },
    breakGlassMinutes: int('BREAK_GLASS_MINUTES', 60, 1, 24 * 60),
    maskingHashKey: maskingHashKey ?? '',
    maskingPolicyPath: optional('MASKING_POLICY_PATH'),
    keyVaultUrl: url('KEY_VAULT_URL', false),
    backends: parseBackendsConfig(env, url, bad),
    secrets: parseSecretsConfig(env, bad),
    redisUrl: optional('REDIS_URL'),
    appInsightsConnectionString: optional('APPLICATIONINSIGHTS_CONNECTION_STRING'),
    smartApps: parseSmartApps(env.SMART_APPS, profile, publicBaseUrl, bad),
    launchTtlSeconds: int('LAUNCH_TTL_SECONDS', 300, 1, 3600),
    // Default: Entra ID's refresh token lifetime for single-page apps (24 h); at most its 90-day maximum.
    launchRefreshTtlSeconds: int('LAUNCH_REFRESH_TTL_SECONDS', 86_400, 60, 90 * 86_400),
    facadeClientId,
  };
  if (profile === 'azure' && authIssuers.length === 0) bad('AUTH_ISSUERS', 'must name at least one issuer in the azure profile');
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function parseIssuers(raw: string | undefined, profile: Profile, bad: (name: string, why: string) => void): TrustedIssuerConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  const parsed = jsonArray('AUTH_ISSUERS', raw, bad);
  if (!parsed) return [];
  const issuers: TrustedIssuerConfig[] = [];
  parsed.forEach((item: unknown, i) => {
    const entry = item as Partial<Record<'issuer' | 'jwksUri', unknown>> & { audiences?: unknown };
    const where = `AUTH_ISSUERS[${i}]`;
    if (typeof entry?.issuer !== 'string' || !isHttpUrl(entry.issuer, profile)) {
      return bad(where, 'needs "issuer" as an absolute URL (https in the azure profile)');
    }
    if (!Array.isArray(entry.audiences) || entry.audiences.length === 0 || !entry.audiences.every((a) => typeof a === 'string' && a)) {
      return bad(where, 'needs "audiences" as a non-empty array of strings');
    }
    if (entry.jwksUri !== undefined && (typeof entry.jwksUri !== 'string' || !isHttpUrl(entry.jwksUri, profile))) {
      return bad(where, '"jwksUri" must be an absolute URL');
    }
    issuers.push({ issuer: entry.issuer, audiences: entry.audiences as string[], jwksUri: entry.jwksUri as string | undefined });
  });
  return issuers;
}

/** `SMART_APPS`: `[{"clientId": "...", "launchUrl": "https://...", "name": "..."}]`; the local profile adds the demo app. */
function parseSmartApps(raw: string | undefined, profile: Profile, publicBaseUrl: string, bad: (name: string, why: string) => void): SmartAppConfig[] {
  const demo: SmartAppConfig[] =
    profile === 'local' ? [{ clientId: 'smart-app', launchUrl: `${publicBaseUrl}/demo-app/launch.html`, name: 'Demo SMART app' }] : [];
  if (raw === undefined || raw.trim() === '') return demo;
  const parsed = jsonArray('SMART_APPS', raw, bad);
  if (!parsed) return demo;
  const apps: SmartAppConfig[] = [];
  parsed.forEach((item: unknown, i) => {
    const e = item as Partial<Record<'clientId' | 'launchUrl' | 'name', unknown>>;
    if (typeof e?.clientId !== 'string' || e.clientId === '' || typeof e.launchUrl !== 'string' || !isHttpUrl(e.launchUrl, profile)) {
      return bad(`SMART_APPS[${i}]`, 'needs "clientId" and "launchUrl" (an absolute URL, https in the azure profile)');
    }
    apps.push({ clientId: e.clientId, launchUrl: e.launchUrl, ...(typeof e.name === 'string' ? { name: e.name } : {}) });
  });
  return [...demo.filter((d) => !apps.some((a) => a.clientId === d.clientId)), ...apps];
}

function isHttpUrl(value: string, profile: Profile): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || (profile === 'local' && u.protocol === 'http:');
  } catch {
    return false;
  }
}
