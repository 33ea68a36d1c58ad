export { ConfigError, loadConfig } from './app-config.js';
export type { AppConfig, AuditFailMode, Profile, SmartAppConfig, TrustedIssuerConfig } from './app-config.js';
export { APP_CONFIG } from './config.tokens.js';
