export { ConfigError, loadConfig } from './app-config.js';
export type { AppConfig, AuditFailMode, Profile, SmartAppConfig, TrustedIssuerConfig } from './app-config.js';
export { APP_CONFIG } from './config.tokens.js';
export { DEFAULT_EMR_SCOPE, EMR_NAMES, PRIMARY_BACKEND, secretNames } from './backends-config.js';
export type { BackendsConfig, EmrConfig, EmrName, ResilienceConfig, RouteRule, SecretsConfig } from './backends-config.js';
