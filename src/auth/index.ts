export { AuthModule } from './auth.module.js';
export { CurrentPrincipal } from './current-principal.decorator.js';
export {
  LAUNCH_CONTEXT_RESOLVER,
  LaunchContextUnavailableError,
  mayHaveKeptContext,
  type LaunchContextResolver,
  type TokenLaunchContext,
} from './launch-context.resolver.js';
export type { Principal, PrincipalKind } from './principal.js';
export { Public } from './public.decorator.js';
export { TrustedIssuerRegistry } from './trusted-issuer.registry.js';
